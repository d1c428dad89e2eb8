"""Print-job rows: the platform's own record of every print request.

The row is the truth about a job. Redis keeps the RQ job only while it is
queued or running and for a short time after, so a job page reads the row
and updates it from RQ while RQ still has the job.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import Organisation, User


class PrintKind(enum.StrEnum):
    CREDENTIALS = "credentials"
    LOGIN_SHEET = "login_sheet"


class PrintStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (PrintStatus.DONE, PrintStatus.FAILED)


MAX_ERROR_LENGTH = 2000


def new_job_id() -> str:
    return uuid.uuid4().hex


def enum_column(enum_class: type[enum.StrEnum], length: int) -> Any:
    return db.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class PrintJob(db.Model):
    """One request to print credentials or a login sheet."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # uuid4 hex: the RQ job id, the URL id and the last part of output_key.
    job_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_job_id)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[PrintKind] = mapped_column(enum_column(PrintKind, 20))
    # What the job prints, for lists: "Group 10B, Workplace Readiness".
    title: Mapped[str] = mapped_column(String(200))
    page_size: Mapped[str] = mapped_column(String(10))
    # The outputs asked of the service: ["merged"] or ["merged", "zip", "manifest"].
    requested_outputs: Mapped[list[str]] = mapped_column(JSON)
    output_key: Mapped[str] = mapped_column(String(200))
    # "redis" or "in_process": how the job was last dispatched.
    dispatch: Mapped[str] = mapped_column(String(20))
    status: Mapped[PrintStatus] = mapped_column(
        enum_column(PrintStatus, 20), default=PrintStatus.PENDING, index=True
    )
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    # The service's result files: [{"kind", "key", "size", "pages", "sha256"}].
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    # How many times the job was handed to RQ or a thread; the sweeper adds one.
    dispatch_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    enqueued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User | None] = relationship()
    items: Mapped[list[PrintJobItem]] = relationship(
        order_by="PrintJobItem.position", cascade="all, delete-orphan"
    )

    @property
    def finished(self) -> bool:
        return self.status.finished

    def mark_pending(self, now: datetime) -> None:
        """Record that the job was handed to RQ or a thread (again) at ``now``."""
        self.status = PrintStatus.PENDING
        self.dispatch_count = (self.dispatch_count or 0) + 1
        self.enqueued_at = now
        self.started_at = None
        self.finished_at = None
        self.progress_done = 0
        self.error = None

    def mark_running(self, now: datetime, done: int = 0) -> None:
        if self.status is not PrintStatus.RUNNING:
            self.status = PrintStatus.RUNNING
            self.started_at = self.started_at or now
        self.progress_done = max(0, min(done, self.progress_total))

    def record_result(self, result: dict[str, Any], now: datetime) -> None:
        """Store the service's result: the files it wrote, with sizes and hashes."""
        self.status = PrintStatus.DONE
        self.outputs = [
            {key: item[key] for key in ("kind", "key", "size", "pages", "sha256")}
            for item in result.get("files", [])
        ]
        self.progress_done = self.progress_total
        self.finished_at = now
        self.error = None

    def record_failure(self, message: str, now: datetime) -> None:
        self.status = PrintStatus.FAILED
        self.error = message[:MAX_ERROR_LENGTH]
        self.finished_at = now

    def output(self, kind: str) -> dict[str, Any] | None:
        """Return the result entry of output ``kind``, or None."""
        return next((item for item in self.outputs or [] if item["kind"] == kind), None)

    def __repr__(self) -> str:
        return f"<PrintJob {self.job_id} {self.kind} {self.status}>"


class PrintJobItem(db.Model):
    """One credential of a print job, at its place in the print order."""

    __tablename__ = "print_job_items"

    print_job_id: Mapped[int] = mapped_column(
        ForeignKey("print_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credentials.id"), index=True)

    credential: Mapped[Credential] = relationship()
