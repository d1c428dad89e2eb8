"""Credentials earned by learners."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from laurel.extensions import db
from laurel.identity.models import Organisation, User


class Credential(db.Model):
    """A learner's credential for one suite.

    The learner, organisation, suite and signer names are copied at issue,
    so a printed credential and its verification page keep saying what was
    issued. ``public_id`` goes into URLs and ``code`` onto paper; the row id
    never leaves the platform.
    """

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    # secrets.token_urlsafe(16): 22 characters, 128 random bits.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # Short human code such as LAU-7KQ2-M9XD (see credentials.services).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    suite_assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("suite_assignments.id", ondelete="SET NULL")
    )
    suite_key: Mapped[str] = mapped_column(String(64))
    suite_version: Mapped[str] = mapped_column(String(32))
    suite_title: Mapped[str] = mapped_column(String(200))
    learner_name: Mapped[str] = mapped_column(String(201))
    org_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    # [{"key": "communication", "title": "Communication", "score": 90}], in
    # the suite's area order; score is the area's best passing score.
    areas: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(201))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    organisation: Mapped[Organisation] = relationship()
    signer: Mapped[User | None] = relationship(foreign_keys=[signer_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    # One credential per learner and suite, revoked or not: a revoked
    # credential is never issued again by the automatic rules.
    __table_args__ = (db.UniqueConstraint("learner_id", "suite_key"),)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
