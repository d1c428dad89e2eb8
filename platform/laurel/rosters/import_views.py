"""The import wizard: upload a class list, preview every row, then commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePath

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from laurel.extensions import db
from laurel.identity.models import STAFF_ROLES
from laurel.identity.services import utcnow
from laurel.identity.sessions import current_org_id, staff_required
from laurel.rosters import import_jobs, import_storage, importer
from laurel.rosters.forms import EmptyForm
from laurel.rosters.import_columns import match_headers
from laurel.rosters.import_forms import CommitForm, UploadForm
from laurel.rosters.import_models import (
    DISCARDED,
    RUNNING,
    UPLOADED,
    RosterImport,
    new_import_token,
)
from laurel.rosters.import_rows import CREATE, ERROR, RosterRow

log = logging.getLogger(__name__)

bp = Blueprint("rosters_import", __name__, url_prefix="/learners/import")

PREVIEW_PAGE_SIZE = 100
PREVIEW_FILTERS = ("all", ERROR, CREATE, "update", "unchanged")


def import_or_404(token: str) -> RosterImport:
    """Load the signed-in user's own import in their organisation, else 404."""
    roster_import = db.session.scalar(
        select(RosterImport).where(
            RosterImport.token == token,
            RosterImport.org_id == current_org_id(),
            RosterImport.created_by == current_user.id,
        )
    )
    if roster_import is None:
        abort(404)
    return roster_import


def max_bytes() -> int:
    return int(current_app.config["LAUREL_IMPORT_MAX_BYTES"])


def size_limit_text() -> str:
    limit = max_bytes()
    return (
        f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    )


def too_large_message() -> str:
    return (
        f"The file is larger than the limit of {size_limit_text()}. Split the class "
        "list into smaller files, or remove columns the import does not use."
    )


# Upload


@bp.route("", methods=["GET", "POST"])
@staff_required
def upload() -> str | Response | tuple[str, int]:
    form = UploadForm()
    if form.validate_on_submit():
        try:
            roster_import = receive_upload(form)
        except importer.RosterFileError as error:
            form.file.errors.append(error.message)
        else:
            db.session.commit()
            return redirect(url_for(".preview", token=roster_import.token))
    status = 400 if form.errors else 200
    return render_upload(form), status


def render_upload(form: UploadForm) -> str:
    return render_template(
        "rosters/import_upload.html", form=form, size_limit=size_limit_text()
    )


def receive_upload(form: UploadForm) -> RosterImport:
    """Check and store an uploaded file; raise RosterFileError if it is unusable."""
    storage = form.file.data
    filename = PurePath((storage.filename or "upload").replace("\\", "/")).name[:255]
    data = storage.stream.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise importer.RosterFileError(too_large_message())
    table = importer.read_roster(data, filename)
    match_headers(table.headers)
    import_storage.purge_expired()
    roster_import = RosterImport(
        token=new_import_token(),
        org_id=current_org_id(),
        created_by=current_user.id,
        filename=filename,
        size_bytes=len(data),
        mode=form.mode.data if form.mode.data in importer.MODES else importer.ADD,
    )
    db.session.add(roster_import)
    db.session.flush()
    import_storage.save_upload(roster_import.token, data)
    log.info(
        "import %s: %s uploaded by user %s", roster_import.id, filename, current_user.id
    )
    return roster_import


@bp.errorhandler(RequestEntityTooLarge)
def request_too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    """Show the upload form again for a body over Flask's MAX_CONTENT_LENGTH."""
    if not current_user.is_authenticated or current_user.role not in STAFF_ROLES:
        return "The request is too large.", 413
    form = UploadForm(formdata=None)
    form.file.errors = [too_large_message()]
    return render_upload(form), 413


# Preview


@dataclass
class PreviewPage:
    rows: list[RosterRow]
    number: int
    pages: int
    total: int


def paginate(rows: list[RosterRow], number: int) -> PreviewPage:
    pages = max(1, -(-len(rows) // PREVIEW_PAGE_SIZE))
    number = min(max(number, 1), pages)
    start = (number - 1) * PREVIEW_PAGE_SIZE
    return PreviewPage(
        rows[start : start + PREVIEW_PAGE_SIZE], number, pages, len(rows)
    )


def load_plan(roster_import: RosterImport, mode: str) -> importer.ImportPlan | None:
    """Plan the stored file; None (with a message flashed) if it cannot be read."""
    data = import_storage.read_upload(roster_import.token)
    if data is None:
        flash("The uploaded file is no longer stored. Upload it again.", "error")
        return None
    try:
        return importer.read_and_plan(
            data, roster_import.filename, roster_import.org_id, mode
        )
    except importer.RosterFileError as error:
        flash(error.message, "error")
        return None


@bp.get("/<token>")
@staff_required
def preview(token: str) -> str | Response:
    roster_import = import_or_404(token)
    if roster_import.status != UPLOADED:
        return redirect(url_for(".result", token=token))
    mode = request.args.get("mode", roster_import.mode)
    mode = mode if mode in importer.MODES else roster_import.mode
    plan = load_plan(roster_import, mode)
    if plan is None:
        return redirect(url_for(".upload"))
    show = request.args.get("show", "all")
    show = show if show in PREVIEW_FILTERS else "all"
    rows = list(importer.iter_sorted_rows(plan, None if show == "all" else show))
    page_number = request.args.get("page", "1")
    page = paginate(rows, int(page_number) if page_number.isdigit() else 1)
    return render_template(
        "rosters/import_preview.html",
        roster_import=roster_import,
        plan=plan,
        counts=plan.counts,
        page=page,
        mode=mode,
        show=show,
        form=CommitForm(mode=mode),
        discard_form=EmptyForm(),
    )


# Commit


@bp.post("/<token>/commit")
@staff_required
def commit(token: str) -> Response:
    roster_import = import_or_404(token)
    form = CommitForm()
    if roster_import.status != UPLOADED:
        return redirect(url_for(".result", token=token))
    mode = form.mode.data if form.mode.data in importer.MODES else roster_import.mode
    if not form.validate_on_submit():
        flash("The form has expired. Check the preview and import again.", "error")
        return redirect(url_for(".preview", token=token, mode=mode))
    valid_only = form.choice.data == "valid"
    plan = load_plan(roster_import, mode)
    if plan is None:
        return redirect(url_for(".upload"))
    if plan.count(ERROR) and not valid_only:
        flash(
            f"Nothing was imported: {plan.count(ERROR)} rows have errors. Fix the file "
            "and upload it again, or import the valid rows only.",
            "error",
        )
        return redirect(url_for(".preview", token=token, mode=mode))
    if import_jobs.claim(roster_import, mode, valid_only):
        background = plan.count(CREATE) >= import_jobs.background_threshold()
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        import_jobs.start(app, roster_import.id, background)
    return redirect(url_for(".result", token=token))


@bp.get("/<token>/result")
@staff_required
def result(token: str) -> str | Response:
    roster_import = import_or_404(token)
    import_jobs.check_stale(roster_import)
    if roster_import.status == UPLOADED:
        return redirect(url_for(".preview", token=token))
    return render_template(
        "rosters/import_result.html",
        roster_import=roster_import,
        running=roster_import.status == RUNNING,
        sheet_ready=import_storage.has_login_sheet(roster_import.token),
        form=EmptyForm(),
    )


@bp.post("/<token>/login-sheet")
@staff_required
def login_sheet(token: str) -> Response:
    roster_import = import_or_404(token)
    if not EmptyForm().validate_on_submit():
        flash("The form has expired; download the login sheet again.", "error")
        return redirect(url_for(".result", token=token))
    data = import_storage.take_login_sheet(roster_import.token)
    if data is None:
        flash(
            "The login sheet is no longer available: it can be downloaded once, "
            "within a day. Reset the passwords of the learners who need one.",
            "error",
        )
        return redirect(url_for(".result", token=token))
    roster_import.login_sheet_downloaded_at = utcnow()
    db.session.commit()
    log.info(
        "import %s: login sheet downloaded by user %s",
        roster_import.id,
        current_user.id,
    )
    filename = f"login-sheet-{roster_import.created_at:%Y-%m-%d}-{roster_import.id}.csv"
    return Response(
        data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/<token>/discard")
@staff_required
def discard(token: str) -> Response:
    roster_import = import_or_404(token)
    if EmptyForm().validate_on_submit() and roster_import.status == UPLOADED:
        import_storage.remove_folder(roster_import.token)
        roster_import.status = DISCARDED
        db.session.commit()
        flash(f"{roster_import.filename} was deleted; nothing was imported.", "info")
    return redirect(url_for(".upload"))
