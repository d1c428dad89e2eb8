"""Ledger operations: purchases, charges, refunds and corrections.

Every change runs inside the caller's transaction and never commits. It
locks the organisation's ``credit_accounts`` row with ``SELECT ... FOR
UPDATE``, looks up the idempotency key, moves the balance with a
conditional UPDATE that cannot take it below zero, then appends the entry,
its lines and an audit event. On PostgreSQL the lock is held until the
caller commits, so a second request with the same key waits and then sees
the first one's entry, and it replays instead of paying twice.

SQLite ignores FOR UPDATE but allows one writer at a time, so a racing
writer waits for the lock or fails with "database is locked". The unique
(org_id, idempotency_key) constraint is the backstop on both databases.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from laurel import audit
from laurel.billing import BillingError, IdempotencyConflict, InsufficientCredits
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.identity.services import utcnow
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from laurel_credits.models import (
    CreditAccount,
    EntryKind,
    LedgerEntry,
    LedgerLine,
    PaidFor,
)

log = logging.getLogger(__name__)

LINE_KINDS = (PaidFor.SUBSCRIPTION, PaidFor.UNIT, PaidFor.REASSIGNMENT)
KEY_MAX_LENGTH = 200
NAME_MAX_LENGTH = 100
NOTE_MAX_LENGTH = 500
AUDIT_ACTIONS = {
    EntryKind.PURCHASE: "credits.purchased",
    EntryKind.CHARGE: "credits.charged",
    EntryKind.REFUND: "credits.refunded",
    EntryKind.CORRECTION: "credits.corrected",
}


class InvalidBillingRequest(BillingError, ValueError):
    """A charge, refund or grant whose arguments cannot be recorded."""


class NotRefundable(BillingError):
    """A refund of something that is never refunded, such as a subscription."""


@dataclass(frozen=True)
class Line:
    """One thing paid for, as the core describes it in a charge or refund."""

    kind: PaidFor
    suite: str
    unit: str | None
    learner_id: int
    credits: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "suite": self.suite,
            "unit": self.unit,
            "learner_id": self.learner_id,
            "credits": self.credits,
        }


@dataclass(frozen=True)
class Change:
    """A balance change to append to the ledger; ``amount`` is signed."""

    org_id: int
    kind: EntryKind
    amount: int
    idempotency_key: str
    request_hash: str
    actor_id: int | None
    reason: str
    note: str | None = None
    lines: tuple[Line, ...] = ()
    reverses_entry_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    entry: LedgerEntry
    replayed: bool


@dataclass
class Summary:
    """The values every line of an entry shares, or None where they differ."""

    paid_for: PaidFor = PaidFor.NONE
    suite: str | None = None
    unit: str | None = None
    learner_id: int | None = None


# Reading


def balance(org_id: int) -> int:
    """Return the organisation's balance; 0 before its first purchase."""
    value = db.session.scalar(
        select(CreditAccount.balance).where(CreditAccount.org_id == org_id)
    )
    return value or 0


def quote(org_id: int, raw_lines: Any) -> dict[str, Any]:
    """Price ``raw_lines`` against the balance without recording anything.

    Returns the hook's ``total``, ``balance`` and ``short``, plus ``by_suite``:
    suite key to credits, for quotes that show each suite's share.
    """
    lines = parse_lines(raw_lines)
    total = sum(line.credits for line in lines)
    current = balance(org_id)
    by_suite: Counter[str] = Counter()
    for line in lines:
        by_suite[line.suite] += line.credits
    return {
        "total": total,
        "balance": current,
        "short": max(0, total - current),
        "by_suite": dict(by_suite),
    }


# Validation


def parse_lines(raw_lines: Any) -> list[Line]:
    """Check the core's line dicts and return them as ``Line`` values.

    Raises InvalidBillingRequest naming the line and the field at fault.
    """
    if not isinstance(raw_lines, list | tuple) or not raw_lines:
        raise InvalidBillingRequest(
            f"lines must be a non-empty list of dicts, got {raw_lines!r}."
        )
    return [parse_line(number, raw) for number, raw in enumerate(raw_lines, 1)]


def parse_line(number: int, raw: Any) -> Line:
    if not isinstance(raw, Mapping):
        raise InvalidBillingRequest(f"line {number} is {raw!r}, not a dict.")
    kind = raw.get("kind")
    if kind not in {k.value for k in LINE_KINDS}:
        raise InvalidBillingRequest(
            f"line {number}: kind {kind!r} is invalid; use subscription, unit "
            "or reassignment."
        )
    unit = raw.get("unit")
    if kind != PaidFor.SUBSCRIPTION and unit is None:
        raise InvalidBillingRequest(f"line {number}: a {kind} line needs a unit key.")
    return Line(
        kind=PaidFor(kind),
        suite=check_name(number, "suite", raw.get("suite")),
        unit=None if unit is None else check_name(number, "unit", unit),
        learner_id=check_whole(number, "learner_id", raw.get("learner_id"), 1),
        credits=check_whole(number, "credits", raw.get("credits"), 0),
    )


def check_name(number: int, name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidBillingRequest(f"line {number}: {name} {value!r} is missing.")
    if len(value) > NAME_MAX_LENGTH:
        raise InvalidBillingRequest(
            f"line {number}: {name} {value[:20]!r}... is longer than "
            f"{NAME_MAX_LENGTH} characters."
        )
    return value


def check_whole(number: int, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidBillingRequest(
            f"line {number}: {name} {value!r} is invalid; it must be a whole "
            f"number of at least {minimum}."
        )
    return value


def check_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX_LENGTH:
        raise InvalidBillingRequest(
            f"idempotency key {key!r} is invalid; send a non-empty string of at "
            f"most {KEY_MAX_LENGTH} characters, new for each request."
        )
    return key


def check_note(note: Any) -> str:
    text = note.strip() if isinstance(note, str) else ""
    if not text:
        raise InvalidBillingRequest(
            "The note is missing; give an invoice number or say why."
        )
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidBillingRequest(
            f"The note is {len(text)} characters long; the maximum is "
            f"{NOTE_MAX_LENGTH}."
        )
    return text


def check_learners(org_id: int, lines: Iterable[Line]) -> None:
    """Reject lines for learners who are not in the organisation."""
    wanted = {line.learner_id for line in lines}
    found = set(
        db.session.scalars(
            select(User.id).where(
                User.id.in_(wanted), User.org_id == org_id, User.role == Role.LEARNER
            )
        )
    )
    missing = sorted(wanted - found)
    if missing:
        raise InvalidBillingRequest(
            f"learner ids {missing} are not learners of organisation {org_id}."
        )


def request_hash(payload: Mapping[str, Any]) -> str:
    """Hash a request canonically, so equal requests give equal hashes."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lines_hash(kind: EntryKind, lines: Iterable[Line]) -> str:
    rows = sorted(json.dumps(line.as_dict(), sort_keys=True) for line in lines)
    return request_hash({"kind": kind.value, "lines": rows})


# Hook operations


def charge(
    org_id: int, raw_lines: Any, key: Any, actor_id: int | None, reason: str
) -> dict[str, Any]:
    """Charge for ``raw_lines``; see ``laurel_charge`` for the contract."""
    lines = parse_lines(raw_lines)
    change = line_change(org_id, EntryKind.CHARGE, lines, key, actor_id, reason)
    if change.amount == 0:
        return free_result(change, "charged")
    check_learners(org_id, lines)
    outcome = apply_change(change)
    return hook_result(outcome, "charged", -outcome.entry.amount)


def refund(
    org_id: int, raw_lines: Any, key: Any, actor_id: int | None, reason: str
) -> dict[str, Any]:
    """Refund ``raw_lines`` once; subscriptions are never refunded."""
    lines = parse_lines(raw_lines)
    for number, line in enumerate(lines, 1):
        if line.kind is PaidFor.SUBSCRIPTION:
            raise NotRefundable(
                f"line {number}: subscriptions are not refundable (suite "
                f"{line.suite!r}, learner {line.learner_id}); only units bought "
                "on their own and paid reassignments are."
            )
    change = line_change(org_id, EntryKind.REFUND, lines, key, actor_id, reason)
    if change.amount == 0:
        return free_result(change, "refunded")
    check_learners(org_id, lines)
    outcome = apply_change(change, check=lambda: check_refundable(org_id, lines))
    return hook_result(outcome, "refunded", outcome.entry.amount)


def line_change(
    org_id: int,
    kind: EntryKind,
    lines: list[Line],
    key: Any,
    actor_id: int | None,
    reason: str,
) -> Change:
    total = sum(line.credits for line in lines)
    return Change(
        org_id=org_id,
        kind=kind,
        amount=-total if kind is EntryKind.CHARGE else total,
        idempotency_key=check_key(key),
        request_hash=lines_hash(kind, lines),
        actor_id=actor_id,
        reason=str(reason or kind.value),
        lines=tuple(lines),
    )


def free_result(change: Change, verb: str) -> dict[str, Any]:
    """Return the result of a zero-credit request, which records no entry."""
    existing = find_entry(change.org_id, change.idempotency_key)
    if existing is not None and existing.request_hash != change.request_hash:
        raise IdempotencyConflict(change.idempotency_key)
    return {
        verb: 0,
        "balance": balance(change.org_id),
        "entry_id": None,
        "replayed": False,
    }


def hook_result(outcome: Outcome, verb: str, credits: int) -> dict[str, Any]:
    return {
        verb: credits,
        "balance": outcome.entry.balance_after,
        "entry_id": outcome.entry.id,
        "replayed": outcome.replayed,
    }


def check_refundable(org_id: int, lines: Iterable[Line]) -> None:
    """Reject a refund of more credits than were charged for the same thing."""
    requested: Counter[tuple[PaidFor, str, str | None, int]] = Counter()
    for line in lines:
        requested[(line.kind, line.suite, line.unit, line.learner_id)] += line.credits
    for (kind, suite, unit, learner_id), credits in requested.items():
        available = refundable_credits(org_id, kind, suite, unit, learner_id)
        if credits > available:
            raise InvalidBillingRequest(
                f"cannot refund {credits} credits for {kind} {unit or suite!r} of "
                f"learner {learner_id}: {available} charged and not yet refunded."
            )


def refundable_credits(
    org_id: int, kind: PaidFor, suite: str, unit: str | None, learner_id: int
) -> int:
    signed = case(
        (LedgerEntry.kind == EntryKind.CHARGE, LedgerLine.credits),
        else_=-LedgerLine.credits,
    )
    query = (
        select(func.coalesce(func.sum(signed), 0))
        .join(LedgerEntry, LedgerLine.entry_id == LedgerEntry.id)
        .where(
            LedgerLine.org_id == org_id,
            LedgerLine.kind == kind,
            LedgerLine.suite == suite,
            LedgerLine.unit.is_(None) if unit is None else LedgerLine.unit == unit,
            LedgerLine.learner_id == learner_id,
            LedgerEntry.kind.in_([EntryKind.CHARGE, EntryKind.REFUND]),
        )
    )
    return int(db.session.scalar(query) or 0)


# Purchases and corrections, recorded by platform admins


def purchase(
    org_id: int, amount: int, note: str, actor_id: int | None, key: str
) -> Outcome:
    """Add ``amount`` bought credits to the organisation's balance."""
    amount = check_amount(amount, positive=True)
    note = check_note(note)
    return apply_change(
        Change(
            org_id=org_id,
            kind=EntryKind.PURCHASE,
            amount=amount,
            idempotency_key=check_key(key),
            request_hash=request_hash(
                {"kind": "purchase", "amount": amount, "note": note}
            ),
            actor_id=actor_id,
            reason="Credit purchase",
            note=note,
        )
    )


def correct(
    org_id: int, amount: int, note: str, actor_id: int | None, key: str
) -> Outcome:
    """Add or take away ``amount`` credits to put a mistake right."""
    amount = check_amount(amount, positive=False)
    note = check_note(note)
    change = Change(
        org_id=org_id,
        kind=EntryKind.CORRECTION,
        amount=amount,
        idempotency_key=check_key(key),
        request_hash=request_hash(
            {"kind": "correction", "amount": amount, "note": note}
        ),
        actor_id=actor_id,
        reason="Correction",
        note=note,
    )
    return apply_correction(change)


def reverse(
    org_id: int, entry_id: int, note: str, actor_id: int | None, key: str
) -> Outcome:
    """Cancel a purchase or correction with an opposite correction entry."""
    note = check_note(note)
    original = reversible_entry(org_id, entry_id)
    change = Change(
        org_id=org_id,
        kind=EntryKind.CORRECTION,
        amount=-original.amount,
        idempotency_key=check_key(key),
        request_hash=request_hash(
            {"kind": "reversal", "entry": entry_id, "note": note}
        ),
        actor_id=actor_id,
        reason=f"Reversal of entry {entry_id} ({original.kind})",
        note=note,
        reverses_entry_id=entry_id,
    )
    return apply_correction(change, check=lambda: check_not_reversed(org_id, entry_id))


def apply_correction(
    change: Change, check: Callable[[], None] | None = None
) -> Outcome:
    try:
        return apply_change(change, check=check)
    except InsufficientCredits as error:
        raise InvalidBillingRequest(
            f"A correction of {change.amount} credits would take the balance of "
            f"{error.balance} below zero; the most that can be taken away is "
            f"{error.balance}."
        ) from None


def check_amount(amount: Any, positive: bool) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidBillingRequest(f"amount {amount!r} is not a whole number.")
    if positive and amount <= 0:
        raise InvalidBillingRequest(
            f"amount {amount} is invalid; a purchase adds a positive number of credits."
        )
    if amount == 0:
        raise InvalidBillingRequest(
            "amount 0 is invalid; a correction changes the balance."
        )
    return amount


def reversible_entry(org_id: int, entry_id: int) -> LedgerEntry:
    entry = db.session.get(LedgerEntry, entry_id)
    if entry is None or entry.org_id != org_id:
        raise InvalidBillingRequest(
            f"entry {entry_id} is not in this organisation's ledger."
        )
    if entry.kind not in (EntryKind.PURCHASE, EntryKind.CORRECTION):
        raise InvalidBillingRequest(
            f"entry {entry_id} is a {entry.kind}; only purchases and corrections can "
            "be reversed, since charges and refunds follow assignments."
        )
    if entry.reverses_entry_id is not None:
        raise InvalidBillingRequest(
            f"entry {entry_id} is itself a reversal; record a new correction instead."
        )
    return entry


def check_not_reversed(org_id: int, entry_id: int) -> None:
    reversal = db.session.scalar(
        select(LedgerEntry.id).where(
            LedgerEntry.org_id == org_id, LedgerEntry.reverses_entry_id == entry_id
        )
    )
    if reversal is not None:
        raise InvalidBillingRequest(
            f"entry {entry_id} was already reversed by entry {reversal}."
        )


def set_low_balance_threshold(
    org_id: int, threshold: int | None, actor_id: int | None
) -> None:
    """Store the balance below which the header highlights it; None: default."""
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0
    ):
        raise InvalidBillingRequest(
            f"threshold {threshold!r} is invalid; give a whole number of 0 or more."
        )
    insert_account_if_missing(org_id)
    db.session.execute(
        update(CreditAccount)
        .where(CreditAccount.org_id == org_id)
        .values(low_balance_threshold=threshold)
    )
    audit.record(
        "credits.threshold_changed",
        "organisation",
        org_id,
        org_id=org_id,
        actor_id=actor_id,
        threshold=threshold,
    )


# The one place where the balance moves


def apply_change(change: Change, check: Callable[[], None] | None = None) -> Outcome:
    """Append ``change`` to the ledger and move the balance, or replay it.

    check: runs under the account lock, after the replay lookup, and raises
    to reject the change (a refund of more than was charged, say).
    Raises IdempotencyConflict for a reused key and InsufficientCredits when
    the balance cannot cover a negative amount; neither leaves a trace.
    """
    lock_account(change.org_id, create=change.amount > 0)
    existing = find_entry(change.org_id, change.idempotency_key)
    if existing is not None:
        if existing.request_hash != change.request_hash:
            raise IdempotencyConflict(change.idempotency_key)
        return Outcome(existing, replayed=True)
    if check is not None:
        check()
    new_balance = move_balance(change.org_id, change.amount)
    entry = append_entry(change, new_balance)
    record_audit(entry)
    return Outcome(entry, replayed=False)


def lock_account(org_id: int, create: bool) -> None:
    """Lock the organisation's balance row, inserting it first when ``create``."""
    if create:
        require_organisation(org_id)
        insert_account_if_missing(org_id)
    locked = db.session.scalar(
        select(CreditAccount.org_id)
        .where(CreditAccount.org_id == org_id)
        .with_for_update()
    )
    if locked is None:
        require_organisation(org_id)


def require_organisation(org_id: int) -> None:
    if db.session.get(Organisation, org_id) is None:
        raise InvalidBillingRequest(f"no organisation with id {org_id}.")


def insert_account_if_missing(org_id: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CreditAccount).values(org_id=org_id, balance=0)
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["org_id"]))


def find_entry(org_id: int, key: str) -> LedgerEntry | None:
    return db.session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.org_id == org_id, LedgerEntry.idempotency_key == key
        )
    )


def move_balance(org_id: int, amount: int) -> int:
    """Add ``amount`` to the balance and return the new one.

    The WHERE clause makes the UPDATE match nothing when the balance cannot
    cover a negative amount, so two racing charges cannot both spend the
    last credits. The CHECK constraint on the column is the backstop.
    """
    statement = (
        update(CreditAccount)
        .where(CreditAccount.org_id == org_id)
        .values(balance=CreditAccount.balance + amount, updated_at=utcnow())
        .returning(CreditAccount.balance)
    )
    if amount < 0:
        statement = statement.where(CreditAccount.balance >= -amount)
    new_balance = db.session.execute(statement).scalar_one_or_none()
    if new_balance is None:
        raise InsufficientCredits(needed=-amount, balance=balance(org_id))
    return new_balance


def append_entry(change: Change, new_balance: int) -> LedgerEntry:
    summary = summarise(change.lines)
    entry = LedgerEntry(
        org_id=change.org_id,
        kind=change.kind,
        amount=change.amount,
        balance_after=new_balance,
        actor_id=change.actor_id,
        reason=change.reason,
        note=change.note,
        paid_for=summary.paid_for,
        suite=summary.suite,
        unit=summary.unit,
        learner_id=summary.learner_id,
        idempotency_key=change.idempotency_key,
        request_hash=change.request_hash,
        reverses_entry_id=change.reverses_entry_id,
        created_at=utcnow(),
    )
    entry.lines = [
        LedgerLine(org_id=change.org_id, **line.as_dict()) for line in change.lines
    ]
    db.session.add(entry)
    db.session.flush()
    return entry


def summarise(lines: Iterable[Line]) -> Summary:
    lines = list(lines)
    if not lines:
        return Summary()

    def common(values: set[Any]) -> Any:
        return next(iter(values)) if len(values) == 1 else None

    kinds = {line.kind for line in lines}
    return Summary(
        paid_for=common(kinds) or PaidFor.MIXED,
        suite=common({line.suite for line in lines}),
        unit=common({line.unit for line in lines}),
        learner_id=common({line.learner_id for line in lines}),
    )


def record_audit(entry: LedgerEntry) -> None:
    audit.record(
        AUDIT_ACTIONS[entry.kind],
        "credit_entry",
        entry.id,
        org_id=entry.org_id,
        actor_id=entry.actor_id,
        amount=entry.amount,
        balance=entry.balance_after,
        reason=entry.reason,
        note=entry.note,
        paid_for=entry.paid_for.value,
        suite=entry.suite,
        idempotency_key=entry.idempotency_key,
    )
    log.info(
        "credit entry %s: %s of %+d for organisation %s by user %s, balance %s",
        entry.id,
        entry.kind.value,
        entry.amount,
        entry.org_id,
        entry.actor_id,
        entry.balance_after,
    )
