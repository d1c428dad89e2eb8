"""The credit ledger: one balance row per organisation and its entries.

``credit_entries`` and ``credit_entry_lines`` are append-only: the migration
adds database triggers that reject UPDATE and DELETE on them, so a mistake
is put right with a correction entry. ``credit_accounts.balance`` is a cache
of the sum of the organisation's entry amounts, kept in step by
``laurel_credits.services`` and never below zero (a CHECK constraint).
"""

from __future__ import annotations

import enum
from datetime import datetime

from laurel.extensions import db
from laurel.identity.models import User
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship


class EntryKind(enum.StrEnum):
    PURCHASE = "purchase"
    CHARGE = "charge"
    REFUND = "refund"
    CORRECTION = "correction"


class PaidFor(enum.StrEnum):
    """The kind of thing an entry paid for, or "mixed" when its lines differ."""

    SUBSCRIPTION = "subscription"
    UNIT = "unit"
    REASSIGNMENT = "reassignment"
    MIXED = "mixed"
    NONE = "none"


def enum_column(kind: type[enum.StrEnum], length: int) -> db.Enum:
    return db.Enum(
        kind,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        create_constraint=False,
    )


class CreditAccount(db.Model):
    """An organisation's cached balance and its low-balance setting."""

    __tablename__ = "credit_accounts"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(default=0, server_default="0")
    # Below this balance the header highlights it; NULL uses the
    # LAUREL_CREDITS_LOW_BALANCE setting.
    low_balance_threshold: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint(
            "low_balance_threshold IS NULL OR low_balance_threshold >= 0",
            name="threshold_not_negative",
        ),
    )


class LedgerEntry(db.Model):
    """One change of an organisation's balance, signed, never changed later."""

    __tablename__ = "credit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, 12))
    # Positive for purchases and refunds, negative for charges, either sign
    # for corrections; the balance after this entry is balance_after.
    amount: Mapped[int]
    balance_after: Mapped[int]
    # NULL when no signed-in user acted (a command-line grant, say).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    # Free text from a platform admin: an invoice number, why a correction.
    note: Mapped[str | None] = mapped_column(Text)
    paid_for: Mapped[PaidFor] = mapped_column(enum_column(PaidFor, 12))
    # Set when every line of the entry shares the value.
    suite: Mapped[str | None] = mapped_column(String(100), index=True)
    unit: Mapped[str | None] = mapped_column(String(100))
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the canonical request, to tell a replay from a reused key.
    request_hash: Mapped[str] = mapped_column(String(64))
    # The entry this correction reverses; the unique constraint lets each entry
    # be reversed at most once.
    reverses_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("credit_entries.id"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    learner: Mapped[User | None] = relationship(foreign_keys=[learner_id])
    lines: Mapped[list[LedgerLine]] = relationship(
        back_populates="entry", order_by="LedgerLine.id"
    )

    __table_args__ = (
        db.UniqueConstraint(
            "org_id", "idempotency_key", name="uq_credit_entries_org_id_key"
        ),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        CheckConstraint(
            "(kind = 'purchase' AND amount > 0) OR (kind = 'charge' AND amount < 0)"
            " OR (kind = 'refund' AND amount > 0)"
            " OR (kind = 'correction' AND amount <> 0)",
            name="amount_sign_matches_kind",
        ),
        CheckConstraint(
            "paid_for IN ('subscription', 'unit', 'reassignment', 'mixed', 'none')",
            name="paid_for_known",
        ),
    )

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.id} {self.kind} {self.amount:+d}>"


class LedgerLine(db.Model):
    """One thing a charge or refund paid for: a learner's suite, unit or retry."""

    __tablename__ = "credit_entry_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("credit_entries.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # "subscription", "unit" or "reassignment".
    kind: Mapped[PaidFor] = mapped_column(enum_column(PaidFor, 12))
    suite: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str | None] = mapped_column(String(100))
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Zero or more (a CHECK constraint); the sign of the entry's amount tells
    # whether the credits were paid or given back.
    credits: Mapped[int]

    entry: Mapped[LedgerEntry] = relationship(back_populates="lines")
    learner: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("credits >= 0", name="credits_not_negative"),
        CheckConstraint(
            "kind IN ('subscription', 'unit', 'reassignment')", name="kind_known"
        ),
    )
