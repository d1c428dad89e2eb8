"""Job payloads for the printing service, dumped to plain JSON types.

The keys are the contract with ``laurel_printing.jobs``: that service rejects
any key it does not know, so these schemas dump exactly its fields and
nothing more. Only ``LoginRowSchema`` dumps a password.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from laurel.credentials import verify


def plain_score(score: Any) -> int | float:
    """Return an area score as an int when it is whole, else a float."""
    number = float(score)
    return int(number) if number.is_integer() else number


class AreaSchema(Schema):
    title = fields.String()
    score = fields.Function(lambda area: plain_score(area["score"]))


class CredentialPrintSchema(Schema):
    """One credential as the service prints it."""

    public_id = fields.String()
    short_code = fields.String(attribute="code")
    learner_name = fields.String()
    learner_email = fields.Function(lambda credential: credential.learner.email)
    organisation = fields.String(attribute="org_name")
    suite_title = fields.String()
    issued_on = fields.Function(
        lambda credential: credential.issued_at.date().isoformat()
    )
    areas = fields.List(fields.Nested(AreaSchema))
    signer = fields.String(attribute="signer_name")
    verification_url = fields.Function(
        lambda credential: verify.verification_url(credential.public_id)
    )


class LayoutSchema(Schema):
    page_size = fields.String()


class CredentialsPayloadSchema(Schema):
    """The payload of ``render_credentials``, dumped from a ``PrintJob``."""

    job_id = fields.String()
    output_key = fields.String()
    layout = fields.Function(
        lambda job: LayoutSchema().dump({"page_size": job.page_size})
    )
    outputs = fields.List(fields.String(), attribute="requested_outputs")
    credentials = fields.Function(
        lambda job: CredentialPrintSchema(many=True).dump(
            [item.credential for item in job.items]
        )
    )


class LoginRowSchema(Schema):
    name = fields.String()
    email = fields.String()
    password = fields.String()


class LoginSheetPayloadSchema(Schema):
    """The payload of ``render_login_sheet``.

    Dumped from a mapping of the job fields (job_id, output_key, page_size,
    organisation, login_url) and the rows, which hold the passwords.
    """

    job_id = fields.String()
    output_key = fields.String()
    layout = fields.Function(lambda data: LayoutSchema().dump(data))
    organisation = fields.String()
    login_url = fields.String()
    rows = fields.List(fields.Nested(LoginRowSchema))


def credentials_payload(job: Any) -> dict[str, Any]:
    """Return the JSON-able payload that prints ``job``'s credentials in order."""
    return CredentialsPayloadSchema().dump(job)


def login_sheet_payload(
    fields_of_job: dict[str, Any], rows: list[Any]
) -> dict[str, Any]:
    """Return the JSON-able payload of a login sheet; ``rows`` carry passwords."""
    return LoginSheetPayloadSchema().dump({**fields_of_job, "rows": rows})
