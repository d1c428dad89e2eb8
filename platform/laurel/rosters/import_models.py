"""A roster file uploaded through the import wizard, and how its import went."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from laurel.extensions import db

UPLOADED = "uploaded"  # stored and previewable; not imported yet
RUNNING = "running"  # the commit is hashing passwords or writing
DONE = "done"
FAILED = "failed"
DISCARDED = "discarded"
EXPIRED = "expired"  # the stored file was deleted before it was imported


def new_import_token() -> str:
    return secrets.token_urlsafe(24)


class RosterImport(db.Model):
    """One upload: the key of its stored file, its owner, its progress and result.

    The file itself lives in the storage folder under the token; see
    ``laurel.rosters.import_storage``. Only the uploading user of the same
    organisation can open it.
    """

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random key in the wizard's URLs; row ids are never shown.
    token: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_import_token
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int]
    mode: Mapped[str] = mapped_column(String(10), default="add")
    valid_only: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=UPLOADED)
    # Passwords hashed so far out of the total, while the status is running.
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    # The summary of laurel.rosters.import_report once done; a message if failed.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    failure: Mapped[str | None] = mapped_column(Text)
    login_sheet_rows: Mapped[int] = mapped_column(default=0)
    login_sheet_downloaded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Touched on every progress step, so a commit whose process died is noticed.
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RosterImport {self.id} {self.status}>"
