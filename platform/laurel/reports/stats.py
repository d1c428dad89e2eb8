"""Per-learner figures of one suite, as SQL over ``unit_assignments``.

Two nested GROUP BY subqueries do the counting: ``area_stats`` has one row
per learner and area, ``learner_stats`` one per learner. Only units the
suite still declares count, so a unit dropped by a later version of the
suite changes no figure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Subquery,
    and_,
    case,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from laurel.assignments.models import UnitAssignment, UnitStatus
from laurel.identity.models import Role, User
from laurel.plugins.suites import Suite
from laurel.reports.cells import NOT_ASSIGNED
from laurel.reports.forms import ReportScope
from laurel.rosters.models import GroupMember

OPEN_STATUSES = (UnitStatus.NOT_STARTED, UnitStatus.IN_PROGRESS, UnitStatus.REASSIGNED)


def in_org_by_learner(model: Any, org_id: int) -> ColumnElement[bool]:
    """Return ``model.org_id == org_id`` for rows looked up by learner.

    SQLite without ANALYZE statistics prefers an index on org_id over the
    learner's index and then scans the whole organisation, which turned a
    10,000-learner page into minutes. "+ 0" keeps the condition but takes
    the org_id index out of the plan; PostgreSQL plans by its statistics.
    """
    return model.org_id + 0 == org_id


def suite_units(ua: type[UnitAssignment], suite: Suite) -> list[ColumnElement[bool]]:
    """Return the conditions selecting the units that ``suite`` declares."""
    return [
        ua.suite_key == suite.key,
        ua.unit_key.in_([unit.key for unit in suite.units]),
    ]


def area_stats(
    org_id: int,
    suite: Suite,
    learner_ids: Select[Any] | None = None,
    page: FromClause | None = None,
) -> Subquery:
    """Select one row per learner and area: passed, failed-out and open units.

    A failed-out unit failed with no attempts left; an open unit can still
    be attempted. ``learner_ids`` limits the rows to some learners. ``page``
    is a FROM clause of a few learners (a ``learner_id`` column) to join
    instead: SQLite without ANALYZE statistics scans the organisation's
    index for an IN list, but looks a join up through the unique index on
    (learner_id, suite_key, unit_key).
    """
    ua = UnitAssignment
    failed = ua.status == UnitStatus.FAILED
    failed_out = and_(failed, ua.attempts_used >= ua.attempts_allowed)
    attemptable = or_(
        ua.status.in_(OPEN_STATUSES),
        and_(failed, ua.attempts_used < ua.attempts_allowed),
    )
    query = select(
        ua.learner_id,
        ua.area_key,
        func.sum(case((ua.status == UnitStatus.PASSED, 1), else_=0)).label("passed"),
        func.sum(case((failed_out, 1), else_=0)).label("failed_out"),
        func.sum(case((attemptable, 1), else_=0)).label("open"),
    ).where(*suite_units(ua, suite))
    if page is None:
        query = query.where(ua.org_id == org_id)
    else:
        query = query.where(in_org_by_learner(ua, org_id))
        query = query.where(ua.learner_id.in_(select(page.c.learner_id)))
    if learner_ids is not None:
        query = query.where(ua.learner_id.in_(learner_ids))
    return query.group_by(ua.learner_id, ua.area_key).subquery("area_stats")


def area_passed(stats: Subquery, suite: Suite) -> ColumnElement[bool]:
    """Return the condition that an ``area_stats`` row's area is passed."""
    if suite.rules.area_pass != "all":
        return stats.c.passed > 0
    needed = {area.key: len(suite.units_of(area.key)) for area in suite.areas}
    # An area with no units can never pass, hence the unreachable default.
    unreachable = len(suite.units) + 1
    return stats.c.passed >= case(needed, value=stats.c.area_key, else_=unreachable)


def learner_stats(
    org_id: int,
    suite: Suite,
    learner_ids: Select[Any] | None = None,
    page: FromClause | None = None,
) -> Subquery:
    """Select one row per learner with areas passed, required areas passed, stuck areas.

    A stuck area is not passed, has a unit failed with no attempts left, and
    no unit that can still be attempted: it needs an instructor.
    """
    stats = area_stats(org_id, suite, learner_ids, page)
    passed = area_passed(stats, suite)
    required = stats.c.area_key.in_(suite.rules.required_areas)
    stuck = and_(not_(passed), stats.c.failed_out > 0, stats.c.open == 0)
    return (
        select(
            stats.c.learner_id,
            func.sum(case((passed, 1), else_=0)).label("areas_passed"),
            func.sum(case((and_(passed, required), 1), else_=0)).label(
                "required_passed"
            ),
            func.sum(case((stuck, 1), else_=0)).label("stuck_areas"),
        )
        .group_by(stats.c.learner_id)
        .subquery("learner_stats")
    )


def status_condition(org_id: int, suite: Suite, status: str) -> ColumnElement[bool]:
    """Return the condition that a learner has a unit in ``status``.

    ``NOT_ASSIGNED`` means that some unit of the suite is not assigned. Both
    forms look up the learner's rows through the unique index on
    (learner_id, suite_key, unit_key).
    """
    ua = aliased(UnitAssignment)
    own_units = [
        ua.learner_id == User.id,
        in_org_by_learner(ua, org_id),
        *suite_units(ua, suite),
    ]
    if status == NOT_ASSIGNED:
        assigned = select(func.count()).select_from(ua).where(*own_units)
        return assigned.scalar_subquery() < len(suite.units)
    return exists().where(*own_units, ua.status == UnitStatus(status))


def learner_conditions(org_id: int, scope: ReportScope) -> list[ColumnElement[bool]]:
    """Return the conditions selecting the scope's learners from ``users``."""
    conditions = [User.org_id == org_id, User.role == Role.LEARNER]
    if not scope.include_inactive:
        conditions.append(User.active.is_(True))
    if scope.group is not None:
        members = select(GroupMember.user_id).where(
            GroupMember.group_id == scope.group.id
        )
        conditions.append(User.id.in_(members))
    return conditions


def scope_learner_ids(org_id: int, scope: ReportScope) -> Select[Any]:
    return select(User.id).where(*learner_conditions(org_id, scope))
