"""/api/v1/print-jobs: request credential prints, follow the jobs, download outputs.

The same services as the print pages. A request adds a print-job row, which
is handed to the printing service (RQ, or a thread of this process) when the
request commits. Reading jobs copies RQ's state into their rows, as the jobs
list and the job page do, so a client polls a job until it is done or failed
and then downloads its files.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from werkzeug.wrappers import Response

from laurel.api import make_blueprint
from laurel.api.auth import api_actor_id, api_org_id, current_token
from laurel.api.errors import reject
from laurel.api.schemas import (
    OneOfSchema,
    PageArgs,
    PageSchema,
    Text,
    UtcDateTime,
    page_of,
)
from laurel.api.selection import (
    all_matching_field,
    learner_ids_field,
    learners_by_id,
    matching_selection,
)
from laurel.assignments.selection import Selection
from laurel.credentials.models import Credential
from laurel.credentials.verify import PUBLIC_ID_PATTERN
from laurel.extensions import db
from laurel.identity import services as identity
from laurel.identity.models import Organisation
from laurel.printing import login_sheets, services, tracking
from laurel.printing.models import PrintJob, PrintKind, PrintStatus
from laurel.printing.views import selection_title, send_output

log = logging.getLogger(__name__)

blp = make_blueprint(
    "print_jobs",
    "/print-jobs",
    "Print jobs of credentials and login sheets: request, follow, download.",
)

# new_job_id() makes uuid4 hex ids, so any other text is no job's id.
JOB_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
BINARY = {"type": "string", "format": "binary"}
DEACTIVATED = "learner is deactivated"
# Maximum values named in one error message, which counts the rest.
VALUES_SHOWN = 20


# Schemas


class PrintFileSchema(Schema):
    kind = fields.String(
        required=True, validate=validate.OneOf(list(services.DOWNLOADS))
    )
    url = fields.String(
        required=True, metadata={"description": "The API download, as a path."}
    )
    content_type = fields.String(required=True)
    filename = fields.String(
        required=True, metadata={"description": "The download's file name."}
    )
    size = fields.Integer(required=True, metadata={"description": "In bytes."})
    pages = fields.Integer(
        required=True, metadata={"description": "PDF pages; 0 for the manifest."}
    )
    sha256 = fields.String(required=True, metadata={"description": "Hex digest."})


class PrintJobSchema(Schema):
    job_id = fields.String(required=True, metadata={"description": "The id in URLs."})
    kind = fields.String(
        required=True, validate=validate.OneOf([kind.value for kind in PrintKind])
    )
    title = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf([status.value for status in PrintStatus]),
        metadata={"description": "pending, running, done or failed."},
    )
    progress_done = fields.Integer(
        required=True,
        metadata={
            "description": "Items rendered so far; counted only when a printing "
            "worker runs the job, else 0 until the job is done."
        },
    )
    progress_total = fields.Integer(
        required=True, metadata={"description": "Credentials or login sheet rows."}
    )
    page_size = fields.String(required=True, metadata={"description": "A4 or Letter."})
    requested_outputs = fields.List(fields.String(), required=True)
    requested_by_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The user who requested it; for a token, its admin."},
    )
    error = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "Why the job failed, or a problem with a job that is "
            "still pending, such as an unreachable queue."
        },
    )
    created_at = UtcDateTime(required=True)
    enqueued_at = UtcDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "The last hand-over to the printing service."},
    )
    started_at = UtcDateTime(required=True, allow_none=True)
    finished_at = UtcDateTime(required=True, allow_none=True)
    files = fields.List(
        fields.Nested(PrintFileSchema),
        required=True,
        metadata={"description": "The outputs that can be downloaded now."},
    )


class PrintJobPageSchema(PageSchema):
    items = fields.List(fields.Nested(PrintJobSchema), required=True)


class PrintJobQuerySchema(PageArgs):
    status = fields.String(
        validate=validate.OneOf([status.value for status in PrintStatus]),
        metadata={"description": "Only jobs with this status, as last stored."},
    )
    kind = fields.String(
        validate=validate.OneOf([kind.value for kind in PrintKind]),
        metadata={"description": "Only jobs of this kind."},
    )


class PrintSkippedSchema(Schema):
    learner_id = fields.Integer(required=True)
    reason = fields.String(
        required=True,
        metadata={
            "description": "Such as 'no credential for this suite' or "
            "'credential revoked on 2026-12-06'."
        },
    )


class RequestedPrintSchema(PrintJobSchema):
    skipped = fields.List(
        fields.Nested(PrintSkippedSchema),
        required=True,
        metadata={"description": "Chosen learners whose credential is not printed."},
    )


def credential_ids_field() -> fields.List:
    return fields.List(
        Text(pattern=PUBLIC_ID_PATTERN.pattern, pattern_error="Not a credential id."),
        validate=validate.Length(min=1, max=services.MAX_CREDENTIALS),
        metadata={
            "description": "Public ids of the organisation's unrevoked "
            "credentials, printed in this order.",
            "uniqueItems": True,
        },
    )


def outputs_field() -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(services.GROUP_OUTPUTS)),
        validate=validate.Length(min=1, max=len(services.GROUP_OUTPUTS)),
        metadata={
            "description": "Files to make: merged (one PDF), zip (a PDF per "
            "credential) and manifest (CSV); default all three.",
            "uniqueItems": True,
        },
    )


class PrintRequestSchema(OneOfSchema):
    """Credentials to print: by their ids, or those of chosen learners."""

    ONE_OF = ("credential_ids", "learner_ids", "all_matching")

    suite = Text(
        validate=[validate.Length(min=1, max=64)],
        metadata={
            "description": "A suite key, such as workplace_readiness. Learners' "
            "credentials of this suite are printed, by last name; it may be left "
            "out when the organisation has issued one suite only. With "
            "credential_ids, every credential must be of this suite."
        },
    )
    credential_ids = credential_ids_field()
    learner_ids = learner_ids_field()
    all_matching = all_matching_field()
    outputs = outputs_field()

    @validates_schema
    def check_repeats(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors = repeat_errors(data)
        if errors:
            raise ValidationError(errors)


def repeat_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """Return messages for credential ids or outputs given more than once."""
    errors = {}
    repeated = repeats(data.get("credential_ids", []))
    if repeated:
        errors["credential_ids"] = [
            f"Repeated ids {shown(repeated)}: list each credential once."
        ]
    if repeats(data.get("outputs", [])):
        errors["outputs"] = ["Must not repeat an output."]
    return errors


def repeats(values: Sequence[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]


def shown(values: Sequence[Any]) -> str:
    """Write values for a message: the first VALUES_SHOWN, then how many more."""
    text = ", ".join(repr(value) for value in values[:VALUES_SHOWN])
    more = len(values) - VALUES_SHOWN
    return f"{text} and {more} more" if more > 0 else text


# Loading


def job_or_404(job_id: str) -> PrintJob:
    """Load a print job of the token's organisation by its id, else 404."""
    job = None
    if JOB_ID_PATTERN.fullmatch(job_id):
        job = services.job_in_org(api_org_id(), job_id)
    if job is None:
        reject(404, "job_id", f"print job {job_id!r} was not found.", location="path")
    return job


def credentials_or_error(public_ids: list[str]) -> list[Credential]:
    """Load credentials in the given order: 404 if not the org's, 409 if revoked."""
    found = {
        credential.public_id: credential
        for credential in db.session.scalars(
            select(Credential).where(
                Credential.org_id == api_org_id(), Credential.public_id.in_(public_ids)
            )
        )
    }
    missing = [public_id for public_id in public_ids if public_id not in found]
    if missing:
        reject(
            404,
            "credential_ids",
            f"credentials {shown(missing)} were not found in this organisation.",
        )
    credentials = [found[public_id] for public_id in public_ids]
    revoked = [credential.public_id for credential in credentials if credential.revoked]
    if revoked:
        reject(
            409,
            "credential_ids",
            f"credentials {shown(revoked)} are revoked and cannot be printed; "
            "leave them out.",
        )
    return credentials


def chosen_suite(args: dict[str, Any]) -> tuple[str, str]:
    """Return the key and title of the suite whose credentials to print.

    A named suite of which the organisation has no credential gets 404.
    Without a name, the organisation's one issued suite is chosen, and
    several get 409.
    """
    titles = dict(services.suites_with_credentials(api_org_id()))
    if "suite" in args:
        if args["suite"] not in titles:
            reject(
                404,
                "suite",
                f"no credentials of suite {args['suite']!r} were issued in this "
                "organisation.",
            )
        return args["suite"], titles[args["suite"]]
    if len(titles) == 1:
        return next(iter(titles.items()))
    if not titles:
        reject(409, "suite", "Nothing to print: no credentials were issued yet.")
    reject(
        409,
        "suite",
        f"Credentials of {len(titles)} suites were issued ({', '.join(titles)}); "
        "name the one to print.",
    )


# Output


def file_data(job: PrintJob, kind: str) -> dict[str, Any]:
    item = job.output(kind) or {}
    return {
        "kind": kind,
        "url": url_for("api_print_jobs.download", job_id=job.job_id, kind=kind),
        "content_type": services.DOWNLOADS[kind].mimetype,
        "filename": services.download_name(job, kind),
        "size": item.get("size", 0),
        "pages": item.get("pages") or 0,
        "sha256": item.get("sha256", ""),
    }


def job_data(job: PrintJob) -> dict[str, Any]:
    names = (
        "job_id",
        "title",
        "progress_done",
        "progress_total",
        "page_size",
        "requested_outputs",
        "requested_by_id",
        "error",
        "created_at",
        "enqueued_at",
        "started_at",
        "finished_at",
    )
    data = {name: getattr(job, name) for name in names}
    data["kind"] = job.kind.value
    data["status"] = job.status.value
    data["files"] = [
        file_data(job, item["kind"])
        for item in job.outputs or []
        if services.output_path(job, item["kind"]) is not None
    ]
    return data


def skipped_data(
    choice: services.CredentialChoice, deactivated: list[int]
) -> list[dict[str, Any]]:
    skipped = [
        {"learner_id": skipped.learner.id, "reason": skipped.reason}
        for skipped in choice.skipped
    ]
    return skipped + [
        {"learner_id": learner_id, "reason": DEACTIVATED} for learner_id in deactivated
    ]


# Requesting a print


def chosen_by_ids(args: dict[str, Any]) -> tuple[list[Credential], str]:
    """Return the credentials named by id, in order, and the job's title."""
    credentials = credentials_or_error(args["credential_ids"])
    if "suite" in args:
        chosen_suite(args)  # 404 for a suite the organisation never issued
        other = [c.public_id for c in credentials if c.suite_key != args["suite"]]
        if other:
            reject(
                409,
                "credential_ids",
                f"credentials {shown(other)} are not of suite {args['suite']!r}; "
                "leave out the suite or these credentials.",
            )
    if len(credentials) == 1:
        only = credentials[0]
        return credentials, f"{only.learner_name}, {only.suite_title}"
    title = f"{len(credentials)} selected credentials"
    suite_titles = {credential.suite_title for credential in credentials}
    if len(suite_titles) == 1:
        title += f", {suite_titles.pop()}"
    return credentials, title


def chosen_selection(args: dict[str, Any]) -> tuple[Selection, list[int]]:
    """Return the selection and the ids of named learners who are deactivated.

    As on the print page, a list of ids prints active learners only. The
    deactivated ones are reported as skipped instead of being dropped unseen.
    """
    if "learner_ids" in args:
        active = learners_by_id(args["learner_ids"])
        deactivated = [row_id for row_id, is_active in active.items() if not is_active]
        # Selection.learner_ids() leaves the deactivated ones out.
        return Selection(user_ids=tuple(active)), deactivated
    return matching_selection(args["all_matching"]), []


def nothing_to_print(
    choice: services.CredentialChoice, deactivated: list[int], suite_key: str
) -> str:
    """Say why a learner selection leaves no credential to print."""
    if not choice.skipped and not deactivated:
        return "Nothing to print: no learners match the selection."
    reasons = []
    if choice.skipped:
        reasons.append(
            f"{len(choice.skipped)} have no unrevoked credential of suite {suite_key!r}"
        )
    if deactivated:
        reasons.append(f"{len(deactivated)} are deactivated")
    count = len(choice.skipped) + len(deactivated)
    return f"Nothing to print: of the {count} chosen learners, {' and '.join(reasons)}."


def chosen_by_learners(
    args: dict[str, Any],
) -> tuple[list[Credential], list[dict[str, Any]], str, str]:
    """Choose the credentials of a suite and a learner selection.

    Returns the credentials, the learners skipped and why, the job's title
    and the request field that chose the learners, for error messages. The
    learners and the group are checked before the suite, so a foreign id
    gets 404 naming that id.
    """
    selection, deactivated = chosen_selection(args)
    suite_key, suite_title = chosen_suite(args)
    org_id = api_org_id()
    choice = services.choose_credentials(
        org_id, suite_key, selection.learner_ids(org_id)
    )
    field = "learner_ids" if "learner_ids" in args else "all_matching"
    if not choice.included:
        reject(409, field, nothing_to_print(choice, deactivated, suite_key))
    title = selection_title(org_id, selection, suite_title)
    return choice.included, skipped_data(choice, deactivated), title, field


def request_print(args: dict[str, Any]) -> dict[str, Any]:
    """Add and commit the requested print job; return it with the skipped learners."""
    if "credential_ids" in args:
        credentials, title = chosen_by_ids(args)
        skipped: list[dict[str, Any]] = []
        field = "credential_ids"
    else:
        credentials, skipped, title, field = chosen_by_learners(args)
    outputs = [
        kind
        for kind in services.GROUP_OUTPUTS
        if kind in args.get("outputs", services.GROUP_OUTPUTS)
    ]
    try:
        job = services.request_credentials_print(
            db.session.scalars(
                select(Organisation).where(Organisation.id == api_org_id())
            ).one(),
            credentials,
            current_token().created_by,
            title,
            outputs,
        )
    except identity.ValidationError as error:
        reject(409, field, error.message)
    db.session.commit()
    log.info(
        "print job %s requested through the API with token %s",
        job.job_id,
        current_token().id,
    )
    return {**job_data(job), "skipped": skipped}


# Downloading


def unavailable(job: PrintJob, kind: str) -> str:
    """Say why output ``kind`` of ``job`` cannot be downloaded."""
    if kind not in services.DOWNLOADS:
        kinds = ", ".join(services.DOWNLOADS)
        return f"{kind!r} is not a kind of output; the kinds are {kinds}."
    if not job.finished:
        return (
            f"print job {job.job_id} is {job.status.value}: its {kind} output can "
            "be downloaded once the job is done."
        )
    if job.status is PrintStatus.FAILED:
        return f"print job {job.job_id} failed, so it has no {kind} output."
    return (
        f"print job {job.job_id} has no {kind} output: it was not requested, "
        "or its file was deleted (login sheets are, a day after printing)."
    )


# Views


@blp.route("")
class PrintJobs(MethodView):
    @blp.arguments(PrintJobQuerySchema, location="query")
    @blp.response(200, PrintJobPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the organisation's print jobs, newest first.

        The filters apply to the stored status. The page's jobs are then
        updated from RQ, so a job listed as running may come back done.
        """
        query = services.jobs_query(api_org_id())
        if "status" in args:
            query = query.where(PrintJob.status == PrintStatus(args["status"]))
        if "kind" in args:
            query = query.where(PrintJob.kind == PrintKind(args["kind"]))
        page = page_of(query, args)
        for job in page["items"]:
            tracking.refresh(job)
        db.session.commit()
        page["items"] = [job_data(job) for job in page["items"]]
        return page

    @blp.arguments(PrintRequestSchema)
    @blp.response(202, RequestedPrintSchema)
    def post(self, args: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Request a print of credentials; poll the job until it is done or failed.

        Choose by ``credential_ids``, or by ``suite`` with ``learner_ids`` or
        ``all_matching``. 404 names ids that are not the organisation's, 409
        names revoked credentials or reports that nothing is printable.
        """
        return request_print(args), 202


@blp.route("/<job_id>")
@blp.response(200, PrintJobSchema)
def print_job(job_id: str) -> dict[str, Any]:
    """Read one print job, after updating it from RQ.

    As on the job page, a job handed over longer ago than
    LAUREL_PRINT_STALE_SECONDS that nothing runs is dispatched again.
    """
    job = job_or_404(job_id)
    now = identity.utcnow()
    tracking.sweep_one(job, now, tracking.SweepReport())
    login_sheets.purge_old_sheets(now, job.org_id)
    db.session.commit()
    return job_data(job)


@blp.route("/<job_id>/files/<kind>")
@blp.response(
    200,
    BINARY,
    content_type="application/pdf",
    description="The file: merged and login_sheet are PDF, zip a ZIP archive of "
    "PDFs, manifest a CSV in UTF-8.",
)
@blp.doc(
    parameters=[
        {
            "in": "path",
            "name": "kind",
            "required": True,
            "schema": {"type": "string", "enum": list(services.DOWNLOADS)},
        }
    ],
    responses={
        200: {
            "content": {
                "application/zip": {"schema": BINARY},
                "text/csv": {"schema": BINARY},
            }
        }
    },
)
def download(job_id: str, kind: str) -> Response:
    """Download an output of a done job: merged, zip, manifest or login_sheet."""
    job = job_or_404(job_id)
    path = services.output_path(job, kind)
    if path is None:
        reject(404, "kind", unavailable(job, kind), location="path")
    log.info(
        "print job %s: %s downloaded through the API by user %s",
        job.job_id,
        kind,
        api_actor_id(),
    )
    return send_output(job, path, kind)
