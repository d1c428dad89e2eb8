"""Reading the ledger: filtered history and the credit usage report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from laurel.extensions import db
from laurel.identity.models import User
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from laurel_credits.models import EntryKind, LedgerEntry, LedgerLine

USAGE_KINDS = (EntryKind.CHARGE, EntryKind.REFUND)
USAGE_GROUPINGS = ("learner", "admin", "suite")


@dataclass(frozen=True)
class DateRange:
    """Inclusive calendar dates in UTC, either end open when None."""

    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        start = datetime.combine(self.start, time.min) if self.start else None
        end = (
            datetime.combine(self.end + timedelta(days=1), time.min)
            if self.end
            else None
        )
        return start, end


@dataclass(frozen=True)
class HistoryFilters:
    dates: DateRange = DateRange()
    kind: EntryKind | None = None
    suite: str | None = None
    actor_id: int | None = None


@dataclass(frozen=True)
class UsageRow:
    """Credits spent by one learner, admin or suite; net is charged - refunded."""

    label: str
    detail: str
    charged: int
    refunded: int

    @property
    def net(self) -> int:
        return self.charged - self.refunded


# Parsing query-string filters


def parse_date(args: Mapping[str, str], name: str, errors: list[str]) -> date | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(
            f"{name} date {value!r} is invalid; use YYYY-MM-DD, such as 2025-09-01."
        )
        return None


def parse_date_range(args: Mapping[str, str], errors: list[str]) -> DateRange:
    dates = DateRange(parse_date(args, "from", errors), parse_date(args, "to", errors))
    if dates.start and dates.end and dates.start > dates.end:
        errors.append(
            f"from date {dates.start} is after to date {dates.end}; swap them."
        )
        return DateRange()
    return dates


def parse_history_filters(args: Mapping[str, str]) -> tuple[HistoryFilters, list[str]]:
    """Read history filters from query arguments; bad ones are dropped and listed."""
    errors: list[str] = []
    dates = parse_date_range(args, errors)
    kind_value = args.get("kind", "").strip()
    kind = None
    if kind_value:
        if kind_value in {k.value for k in EntryKind}:
            kind = EntryKind(kind_value)
        else:
            errors.append(f"kind {kind_value!r} is invalid; choose one from the list.")
    actor_value = args.get("admin", "").strip()
    actor_id = int(actor_value) if actor_value.isdigit() else None
    if actor_value and actor_id is None:
        errors.append(f"admin {actor_value!r} is invalid; choose one from the list.")
    suite = args.get("suite", "").strip()[:100] or None
    return HistoryFilters(dates, kind, suite, actor_id), errors


# History


def within(column: Any, dates: DateRange) -> list[Any]:
    start, end = dates.bounds()
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


def history_query(org_id: int, filters: HistoryFilters) -> Select:
    """Select the organisation's entries matching ``filters``, newest first."""
    query = (
        select(LedgerEntry)
        .where(
            LedgerEntry.org_id == org_id, *within(LedgerEntry.created_at, filters.dates)
        )
        .options(
            selectinload(LedgerEntry.actor),
            selectinload(LedgerEntry.learner),
            selectinload(LedgerEntry.lines),
        )
        .order_by(LedgerEntry.id.desc())
    )
    if filters.kind is not None:
        query = query.where(LedgerEntry.kind == filters.kind)
    if filters.actor_id is not None:
        query = query.where(LedgerEntry.actor_id == filters.actor_id)
    if filters.suite is not None:
        has_suite = (
            select(LedgerLine.id)
            .where(
                LedgerLine.entry_id == LedgerEntry.id, LedgerLine.suite == filters.suite
            )
            .exists()
        )
        query = query.where(has_suite)
    return query


def history_actors(org_id: int) -> list[User]:
    """Return everyone who made an entry in the organisation's ledger."""
    actor_ids = select(LedgerEntry.actor_id).where(LedgerEntry.org_id == org_id)
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(actor_ids)).order_by(User.last_name, User.id)
        )
    )


def history_suites(org_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(LedgerLine.suite)
            .where(LedgerLine.org_id == org_id)
            .distinct()
            .order_by(LedgerLine.suite)
        )
    )


# Usage


def charged_and_refunded(credits: Any) -> tuple[Any, Any]:
    """Return SUM expressions splitting ``credits`` into charged and refunded."""
    charged = func.coalesce(
        func.sum(case((LedgerEntry.kind == EntryKind.CHARGE, credits), else_=0)), 0
    )
    refunded = func.coalesce(
        func.sum(case((LedgerEntry.kind == EntryKind.REFUND, credits), else_=0)), 0
    )
    return charged, refunded


def usage_lines(org_id: int, dates: DateRange) -> Select:
    charged, refunded = charged_and_refunded(LedgerLine.credits)
    return (
        select(charged, refunded)
        .select_from(LedgerLine)
        .join(LedgerEntry, LedgerLine.entry_id == LedgerEntry.id)
        .where(
            LedgerLine.org_id == org_id,
            LedgerEntry.kind.in_(USAGE_KINDS),
            *within(LedgerEntry.created_at, dates),
        )
    )


def usage_by_learner(org_id: int, dates: DateRange) -> list[UsageRow]:
    query = (
        usage_lines(org_id, dates)
        .add_columns(User.first_name, User.last_name, User.email)
        .outerjoin(User, LedgerLine.learner_id == User.id)
        .group_by(LedgerLine.learner_id, User.first_name, User.last_name, User.email)
        .order_by(User.last_name, User.first_name, LedgerLine.learner_id)
    )
    return [
        UsageRow(person_label(first, last), email or "", charged, refunded)
        for charged, refunded, first, last, email in db.session.execute(query)
    ]


def usage_by_suite(org_id: int, dates: DateRange) -> list[UsageRow]:
    from laurel.plugins.registry import get_suite

    query = (
        usage_lines(org_id, dates)
        .add_columns(LedgerLine.suite)
        .group_by(LedgerLine.suite)
        .order_by(LedgerLine.suite)
    )
    rows = []
    for charged, refunded, suite_key in db.session.execute(query):
        suite = get_suite(suite_key)
        rows.append(
            UsageRow(suite.title if suite else suite_key, suite_key, charged, refunded)
        )
    return rows


def usage_by_admin(org_id: int, dates: DateRange) -> list[UsageRow]:
    """Group charges and refunds by who made them; None is the system."""
    charged, refunded = charged_and_refunded(func.abs(LedgerEntry.amount))
    query = (
        select(charged, refunded, User.first_name, User.last_name, User.email)
        .select_from(LedgerEntry)
        .outerjoin(User, LedgerEntry.actor_id == User.id)
        .where(
            LedgerEntry.org_id == org_id,
            LedgerEntry.kind.in_(USAGE_KINDS),
            *within(LedgerEntry.created_at, dates),
        )
        .group_by(LedgerEntry.actor_id, User.first_name, User.last_name, User.email)
        .order_by(User.last_name, User.first_name, LedgerEntry.actor_id)
    )
    return [
        UsageRow(person_label(first, last, "System"), email or "", charged, refunded)
        for charged, refunded, first, last, email in db.session.execute(query)
    ]


def usage(org_id: int, grouping: str, dates: DateRange) -> list[UsageRow]:
    """Return the usage report grouped by "learner", "admin" or "suite"."""
    report = {
        "learner": usage_by_learner,
        "admin": usage_by_admin,
        "suite": usage_by_suite,
    }
    return report[grouping](org_id, dates)


def person_label(
    first: str | None, last: str | None, missing: str = "No learner"
) -> str:
    if first is None and last is None:
        return missing
    return f"{first or ''} {last or ''}".strip()
