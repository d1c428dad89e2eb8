"""Assigning suites and units, reassigning failed units, unassigning.

Every change runs in the caller's transaction and never commits, so an
assignment and its charge commit or roll back together. Mass assignments
use one statement per table (bulk INSERT and UPDATE), not one per learner.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Select,
    case,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.exc import IntegrityError

from laurel.assignments.models import (
    AssignmentBatch,
    AssignmentKind,
    SuiteAssignment,
    UnitAssignment,
    UnitStatus,
)
from laurel.assignments.selection import Selection
from laurel.audit.models import AuditEvent
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import User
from laurel.identity.services import ValidationError, utcnow
from laurel.plugins.registry import get_suite, hooks
from laurel.plugins.suites import Subscription, Suite, Unit

log = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AssignmentError(Exception):
    """A request that cannot be carried out; the message explains why and what to do."""


class QuoteChanged(AssignmentError):
    """The price at confirm time differs from the one the instructor saw."""

    def __init__(self, quoted: int, total: int) -> None:
        self.quoted = quoted
        self.total = total
        super().__init__(
            f"The price changed from {quoted} to {total} credits since the quote "
            "was shown, because the selection or its assignments changed. Check "
            "the new quote and confirm again."
        )


class AlreadyConfirmed(Exception):
    """The request token belongs to a batch that is already stored."""

    def __init__(self, batch: AssignmentBatch) -> None:
        self.batch = batch
        super().__init__(f"request already confirmed as batch {batch.id}")


def new_request_token() -> str:
    return secrets.token_urlsafe(24)


def check_request_token(token: str | None) -> str:
    if not token or not TOKEN_PATTERN.fullmatch(token):
        raise ValidationError(
            "request_token",
            "The form's request token is missing or invalid. Reload the quote "
            "page and confirm again.",
        )
    return token


# Quotes


@dataclass(frozen=True)
class QuoteItem:
    """One row of a quote: a thing bought, how many, at what price each."""

    label: str
    count: int
    credits_each: int

    @property
    def credits(self) -> int:
        return self.count * self.credits_each


@dataclass
class Quote:
    items: list[QuoteItem]
    total: int
    balance: int | None  # None when no billing plugin is installed
    short: int

    @property
    def billing(self) -> bool:
        return self.balance is not None


def make_quote(
    org_id: int, lines: list[dict[str, Any]], items: list[QuoteItem]
) -> Quote:
    """Price the lines with the billing plugin; without one nothing is charged."""
    total = sum(line["credits"] for line in lines)
    if lines:
        result = hooks().laurel_quote(org_id=org_id, lines=lines)
        if result is not None:
            return Quote(items, result["total"], result["balance"], result["short"])
        return Quote(items, total, None, 0)
    balance = hooks().laurel_balance(org_id=org_id)
    return Quote(items, 0, balance, 0)


def group_items(entries: list[tuple[str, int]]) -> list[QuoteItem]:
    """Count (label, credits each) pairs into quote rows, in first-seen order."""
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for entry in entries:
        counts[entry] += 1
    return [QuoteItem(label, count, each) for (label, each), count in counts.items()]


def charge(
    org_id: int,
    lines: list[dict[str, Any]],
    key: str,
    actor_id: int | None,
    reason: str,
) -> int:
    """Charge the lines through the billing plugin; return the credits charged."""
    if not lines:
        return 0
    result = hooks().laurel_charge(
        org_id=org_id,
        lines=lines,
        idempotency_key=key,
        actor_id=actor_id,
        reason=reason,
    )
    return 0 if result is None else int(result["charged"])


def matched_rows(result: Result[Any]) -> int:
    """Return how many rows an UPDATE, a DELETE or a counted INSERT matched."""
    return cast(CursorResult[Any], result).rowcount


def billing_line(
    kind: str, suite: Suite, unit_key: str | None, learner_id: int, credits: int
) -> dict[str, Any]:
    return {
        "kind": kind,
        "suite": suite.key,
        "unit": unit_key,
        "learner_id": learner_id,
        "credits": credits,
    }


# Batches


def claim_batch(
    org_id: int,
    token: str,
    action: str,
    suite_key: str,
    actor_id: int | None,
    request_hash: str | None = None,
) -> AssignmentBatch:
    """Insert the batch row for ``token``, or raise AlreadyConfirmed.

    The unique request token serialises identical requests: on PostgreSQL a
    second INSERT of the same token waits for the first transaction and
    then fails, and the caller shows the first batch instead. Call this
    before any other write of the transaction, because a repeated token
    rolls the whole transaction back. A savepoint would not help on SQLite:
    Python's sqlite3 module opens no transaction before a SAVEPOINT, so
    releasing a savepoint that comes first commits it.
    """
    batch = AssignmentBatch(
        org_id=org_id,
        request_token=token,
        action=action,
        suite_key=suite_key,
        created_by_id=actor_id,
        unit_keys=[],
        skipped=[],
        request_hash=request_hash,
    )
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(
            select(AssignmentBatch).where(AssignmentBatch.request_token == token)
        )
        if existing is None or existing.org_id != org_id:
            raise
        raise AlreadyConfirmed(existing) from None
    return batch


def bulk_audit(rows: list[dict[str, Any]]) -> None:
    """Insert many audit events in one statement."""
    if rows:
        db.session.execute(insert(AuditEvent), rows)


def audit_row(
    action: str,
    obj_type: str,
    obj_id: object,
    org_id: int,
    actor_id: int | None,
    **details: Any,
) -> dict[str, Any]:
    return {
        "action": action,
        "object_type": obj_type,
        "object_id": str(obj_id),
        "org_id": org_id,
        "actor_id": actor_id,
        "details": details,
    }


# Assigning


@dataclass(frozen=True)
class AssignChoice:
    """The instructor's choice: a suite, the subscription or units, auto-reassign."""

    suite: Suite
    kind: AssignmentKind
    unit_keys: tuple[str, ...] = ()
    auto_reassign: bool = True

    def units(self) -> list[Unit]:
        if self.kind is AssignmentKind.SUBSCRIPTION:
            return subscription_start_units(self.suite)
        return [unit for unit in self.suite.units if unit.key in self.unit_keys]


def parse_choice(
    suites: list[Suite], suite_key: str, kind: str, unit_keys: list[str], auto: bool
) -> AssignChoice:
    """Check the instructor's choice; raise ValidationError naming the field."""
    suite = next((s for s in suites if s.key == suite_key), None)
    if suite is None:
        raise ValidationError(
            "suite", f"Suite {suite_key!r} is not available. Choose one from the list."
        )
    if kind not in {k.value for k in AssignmentKind}:
        raise ValidationError("kind", "Choose the subscription or individual units.")
    if kind == AssignmentKind.SUBSCRIPTION and suite.pricing.subscription is None:
        raise ValidationError(
            "kind", f"{suite.title} has no subscription; choose individual units."
        )
    keys = tuple(key for key in dict.fromkeys(unit_keys) if key)
    unknown = [key for key in keys if suite.unit(key) is None]
    if unknown:
        raise ValidationError(
            "units", f"{suite.title} has no units {', '.join(map(repr, unknown))}."
        )
    if kind == AssignmentKind.UNITS and not keys:
        raise ValidationError("units", "Tick at least one unit to assign.")
    return AssignChoice(suite, AssignmentKind(kind), keys, auto)


def subscription_start_units(suite: Suite) -> list[Unit]:
    """Return the units a new subscription assigns at once.

    When a failed assessment assigns its area's skill-building unit, a
    subscription starts with the assessments, plus the skill-building
    units of areas that have no assessment. Otherwise it starts with every
    unit.
    """
    if not suite.rules.failed_assessment_assigns_skill_building:
        return list(suite.units)
    assessed = {unit.area for unit in suite.units if unit.is_assessment}
    return [
        unit for unit in suite.units if unit.is_assessment or unit.area not in assessed
    ]


@dataclass
class LearnerPlan:
    learner_id: int
    name: str
    existing: SuiteAssignment | None
    subscribe: bool  # a new or renewed subscription
    units: list[Unit]
    unit_credits: int  # price of each unit, 0 when a subscription covers it


@dataclass
class AssignPlan:
    choice: AssignChoice
    learners: list[LearnerPlan] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    entries: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line["credits"] for line in self.lines)

    @property
    def items(self) -> list[QuoteItem]:
        return group_items(self.entries)

    def skip(self, learner_id: int, name: str, reason: str) -> None:
        self.skipped.append({"learner_id": learner_id, "name": name, "reason": reason})


def learner_names(ids: Select[Any]) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.first_name, User.last_name)
        .where(User.id.in_(ids))
        .order_by(User.last_name, User.first_name, User.id)
    )
    return [(row.id, f"{row.first_name} {row.last_name}") for row in rows]


def assigned_unit_keys(suite_key: str, ids: Select[Any]) -> dict[int, set[str]]:
    rows = db.session.execute(
        select(UnitAssignment.learner_id, UnitAssignment.unit_key).where(
            UnitAssignment.suite_key == suite_key, UnitAssignment.learner_id.in_(ids)
        )
    )
    keys: dict[int, set[str]] = defaultdict(set)
    for learner_id, unit_key in rows:
        keys[learner_id].add(unit_key)
    return keys


def plan_assignment(
    org_id: int, choice: AssignChoice, selection: Selection, now: datetime
) -> AssignPlan:
    """Work out who gets what and what it costs, in a fixed number of queries."""
    ids = selection.learner_ids(org_id)
    existing = {
        row.learner_id: row
        for row in db.session.scalars(
            select(SuiteAssignment).where(
                SuiteAssignment.suite_key == choice.suite.key,
                SuiteAssignment.learner_id.in_(ids),
            )
        )
    }
    assigned = assigned_unit_keys(choice.suite.key, ids)
    plan = AssignPlan(choice)
    for learner_id, name in learner_names(ids):
        current = existing.get(learner_id)
        keys = assigned.get(learner_id, set())
        if choice.kind is AssignmentKind.SUBSCRIPTION:
            plan_subscription(plan, learner_id, name, current, keys, now)
        else:
            plan_units(plan, learner_id, name, current, keys, now)
    return plan


def plan_subscription(
    plan: AssignPlan,
    learner_id: int,
    name: str,
    current: SuiteAssignment | None,
    assigned: set[str],
    now: datetime,
) -> None:
    suite = plan.choice.suite
    if current is not None and current.is_subscription and not current.expired(now):
        plan.skip(
            learner_id,
            name,
            f"has a subscription to {suite.title} until {current.ends_on}",
        )
        return
    units = [unit for unit in plan.choice.units() if unit.key not in assigned]
    plan.learners.append(LearnerPlan(learner_id, name, current, True, units, 0))
    subscription = subscription_of(suite)
    credits = subscription.credits
    label = f"Subscription to {suite.title}, {subscription.term_days} days"
    plan.entries.append((label, credits))
    if credits:
        plan.lines.append(
            billing_line("subscription", suite, None, learner_id, credits)
        )


def plan_units(
    plan: AssignPlan,
    learner_id: int,
    name: str,
    current: SuiteAssignment | None,
    assigned: set[str],
    now: datetime,
) -> None:
    suite = plan.choice.suite
    if current is not None and current.is_subscription and current.expired(now):
        plan.skip(
            learner_id,
            name,
            f"the subscription ended on {current.ends_on}; assign the "
            "subscription again to renew it",
        )
        return
    units = [unit for unit in plan.choice.units() if unit.key not in assigned]
    if not units:
        plan.skip(learner_id, name, "has every chosen unit already")
        return
    covered = current is not None and current.is_subscription
    price = 0 if covered else suite.pricing.unit_credits
    plan.learners.append(LearnerPlan(learner_id, name, current, False, units, price))
    for unit in units:
        label = f"{unit.title} (covered by the subscription)" if covered else unit.title
        plan.entries.append((label, price))
        if price:
            plan.lines.append(billing_line("unit", suite, unit.key, learner_id, price))


def assign(
    org_id: int,
    actor_id: int | None,
    choice: AssignChoice,
    selection: Selection,
    token: str,
    quoted_total: int | None,
    now: datetime | None = None,
    request_hash: str | None = None,
) -> AssignmentBatch:
    """Assign ``choice`` to the selection, all or nothing, and charge once.

    Raises AlreadyConfirmed for a token seen before, QuoteChanged when the
    price differs from ``quoted_total``, ``laurel.billing.InsufficientCredits``
    when the balance is short, and AssignmentError when no one is selected.
    The caller rolls back on any of them.
    """
    now = now or utcnow()
    batch = claim_batch(
        org_id, token, "assign", choice.suite.key, actor_id, request_hash
    )
    plan = plan_assignment(org_id, choice, selection, now)
    if not plan.learners and not plan.skipped:
        raise AssignmentError("None of the selected learners can be assigned.")
    if quoted_total is not None and plan.total != quoted_total:
        raise QuoteChanged(quoted_total, plan.total)
    reason = f"Assigned {choice.suite.title} to {len(plan.learners)} learners"
    charged = charge(org_id, plan.lines, token, actor_id, reason)
    write_assignments(plan, batch, org_id, actor_id, token, now)
    batch.kind = choice.kind
    batch.unit_keys = list(choice.unit_keys)
    batch.learner_count = len(plan.learners) + len(plan.skipped)
    batch.changed_count = len(plan.learners)
    batch.credits_charged = charged
    batch.skipped = plan.skipped
    log.info(
        "assignment batch %s: %s to %d learners, %d skipped, %d credits by user %s",
        batch.id,
        choice.suite.key,
        len(plan.learners),
        len(plan.skipped),
        charged,
        actor_id,
    )
    return batch


def write_assignments(
    plan: AssignPlan,
    batch: AssignmentBatch,
    org_id: int,
    actor_id: int | None,
    token: str,
    now: datetime,
) -> None:
    """Insert and update the plan's rows with one statement per table."""
    suite = plan.choice.suite
    insert_suite_assignments(plan, batch, org_id, actor_id, now)
    update_existing(plan, batch, now)
    insert_unit_assignments(plan, batch, actor_id, token, now)
    ids = suite_assignment_ids(batch)
    bulk_audit(
        [
            audit_row(
                "assignment.renewed"
                if lp.existing and lp.subscribe
                else "assignment.created",
                "suite_assignment",
                ids[lp.learner_id],
                org_id,
                actor_id,
                suite=suite.key,
                learner_id=lp.learner_id,
                kind=plan.choice.kind.value,
                units=[unit.key for unit in lp.units],
                batch=batch.id,
            )
            for lp in plan.learners
        ]
    )


def subscription_of(suite: Suite) -> Subscription:
    """Return the suite's subscription; ``parse_choice`` has checked it exists."""
    if suite.pricing.subscription is None:
        raise AssignmentError(
            f"{suite.title} has no subscription; choose individual units."
        )
    return suite.pricing.subscription


def term_end(suite: Suite, now: datetime) -> datetime:
    return now + timedelta(days=subscription_of(suite).term_days)


def insert_suite_assignments(
    plan: AssignPlan,
    batch: AssignmentBatch,
    org_id: int,
    actor_id: int | None,
    now: datetime,
) -> None:
    choice = plan.choice
    subscribing = choice.kind is AssignmentKind.SUBSCRIPTION
    rows = [
        {
            "org_id": org_id,
            "learner_id": lp.learner_id,
            "suite_key": choice.suite.key,
            "suite_version": choice.suite.version,
            "kind": choice.kind,
            "term_start": now if subscribing else None,
            "term_end": term_end(choice.suite, now) if subscribing else None,
            "auto_reassign": choice.auto_reassign if subscribing else False,
            "created_by_id": actor_id,
            "batch_id": batch.id,
            "created_at": now,
        }
        for lp in plan.learners
        if lp.existing is None
    ]
    if rows:
        db.session.execute(insert(SuiteAssignment), rows)


def update_existing(plan: AssignPlan, batch: AssignmentBatch, now: datetime) -> None:
    """Mark the plan's existing suite assignments with the batch, renewing terms.

    A unit purchase or an ended subscription that gets the subscription
    starts a new term; the others only gain units.
    """
    choice = plan.choice
    renewed = [lp.existing for lp in plan.learners if lp.existing and lp.subscribe]
    extended = [lp.existing for lp in plan.learners if lp.existing and not lp.subscribe]
    if renewed:
        renewal = {
            "kind": AssignmentKind.SUBSCRIPTION,
            "suite_version": choice.suite.version,
            "term_start": now,
            "term_end": term_end(choice.suite, now),
            "auto_reassign": choice.auto_reassign,
            "batch_id": batch.id,
        }
        rows = [{"id": row.id, **renewal} for row in renewed]
        db.session.execute(update(SuiteAssignment), rows)
    if extended:
        rows = [{"id": row.id, "batch_id": batch.id} for row in extended]
        db.session.execute(update(SuiteAssignment), rows)
    for row in renewed + extended:
        db.session.expire(row)


def insert_unit_assignments(
    plan: AssignPlan,
    batch: AssignmentBatch,
    actor_id: int | None,
    token: str,
    now: datetime,
) -> None:
    """Insert every planned unit row with one INSERT ... SELECT.

    The rows are the batch's suite assignments crossed with the chosen
    units, minus the units each learner has already, so the database makes
    them instead of Python sending one parameter set per row. Raises
    AssignmentError when the count differs from the plan's, which means
    another request assigned some of these units meanwhile.
    """
    expected = sum(len(lp.units) for lp in plan.learners)
    units = plan.choice.units()
    if not expected or not units:
        return
    chosen = chosen_units(units)
    paid, charge_key = unit_price_columns(plan, token)
    held = select(UnitAssignment.id).where(
        UnitAssignment.learner_id == SuiteAssignment.learner_id,
        UnitAssignment.suite_key == SuiteAssignment.suite_key,
        UnitAssignment.unit_key == chosen.c.unit_key,
    )
    rows = select(
        SuiteAssignment.org_id,
        SuiteAssignment.id,
        SuiteAssignment.learner_id,
        SuiteAssignment.suite_key,
        chosen.c.unit_key,
        chosen.c.area_key,
        chosen.c.unit_kind,
        chosen.c.position,
        literal(UnitStatus.NOT_STARTED.value),
        literal(1),
        literal(0),
        literal(0),
        literal(False),
        paid,
        charge_key,
        literal(actor_id, Integer),
        literal(now),
    )
    rows = (
        rows.select_from(SuiteAssignment)
        .join(chosen, true())  # every chosen unit for every suite assignment
        .where(SuiteAssignment.batch_id == batch.id, ~held.exists())
    )
    statement = insert(UnitAssignment.__table__).from_select(UNIT_INSERT_COLUMNS, rows)
    # SQLAlchemy keeps rowcount only for UPDATE and DELETE unless asked to.
    result = db.session.execute(statement.execution_options(preserve_rowcount=True))
    if matched_rows(result) != expected:
        raise AssignmentError(
            "Some of these learners were given the same units by another request "
            "at the same moment. Nothing was assigned; check the quote again."
        )


UNIT_INSERT_COLUMNS = [
    "org_id",
    "suite_assignment_id",
    "learner_id",
    "suite_key",
    "unit_key",
    "area_key",
    "unit_kind",
    "position",
    "status",
    "attempts_allowed",
    "attempts_used",
    "extra_attempts",
    "auto_reassigned",
    "paid_credits",
    "charge_key",
    "assigned_by_id",
    "assigned_at",
]


def chosen_units(units: list[Unit]) -> Any:
    """Return the units as a subquery of literal rows (a UNION ALL of SELECTs)."""
    selects = [
        select(
            literal(unit.key).label("unit_key"),
            literal(unit.area).label("area_key"),
            literal(unit.kind).label("unit_kind"),
            literal(unit.order).label("position"),
        )
        for unit in units
    ]
    query = selects[0] if len(selects) == 1 else union_all(*selects)
    return query.subquery("chosen_units")


def unit_price_columns(plan: AssignPlan, token: str) -> tuple[Any, Any]:
    """Return SQL for each row's paid credits and charge key.

    A subscription covers its units. Units bought singly cost the suite's
    unit price unless the learner's suite assignment is a subscription.
    """
    price = plan.choice.suite.pricing.unit_credits
    if plan.choice.kind is AssignmentKind.SUBSCRIPTION or not price:
        return literal(0), null()
    covered = SuiteAssignment.kind == AssignmentKind.SUBSCRIPTION
    paid = case((covered, 0), else_=price)
    key = case((covered, null()), else_=literal(token))
    return paid, key


def suite_assignment_ids(batch: AssignmentBatch) -> dict[int, int]:
    """Map each learner of the batch to their suite assignment id."""
    rows = db.session.execute(
        select(SuiteAssignment.learner_id, SuiteAssignment.id).where(
            SuiteAssignment.batch_id == batch.id
        )
    )
    return {learner_id: row_id for learner_id, row_id in rows}


# Reading a learner's assignments


@dataclass
class SuiteProgress:
    """One learner's suite assignment with its units, for learner pages."""

    assignment: SuiteAssignment
    suite: Suite | None  # None when the suite's plugin is not loaded
    units: list[UnitAssignment]
    credential: Any  # laurel.credentials.models.Credential or None
    expired: bool

    @property
    def title(self) -> str:
        return self.suite.title if self.suite else self.assignment.suite_key

    def unit_title(self, ua: UnitAssignment) -> str:
        unit = self.suite.unit(ua.unit_key) if self.suite else None
        return unit.title if unit else ua.unit_key

    def area_title(self, area_key: str) -> str:
        area = self.suite.area(area_key) if self.suite else None
        return area.title if area else area_key

    @property
    def passed_areas(self) -> list[str]:
        """Return the passed areas, in the suite's order, by the suite's rule.

        An area passes with any passed unit, or with every unit for a suite
        whose ``area_pass`` is "all". Without the suite's plugin the rule is
        unknown, so there any passed unit counts, in the units' order.
        """
        passed = {ua.unit_key for ua in self.units if ua.status is UnitStatus.PASSED}
        if self.suite is None:
            keys = (ua.area_key for ua in self.units if ua.unit_key in passed)
            return list(dict.fromkeys(keys))
        return [
            area.key
            for area in self.suite.areas
            if self.suite.area_passed(area.key, passed)
        ]

    @property
    def missing_areas(self) -> list[str]:
        if self.suite is None:
            return []
        passed = set(self.passed_areas)
        return [key for key in self.suite.rules.required_areas if key not in passed]


def learner_progress(
    learner_id: int, org_id: int, now: datetime | None = None
) -> list[SuiteProgress]:
    """Return a learner's suites, units and credentials in three queries."""
    now = now or utcnow()
    suites = list(
        db.session.scalars(
            select(SuiteAssignment)
            .where(
                SuiteAssignment.learner_id == learner_id,
                SuiteAssignment.org_id == org_id,
            )
            .order_by(SuiteAssignment.created_at, SuiteAssignment.id)
        )
    )
    units: dict[int, list[UnitAssignment]] = defaultdict(list)
    for ua in db.session.scalars(
        select(UnitAssignment)
        .where(UnitAssignment.learner_id == learner_id, UnitAssignment.org_id == org_id)
        .order_by(UnitAssignment.position)
    ):
        units[ua.suite_assignment_id].append(ua)
    credentials = {
        c.suite_key: c
        for c in db.session.scalars(
            select(Credential).where(
                Credential.learner_id == learner_id, Credential.org_id == org_id
            )
        )
    }
    return [
        SuiteProgress(
            sa,
            get_suite(sa.suite_key),
            units[sa.id],
            credentials.get(sa.suite_key),
            sa.expired(now),
        )
        for sa in suites
    ]
