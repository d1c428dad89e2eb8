"""Suite and unit assignments, attempts, assignment batches and pass marks.

Per-learner-per-unit state lives in one ``unit_assignments`` row (status,
attempts, best score, last attempt), so a progress matrix of any size reads
one row per cell and never has to aggregate attempts.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from laurel.extensions import db
from laurel.identity.models import User


def string_enum(enum_class: type[enum.Enum], length: int = 20) -> db.Enum:
    """Store an enum as its value in a VARCHAR, as ``users.role`` does."""
    return db.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class AssignmentKind(enum.StrEnum):
    SUBSCRIPTION = "subscription"  # every unit of the suite for a term
    UNITS = "units"  # units bought one by one


class UnitStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"
    FAILED = "failed"
    # Failed, then given another attempt that has not started yet.
    REASSIGNED = "reassigned"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class AssignmentBatch(db.Model):
    """One confirmed assign or reassign request, for one or many learners.

    ``request_token`` comes from the confirm form and is unique, so a double
    click or a browser retry finds the first batch instead of making another.
    The same token is the idempotency key of the batch's charge.
    """

    __tablename__ = "assignment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    request_token: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the request the token confirmed, when the caller gives one
    # (the API does), so the token cannot be replayed for another request.
    request_hash: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))  # "assign" or "reassign"
    suite_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[AssignmentKind | None] = mapped_column(string_enum(AssignmentKind))
    unit_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    learner_count: Mapped[int] = mapped_column(default=0)
    changed_count: Mapped[int] = mapped_column(default=0)
    credits_charged: Mapped[int] = mapped_column(default=0)
    # [{"learner_id": 3, "name": "Ada Lovelace", "reason": "has the suite"}]
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    created_by: Mapped[User | None] = relationship()


class SuiteAssignment(db.Model):
    """A learner's access to one suite: a subscription or units bought singly."""

    __tablename__ = "suite_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    suite_key: Mapped[str] = mapped_column(String(64))
    suite_version: Mapped[str] = mapped_column(String(32))
    kind: Mapped[AssignmentKind] = mapped_column(string_enum(AssignmentKind))
    # Set for subscriptions only; no new attempts start after term_end.
    term_start: Mapped[datetime | None]
    term_end: Mapped[datetime | None]
    # Reassign a failed skill-building unit once, automatically.
    auto_reassign: Mapped[bool] = mapped_column(default=False)
    # The instructor who assigned the suite signs its credential.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # The batch that last gave it units or a term.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_batches.id"))

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    units: Mapped[list[UnitAssignment]] = relationship(
        back_populates="suite_assignment",
        order_by="UnitAssignment.position",
        viewonly=True,
    )

    __table_args__ = (
        db.UniqueConstraint("learner_id", "suite_key"),
        Index("ix_suite_assignments_org_id_suite_key", "org_id", "suite_key"),
    )

    @property
    def is_subscription(self) -> bool:
        return self.kind is AssignmentKind.SUBSCRIPTION

    def expired(self, now: datetime) -> bool:
        """Tell whether a subscription's term is over; units never expire."""
        return self.term_end is not None and now >= self.term_end

    @property
    def ends_on(self) -> str:
        """The term's end date as YYYY-MM-DD, or "no end" for units."""
        return self.term_end.date().isoformat() if self.term_end else "no end"


class UnitAssignment(db.Model):
    """One learner's state in one unit: the cell of the progress matrix."""

    __tablename__ = "unit_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    suite_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("suite_assignments.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    suite_key: Mapped[str] = mapped_column(String(64))
    unit_key: Mapped[str] = mapped_column(String(64))
    area_key: Mapped[str] = mapped_column(String(64))
    unit_kind: Mapped[str] = mapped_column(String(20))  # assessment, skill_building
    position: Mapped[int]  # the unit's order in the suite
    status: Mapped[UnitStatus] = mapped_column(
        string_enum(UnitStatus), default=UnitStatus.NOT_STARTED
    )
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    attempts_used: Mapped[int] = mapped_column(default=0)
    # Attempts granted by instructors, counted against the organisation's cap.
    extra_attempts: Mapped[int] = mapped_column(default=0)
    # The one automatic reassignment a subscription may give has been used.
    auto_reassigned: Mapped[bool] = mapped_column(default=False)
    best_score: Mapped[int | None]  # highest score of any submitted attempt
    passed_score: Mapped[int | None]  # score of the attempt that passed
    last_score: Mapped[int | None]
    last_attempt_at: Mapped[datetime | None]
    passed_at: Mapped[datetime | None]
    # Credits paid for this unit on its own; 0 when a subscription covers it.
    paid_credits: Mapped[int] = mapped_column(default=0)
    # Idempotency key of the charge that paid for it, to refund it once.
    charge_key: Mapped[str | None] = mapped_column(String(80))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(server_default=func.now())
    reassigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reassigned_at: Mapped[datetime | None]

    suite_assignment: Mapped[SuiteAssignment] = relationship(back_populates="units")
    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    reassigned_by: Mapped[User | None] = relationship(foreign_keys=[reassigned_by_id])
    attempts: Mapped[list[Attempt]] = relationship(
        back_populates="unit_assignment", order_by="Attempt.number", viewonly=True
    )

    __table_args__ = (
        db.UniqueConstraint("learner_id", "suite_key", "unit_key"),
        CheckConstraint(
            "attempts_used >= 0 AND attempts_used <= attempts_allowed",
            name="attempts_within_allowed",
        ),
    )

    @property
    def attempts_left(self) -> int:
        return self.attempts_allowed - self.attempts_used

    @property
    def is_paid(self) -> bool:
        return self.paid_credits > 0


class Attempt(db.Model):
    """One sitting of a unit: the questions drawn, the answers, the result.

    ``submitted_at`` is set once, by an UPDATE guarded with ``submitted_at IS
    NULL``, so a double submit scores the attempt once.
    """

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    unit_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("unit_assignments.id", ondelete="CASCADE")
    )
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int]  # 1 for the first attempt at the unit
    suite_key: Mapped[str] = mapped_column(String(64))
    suite_version: Mapped[str] = mapped_column(String(32))
    unit_key: Mapped[str] = mapped_column(String(64))
    # The ids of the questions drawn, in the order shown.
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    # Question id to the zero-based index of the chosen option.
    answers: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime]
    saved_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    score: Mapped[int | None]  # percent, 0-100
    correct: Mapped[int | None]
    total: Mapped[int | None]
    passed: Mapped[bool | None]
    pass_mark: Mapped[int | None]  # the mark in force when it was scored

    unit_assignment: Mapped[UnitAssignment] = relationship(back_populates="attempts")

    __table_args__ = (db.UniqueConstraint("unit_assignment_id", "number"),)

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class AreaPassMark(db.Model):
    """An organisation's own pass mark for one area of a suite."""

    __tablename__ = "area_pass_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    suite_key: Mapped[str] = mapped_column(String(64))
    area_key: Mapped[str] = mapped_column(String(64))
    pass_mark: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        db.UniqueConstraint("org_id", "suite_key", "area_key"),
        CheckConstraint(
            "pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_percent"
        ),
    )
