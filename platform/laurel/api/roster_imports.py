"""/api/v1/roster-imports: upload a class list, preview it (dry run), commit it.

The same steps as the import pages, on the same ``RosterImport`` rows and
stored files: an upload is previewed as often as wanted and committed
once. An import belongs to the token's organisation and to the admin who
created the token, as a web import belongs to the user who uploaded it.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePath
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from laurel.api import make_blueprint
from laurel.api.auth import api_actor_id, api_org_id
from laurel.api.errors import reject
from laurel.api.schemas import JsonBoolean, RequestSchema, UtcDateTime
from laurel.extensions import db
from laurel.identity.services import utcnow
from laurel.rosters import import_jobs, import_storage, importer
from laurel.rosters.import_columns import match_headers
from laurel.rosters.import_models import (
    DONE,
    RUNNING,
    UPLOADED,
    RosterImport,
    new_import_token,
)
from laurel.rosters.import_rows import CREATE, ERROR

log = logging.getLogger(__name__)

blp = make_blueprint(
    "roster_imports",
    "/roster-imports",
    "Class list imports: upload, preview (dry run) and commit.",
)

# new_import_token() makes 32 URL-safe characters; anything else is not one.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PREVIEW_ERRORS_MAX = 500
MODE_FIELD = {
    "validate": validate.OneOf(importer.MODES),
    "metadata": {
        "description": "add: leave existing learners as they are. update: also "
        "update their names, student ids and groups."
    },
}


class ModeQuerySchema(RequestSchema):
    mode = fields.String(**MODE_FIELD)


class UploadSchema(RequestSchema):
    file = Upload(required=True, metadata={"description": "A CSV or XLSX class list."})


class CommitSchema(RequestSchema):
    mode = fields.String(**MODE_FIELD)
    valid_only = JsonBoolean(
        load_default=False,
        metadata={
            "description": "Import the rows without errors even when other rows "
            "have some; by default one bad row means nothing is imported."
        },
    )


class RowErrorSchema(Schema):
    row = fields.Integer(
        required=True, metadata={"description": "Row of the file, from 1."}
    )
    column = fields.String(
        required=True, metadata={"description": "Header as written."}
    )
    value = fields.String(required=True)
    message = fields.String(required=True)


class PreviewSchema(Schema):
    create = fields.Integer(required=True)
    update = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    error = fields.Integer(required=True, metadata={"description": "Rows with errors."})
    skipped_blank = fields.Integer(required=True)
    warnings = fields.List(fields.String(), required=True)
    errors = fields.List(fields.Nested(RowErrorSchema), required=True)
    errors_total = fields.Integer(required=True)


class ResultSchema(Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    skipped_blank = fields.Integer(required=True)
    groups_created = fields.List(fields.String(), required=True)
    passwords_generated = fields.Integer(required=True)
    warnings = fields.List(fields.String(), required=True)
    errors = fields.List(fields.Nested(RowErrorSchema), required=True)
    errors_total = fields.Integer(required=True)


class RosterImportSchema(Schema):
    token = fields.String(
        required=True, metadata={"description": "The import's id in URLs."}
    )
    filename = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(
            ["uploaded", "running", "done", "failed", "discarded", "expired"]
        ),
    )
    mode = fields.String(required=True)
    valid_only = fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    finished_at = UtcDateTime(required=True, allow_none=True)
    preview = fields.Nested(
        PreviewSchema,
        required=True,
        allow_none=True,
        metadata={"description": "What a commit would do; set while uploaded."},
    )
    result = fields.Nested(ResultSchema, required=True, allow_none=True)
    failure = fields.String(required=True, allow_none=True)
    progress_done = fields.Integer(required=True)
    progress_total = fields.Integer(required=True)
    login_sheet_available = fields.Boolean(
        required=True,
        metadata={"description": "Generated passwords wait to be downloaded, once."},
    )


# Loading and storing


def import_or_404(token: str) -> RosterImport:
    """Load an import of this organisation created for this token's admin, else 404."""
    roster_import = None
    if TOKEN_PATTERN.fullmatch(token):
        roster_import = db.session.scalar(
            select(RosterImport).where(
                RosterImport.token == token,
                RosterImport.org_id == api_org_id(),
                RosterImport.created_by == api_actor_id(),
            )
        )
    if roster_import is None:
        reject(404, "token", f"roster import {token!r} was not found.", location="path")
    import_jobs.check_stale(roster_import)
    return roster_import


def checked_upload(storage: FileStorage) -> tuple[str, bytes]:
    """Return the file's name and bytes; 413 or 422 when it is unusable."""
    filename = PurePath((storage.filename or "upload").replace("\\", "/")).name[:255]
    limit = int(current_app.config["LAUREL_IMPORT_MAX_BYTES"])
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        message = f"The file is larger than the limit of {limit:,} bytes."
        reject(413, "file", message, location="files")
    try:
        match_headers(importer.read_roster(data, filename).headers)
    except importer.RosterFileError as error:
        reject(422, "file", error.message, location="files")
    return filename, data


def store_upload(storage: FileStorage, mode: str) -> RosterImport:
    """Store an uploaded class list as a new import of the token's organisation."""
    filename, data = checked_upload(storage)
    import_storage.purge_expired()
    roster_import = RosterImport(
        token=new_import_token(),
        org_id=api_org_id(),
        created_by=api_actor_id(),
        filename=filename,
        size_bytes=len(data),
        mode=mode,
    )
    db.session.add(roster_import)
    db.session.flush()
    import_storage.save_upload(roster_import.token, data)
    db.session.commit()
    log.info("import %s: %s uploaded through the API", roster_import.id, filename)
    return roster_import


def current_plan(roster_import: RosterImport, mode: str) -> importer.ImportPlan:
    """Plan the stored file in ``mode``; 409 when the file is gone or unreadable."""
    data = import_storage.read_upload(roster_import.token)
    if data is None:
        reject(
            409,
            "token",
            "The uploaded file is no longer stored; upload it again.",
            location="path",
        )
    try:
        return importer.read_and_plan(
            data, roster_import.filename, roster_import.org_id, mode
        )
    except importer.RosterFileError as error:
        reject(409, "file", error.message, location="files")


# Output


def preview_data(plan: importer.ImportPlan) -> dict[str, Any]:
    errors = [error.as_dict() for error in plan.errors]
    return {
        **plan.counts,
        "warnings": plan.warnings,
        "errors": errors[:PREVIEW_ERRORS_MAX],
        "errors_total": len(errors),
    }


def import_data(roster_import: RosterImport, mode: str | None = None) -> dict[str, Any]:
    preview = None
    if roster_import.status == UPLOADED:
        preview = preview_data(current_plan(roster_import, mode or roster_import.mode))
    result = roster_import.result
    if result is not None:
        result = {"errors_total": len(result.get("errors", [])), **result}
    return {
        "token": roster_import.token,
        "filename": roster_import.filename,
        "status": roster_import.status,
        "mode": mode or roster_import.mode,
        "valid_only": roster_import.valid_only,
        "created_at": roster_import.created_at,
        "finished_at": roster_import.finished_at,
        "preview": preview,
        "result": result,
        "failure": roster_import.failure,
        "progress_done": roster_import.progress_done,
        "progress_total": roster_import.progress_total,
        "login_sheet_available": import_storage.has_login_sheet(roster_import.token),
    }


# Commit


def commit(roster_import: RosterImport, mode: str, valid_only: bool) -> None:
    """Start the commit, in this request or, for a large file, in the background."""
    if roster_import.status != UPLOADED:
        reject(
            409,
            "token",
            f"This import is {roster_import.status}, not uploaded.",
            location="path",
        )
    plan = current_plan(roster_import, mode)
    errors = plan.count(ERROR)
    if errors and not valid_only:
        reject(
            409,
            "valid_only",
            f"Nothing was imported: {errors} rows have errors. Fix the file and "
            "upload it again, or commit with valid_only true.",
        )
    if not import_jobs.claim(roster_import, mode, valid_only):
        reject(
            409, "token", "Another request is committing this import.", location="path"
        )
    background = plan.count(CREATE) >= import_jobs.background_threshold()
    import_jobs.start(current_app._get_current_object(), roster_import.id, background)
    db.session.refresh(roster_import)
    if roster_import.status not in (DONE, RUNNING):
        reject(
            409,
            "token",
            roster_import.failure or "The import did not complete.",
            location="path",
        )


# Views


@blp.route("")
class RosterImports(MethodView):
    @blp.arguments(ModeQuerySchema, location="query")
    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, RosterImportSchema)
    def post(self, query: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        """Upload a class list; the response previews what a commit would do."""
        mode = query.get("mode", importer.ADD)
        return import_data(store_upload(files["file"], mode))


@blp.route("/<token>")
class RosterImportByToken(MethodView):
    @blp.arguments(ModeQuerySchema, location="query")
    @blp.response(200, RosterImportSchema)
    def get(self, query: dict[str, Any], token: str) -> dict[str, Any]:
        """Read an import: its preview in ``mode`` while uploaded, else its result."""
        return import_data(import_or_404(token), query.get("mode"))


@blp.route("/<token>/commit", methods=["POST"])
@blp.arguments(CommitSchema)
@blp.response(200, RosterImportSchema, description="The import is done.")
@blp.alt_response(
    202, schema=RosterImportSchema, description="It runs in the background."
)
def commit_import(args: dict[str, Any], token: str) -> tuple[dict[str, Any], int]:
    """Import the previewed file; 409 when rows have errors and valid_only is false."""
    roster_import = import_or_404(token)
    commit(roster_import, args.get("mode", roster_import.mode), args["valid_only"])
    status = 202 if roster_import.status == RUNNING else 200
    return import_data(roster_import), status


@blp.route("/<token>/login-sheet", methods=["POST"])
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="text/csv",
    description="The login sheet: a CSV file in UTF-8 with a byte order mark.",
)
def login_sheet(token: str) -> Response:
    """Download the new learners' generated passwords, once; later 404."""
    roster_import = import_or_404(token)
    data = import_storage.take_login_sheet(roster_import.token)
    if data is None:
        reject(
            404,
            "token",
            "The login sheet is not available: it is downloaded once.",
            location="path",
        )
    roster_import.login_sheet_downloaded_at = utcnow()
    db.session.commit()
    log.info("import %s: login sheet downloaded through the API", roster_import.id)
    name = f"login-sheet-{roster_import.created_at:%Y-%m-%d}-{roster_import.id}.csv"
    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
