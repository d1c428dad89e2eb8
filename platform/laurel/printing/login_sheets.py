"""Login sheets of roster imports, printed through the printing service.

The import wizard keeps the sheet of generated passwords as a CSV in the
storage folder for a day (``laurel.rosters.import_storage``). Printing reads
that CSV and leaves it in place, so its one download stays available. The
printed PDF contains the passwords too, so it is deleted a day after it was
printed, by the sweeper or when its job page is viewed.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from laurel.extensions import db
from laurel.identity.models import User
from laurel.identity.services import ValidationError
from laurel.printing import services
from laurel.printing.models import PrintJob, PrintKind, PrintStatus
from laurel.rosters import import_storage
from laurel.rosters.import_models import RosterImport
from laurel.rosters.import_report import FORMULA_PREFIXES, LOGIN_SHEET_HEADER

log = logging.getLogger(__name__)

KEEP_FOR = timedelta(hours=24)


def import_of_user(token: str, org_id: int, user_id: int) -> RosterImport | None:
    """Load an import by token; only its uploader in its organisation may print it."""
    return db.session.scalar(
        select(RosterImport).where(
            RosterImport.token == token,
            RosterImport.org_id == org_id,
            RosterImport.created_by == user_id,
        )
    )


def unquote_cell(value: str) -> str:
    """Undo the quote the CSV puts before a cell that looks like a formula."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def read_import_sheet(token: str) -> list[dict[str, str]] | None:
    """Return the rows of an import's login sheet, or None once it is deleted."""
    path = import_storage.import_folder(token) / import_storage.LOGIN_SHEET_NAME
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if tuple(header or ()) != LOGIN_SHEET_HEADER:
        raise ValidationError("rows", "The stored login sheet has unexpected columns.")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if len(cells) < len(LOGIN_SHEET_HEADER) - 1:
            raise ValidationError(
                "rows", f"Line {number} of the stored login sheet has missing cells."
            )
        last, first, email, password = (unquote_cell(cell) for cell in cells[:4])
        rows.append(
            {"name": f"{first} {last}".strip(), "email": email, "password": password}
        )
    return rows


def print_import_sheet(roster_import: RosterImport, requested_by: User) -> PrintJob:
    """Request a print of the import's login sheet; the caller commits."""
    rows = read_import_sheet(roster_import.token)
    if rows is None:
        raise ValidationError(
            "rows",
            "The login sheet is no longer stored: it is deleted a day after the "
            "import. Reset the passwords of the learners who need one.",
        )
    job = services.request_login_sheet(requested_by.organisation, rows, requested_by)
    job.title = f"Login sheet of {roster_import.filename}"[:200]
    log.info(
        "import %s: login sheet print job %s requested by user %s",
        roster_import.id,
        job.job_id,
        requested_by.id,
    )
    return job


def purge_old_sheets(now: datetime, org_id: int | None = None) -> int:
    """Delete printed login sheets older than ``KEEP_FOR``; return how many.

    The job keeps its row and its status, without files. The caller commits.
    """
    query = select(PrintJob).where(
        PrintJob.kind == PrintKind.LOGIN_SHEET,
        PrintJob.status == PrintStatus.DONE,
        PrintJob.finished_at < now - KEEP_FOR,
    )
    if org_id is not None:
        query = query.where(PrintJob.org_id == org_id)
    purged = 0
    for job in db.session.scalars(query):
        if not job.outputs:
            continue
        delete_files(job)
        purged += 1
    if purged:
        log.info("deleted %d printed login sheets older than %s", purged, KEEP_FOR)
    return purged


def delete_files(job: PrintJob) -> None:
    for item in job.outputs:
        path = services.output_path(job, item["kind"])
        if path is not None:
            path.unlink(missing_ok=True)
    job.outputs = []
