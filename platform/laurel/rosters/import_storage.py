"""Files of the import wizard, kept server-side between its steps.

Each upload has a folder ``<storage>/imports/<token>/`` holding the uploaded
file and, after the commit, the login sheet with generated passwords. The
storage folder is the one web processes share (``LAUREL_STORAGE_PATH``).
Tokens come from the database, never from a URL directly, so they are safe
as folder names.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from laurel.extensions import db
from laurel.identity.services import utcnow
from laurel.rosters.import_models import EXPIRED, RUNNING, RosterImport

log = logging.getLogger(__name__)

UPLOAD_NAME = "upload"
LOGIN_SHEET_NAME = "login-sheet.csv"
# Uploads not imported, and login sheets not downloaded, are deleted after this.
KEEP_FOR = timedelta(hours=24)


def import_folder(token: str) -> Path:
    return Path(current_app.config["LAUREL_STORAGE_PATH"]) / "imports" / token


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by this user only, replacing ``path`` atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    partial.replace(path)


def save_upload(token: str, data: bytes) -> None:
    write_private(import_folder(token) / UPLOAD_NAME, data)


def read_upload(token: str) -> bytes | None:
    try:
        return (import_folder(token) / UPLOAD_NAME).read_bytes()
    except FileNotFoundError:
        return None


def delete_upload(token: str) -> None:
    (import_folder(token) / UPLOAD_NAME).unlink(missing_ok=True)


def save_login_sheet(token: str, text: str) -> None:
    write_private(import_folder(token) / LOGIN_SHEET_NAME, text.encode("utf-8-sig"))


def take_login_sheet(token: str) -> bytes | None:
    """Return the login sheet and delete it, so it can be downloaded only once."""
    path = import_folder(token) / LOGIN_SHEET_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return data


def has_login_sheet(token: str) -> bool:
    return (import_folder(token) / LOGIN_SHEET_NAME).exists()


def remove_folder(token: str) -> None:
    shutil.rmtree(import_folder(token), ignore_errors=True)


def purge_expired() -> int:
    """Delete the files of imports older than ``KEEP_FOR``; return how many.

    Those imports become "expired" and keep their result; the caller commits.
    An import still running is left alone.
    """
    cutoff = utcnow() - KEEP_FOR
    old = db.session.scalars(
        select(RosterImport).where(
            RosterImport.created_at < cutoff,
            RosterImport.status.not_in((EXPIRED, RUNNING)),
        )
    ).all()
    purged = 0
    for roster_import in old:
        if import_folder(roster_import.token).exists():
            remove_folder(roster_import.token)
            purged += 1
        roster_import.status = EXPIRED
    if purged:
        log.info(
            "deleted the files of %d roster imports older than %s", purged, KEEP_FOR
        )
    return purged
