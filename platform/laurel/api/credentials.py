"""/api/v1/credentials: the organisation's credentials and their verification links."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import Select, select

from laurel.api import make_blueprint
from laurel.api.auth import api_org_id, get_in_org_or_404
from laurel.api.errors import reject
from laurel.api.schemas import PageArgs, PageSchema, RowId, Text, UtcDateTime, page_of
from laurel.credentials.models import Credential
from laurel.credentials.verify import PUBLIC_ID_PATTERN, verification_url
from laurel.extensions import db
from laurel.identity.models import User

blp = make_blueprint("credentials", "/credentials", "Credentials earned by learners.")


class AreaSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    score = fields.Integer(required=True, allow_none=True)


class CredentialSchema(Schema):
    public_id = fields.String(
        required=True, metadata={"description": "The id in URLs."}
    )
    code = fields.String(required=True, metadata={"description": "The code on paper."})
    learner_id = fields.Integer(required=True)
    learner_name = fields.String(required=True, metadata={"description": "As issued."})
    suite_key = fields.String(required=True)
    suite_title = fields.String(required=True)
    suite_version = fields.String(required=True)
    issued_at = UtcDateTime(required=True)
    areas = fields.List(fields.Nested(AreaSchema), required=True)
    signer_name = fields.String(required=True)
    revoked = fields.Boolean(required=True)
    revoked_at = UtcDateTime(required=True, allow_none=True)
    revoke_reason = fields.String(required=True, allow_none=True)
    verification_url = fields.String(
        required=True, metadata={"description": "The public verification page."}
    )


class CredentialPageSchema(PageSchema):
    items = fields.List(fields.Nested(CredentialSchema), required=True)


class CredentialQuerySchema(PageArgs):
    learner = RowId(metadata={"description": "Only this learner's credentials."})
    suite = Text(
        validate=[validate.Length(max=64)],
        metadata={"description": "Only credentials of this suite key."},
    )
    include_revoked = fields.Boolean(
        load_default=True, metadata={"description": "Include revoked credentials."}
    )


def credentials_query(args: dict[str, Any]) -> Select[tuple[Credential]]:
    query = select(Credential).where(Credential.org_id == api_org_id())
    if "learner" in args:
        get_in_org_or_404(User, args["learner"], "learner")
        query = query.where(Credential.learner_id == args["learner"])
    if "suite" in args:
        query = query.where(Credential.suite_key == args["suite"])
    if not args["include_revoked"]:
        query = query.where(Credential.revoked_at.is_(None))
    return query.order_by(Credential.issued_at.desc(), Credential.id.desc())


def credential_data(credential: Credential) -> dict[str, Any]:
    names = (
        "public_id",
        "code",
        "learner_id",
        "learner_name",
        "suite_key",
        "suite_title",
        "suite_version",
        "issued_at",
        "areas",
        "signer_name",
        "revoked",
        "revoked_at",
        "revoke_reason",
    )
    data = {name: getattr(credential, name) for name in names}
    data["verification_url"] = verification_url(credential.public_id)
    return data


@blp.route("")
class Credentials(MethodView):
    @blp.arguments(CredentialQuerySchema, location="query")
    @blp.response(200, CredentialPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List credentials, newest first."""
        page = page_of(credentials_query(args), args)
        page["items"] = [credential_data(credential) for credential in page["items"]]
        return page


@blp.route("/<public_id>")
@blp.response(200, CredentialSchema)
def credential(public_id: str) -> dict[str, Any]:
    """Read one credential by its public id."""
    found = None
    if PUBLIC_ID_PATTERN.match(public_id):
        found = db.session.scalar(
            select(Credential).where(
                Credential.public_id == public_id, Credential.org_id == api_org_id()
            )
        )
    if found is None:
        reject(
            404,
            "public_id",
            f"credential {public_id!r} was not found.",
            location="path",
        )
    return credential_data(found)
