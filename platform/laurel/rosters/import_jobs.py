"""Run the commit step of a web import, in the request or in a background thread.

A large import spends minutes hashing passwords, so it runs in a thread of
the web process and records its progress on its ``RosterImport`` row, which
the result page shows to any web process. A commit whose process died stops
updating the row; after ``STALE_AFTER`` the result page reports it as failed.

NOTE: imports do not go through RQ even when Redis is configured, because the
only RQ workers Laurel deploys are printing workers, which never touch the
platform's database.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError

from laurel.extensions import db
from laurel.identity.services import utcnow
from laurel.rosters import import_storage, importer
from laurel.rosters.import_models import DONE, FAILED, RUNNING, UPLOADED, RosterImport
from laurel.rosters.import_report import login_sheet_csv, summary

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
PROGRESS_INTERVAL_SECONDS = 1.0
# The stored result keeps at most this many row errors.
STORED_ERRORS_MAX = 500
DEFAULT_BACKGROUND_ROWS = 100
CONCURRENT_CHANGE = (
    "Another change to the same learners or groups happened during the import, "
    "so nothing was written. Upload the file again to see the current preview."
)
UNEXPECTED_FAILURE = (
    "The import failed unexpectedly and nothing was written. Try again; if it "
    "fails again, the administrator can find the error in the log."
)

# Background threads by import id, so tests and shutdown code can wait for them.
threads: dict[int, threading.Thread] = {}


def load(import_id: int) -> RosterImport:
    roster_import = db.session.get(RosterImport, import_id)
    if roster_import is None:
        raise LookupError(f"no roster import with id {import_id}")
    return roster_import


def background_threshold() -> int:
    """Return the number of new accounts from which a commit runs in the background."""
    value = current_app.config.get(
        "LAUREL_IMPORT_BACKGROUND_ROWS", DEFAULT_BACKGROUND_ROWS
    )
    return int(value)


def claim(roster_import: RosterImport, mode: str, valid_only: bool) -> bool:
    """Mark an uploaded import as running; False if another request did first."""
    result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(RosterImport)
        .where(RosterImport.id == roster_import.id, RosterImport.status == UPLOADED)
        .values(
            status=RUNNING,
            mode=mode,
            valid_only=valid_only,
            failure=None,
            progress_done=0,
            progress_total=0,
            updated_at=utcnow(),
        )
    )
    db.session.commit()
    return result.rowcount == 1


def start(app: Flask, import_id: int, background: bool) -> None:
    if not background:
        run_guarded(import_id)
        return
    thread = threading.Thread(
        target=run_in_thread, args=(app, import_id), name=f"roster-import-{import_id}"
    )
    threads[import_id] = thread
    thread.start()


def wait(import_id: int, timeout: float | None = None) -> None:
    """Wait for the background commit of ``import_id``, if there is one."""
    thread = threads.get(import_id)
    if thread is not None:
        thread.join(timeout)


def run_in_thread(app: Flask, import_id: int) -> None:
    with app.app_context():
        try:
            run_guarded(import_id)
        finally:
            db.session.remove()
            threads.pop(import_id, None)


def run_guarded(import_id: int) -> None:
    """Run the import, recording any unexpected error on its row instead of raising.

    The web request or thread that runs it has no better place to report the
    error, and the result page shows the recorded failure.
    """
    try:
        run_import(import_id)
    except Exception:
        log.exception("import %s failed", import_id)
        db.session.rollback()
        mark_failed(import_id, UNEXPECTED_FAILURE)


def run_import(import_id: int) -> None:
    """Plan and commit a claimed import, recording its result on its row."""
    roster_import = load(import_id)
    data = import_storage.read_upload(roster_import.token)
    if data is None:
        mark_failed(
            import_id, "The uploaded file is no longer stored; upload it again."
        )
        return
    try:
        plan = importer.read_and_plan(
            data, roster_import.filename, roster_import.org_id, roster_import.mode
        )
    except importer.RosterFileError as error:
        mark_failed(import_id, error.message)
        return
    try:
        outcome = importer.commit_import(
            plan,
            valid_only=roster_import.valid_only,
            actor_id=roster_import.created_by,
            reference=str(import_id),
            progress=ProgressRecorder(import_id),
        )
        if outcome.committed:
            finish(import_id, outcome)
    except IntegrityError as error:
        log.info("import %s: concurrent change, nothing written: %s", import_id, error)
        db.session.rollback()
        mark_failed(import_id, CONCURRENT_CHANGE)
        return
    if not outcome.committed:
        return_to_preview(import_id, outcome)


class ProgressRecorder:
    """Record hashing progress on the import's row, at most once a second."""

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id
        self.last_write = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done not in (0, total) and now - self.last_write < PROGRESS_INTERVAL_SECONDS:
            return
        self.last_write = now
        db.session.execute(
            update(RosterImport)
            .where(RosterImport.id == self.import_id)
            .values(progress_done=done, progress_total=total, updated_at=utcnow())
        )
        db.session.commit()


def stored_summary(outcome: importer.ImportOutcome) -> dict[str, Any]:
    result = summary(outcome)
    result["errors_total"] = len(result["errors"])
    result["errors"] = result["errors"][:STORED_ERRORS_MAX]
    return result


def finish(import_id: int, outcome: importer.ImportOutcome) -> None:
    roster_import = load(import_id)
    roster_import.status = DONE
    roster_import.result = stored_summary(outcome)
    roster_import.login_sheet_rows = len(outcome.login_sheet)
    roster_import.finished_at = roster_import.updated_at = utcnow()
    db.session.flush()
    if outcome.login_sheet:
        import_storage.save_login_sheet(
            roster_import.token, login_sheet_csv(outcome.login_sheet)
        )
    db.session.commit()
    import_storage.delete_upload(roster_import.token)


def return_to_preview(import_id: int, outcome: importer.ImportOutcome) -> None:
    """Put back an import whose rows gained errors since the preview."""
    db.session.rollback()
    roster_import = load(import_id)
    roster_import.status = UPLOADED
    roster_import.failure = (
        f"Nothing was imported: {outcome.rejected} rows have errors now."
    )
    db.session.commit()


def mark_failed(import_id: int, message: str) -> None:
    roster_import = load(import_id)
    roster_import.status = FAILED
    roster_import.failure = message
    roster_import.finished_at = roster_import.updated_at = utcnow()
    db.session.commit()
    import_storage.delete_upload(roster_import.token)
    log.info("import %s failed: %s", import_id, message)


def check_stale(roster_import: RosterImport) -> None:
    """Mark a running import as failed when its process stopped reporting."""
    if roster_import.status != RUNNING:
        return
    if utcnow() - roster_import.updated_at > STALE_AFTER:
        mark_failed(
            roster_import.id,
            "The import stopped before it finished (the web process may have "
            "restarted), so nothing was written. Upload the file again.",
        )
