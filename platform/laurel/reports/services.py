"""The progress matrix: one page of learners, or every learner for an export.

A page costs the same few statements whatever the number of learners or
the page: the learners of the page with their figures and the total (one
statement, through a window count), then the cells of those learners.
Filters and sort orders are SQL conditions on ``reports.stats``:

- Sorted by name, with no filter on figures, the page's learners come from
  ``users`` first and only those 50 get their figures computed.
- Sorted by progress, or filtered by "one area away" or "stuck", the
  figures of every learner in scope are aggregated once, in the same
  statement, then sorted and cut to the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from laurel.assignments.models import SuiteAssignment, UnitAssignment
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import User
from laurel.plugins import registry
from laurel.plugins.suites import Suite
from laurel.reports import stats as figures
from laurel.reports.cells import Cell, UnitState, area_cell, unit_cell
from laurel.reports.forms import MatrixFilters
from laurel.rosters.models import Group, GroupMember

EXPORT_CHUNK = 500  # learners read per round trip while exporting

Executor = Session | Connection | scoped_session[Any]


def available_suites(org_id: int) -> list[Suite]:
    """Return the enabled suites and any other loaded suite the org has assigned.

    Suites the organisation has assigned come first, so the default choice
    (the first) is one in use; each part is in title order.
    """
    suites = {suite.key: suite for suite in registry.enabled_suites()}
    assigned = set(
        db.session.scalars(
            select(SuiteAssignment.suite_key)
            .where(SuiteAssignment.org_id == org_id)
            .distinct()
        )
    )
    for key in assigned:
        suite = registry.get_suite(key)
        if suite is not None:
            suites.setdefault(key, suite)
    return sorted(
        suites.values(),
        key=lambda suite: (suite.key not in assigned, suite.title, suite.key),
    )


# Rows and columns


@dataclass(frozen=True)
class MatrixRow:
    """One learner's row: figures from SQL, cells and groups filled in afterwards."""

    learner_id: int
    first_name: str
    last_name: str
    email: str
    external_id: str | None
    active: bool
    credential_code: str | None
    credential_issued_at: datetime | None
    credential_revoked_at: datetime | None
    has_suite: bool  # some unit of the suite is assigned
    areas_passed: int
    required_passed: int
    cells: tuple[Cell, ...] = ()
    groups: tuple[str, ...] = ()  # filled in for exports only

    @classmethod
    def from_row(cls, row: Any) -> MatrixRow:
        values = {key: row._mapping[key] for key in ROW_COLUMNS}
        values["has_suite"] = bool(values["has_suite"])
        values["areas_passed"] = int(values["areas_passed"])
        values["required_passed"] = int(values["required_passed"])
        return cls(**values)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def credential_text(self) -> str:
        if self.credential_code is None:
            return ""
        if self.credential_revoked_at is not None:
            return f"{self.credential_code} (revoked)"
        return self.credential_code


ROW_COLUMNS = [
    name for name in MatrixRow.__dataclass_fields__ if name not in ("cells", "groups")
]


@dataclass(frozen=True)
class Column:
    """A matrix column: one unit, or one area in the area view."""

    key: str
    title: str
    heading: str  # short text for the table head


def columns_of(suite: Suite, view: str) -> list[Column]:
    if view == "areas":
        return [Column(area.key, area.title, area.title) for area in suite.areas]
    columns = []
    for unit in suite.units:
        area = suite.area(unit.area)
        kind = "assessment" if unit.is_assessment else "skill building"
        heading = f"{area.title if area else unit.area}: {kind}"
        columns.append(Column(unit.key, unit.title, heading))
    return columns


# Queries


def learners_query(org_id: int, filters: MatrixFilters) -> Select:
    """Select the scope's learners with their credential, filtered without figures."""
    suite = filters.suite
    credential_of_learner = and_(
        Credential.learner_id == User.id,
        Credential.suite_key == suite.key,
        Credential.org_id == org_id,
    )
    query: Select = (
        select(
            User.id.label("learner_id"),
            User.first_name,
            User.last_name,
            User.email,
            User.external_id,
            User.active,
            Credential.code.label("credential_code"),
            Credential.issued_at.label("credential_issued_at"),
            Credential.revoked_at.label("credential_revoked_at"),
        )
        .outerjoin(Credential, credential_of_learner)
        .where(*figures.learner_conditions(org_id, filters.scope))
    )
    if filters.status:
        query = query.where(figures.status_condition(org_id, suite, filters.status))
    if filters.earned:
        query = query.where(Credential.id.is_not(None), Credential.revoked_at.is_(None))
    return query


def needs_all_figures(filters: MatrixFilters) -> bool:
    """Tell whether the sort or a filter needs every learner's figures."""
    return filters.sort != "name" or filters.one_area_away or filters.stuck


def figures_query(org_id: int, filters: MatrixFilters) -> Select:
    """Select every filtered learner with figures, in the chosen order."""
    suite = filters.suite
    scope_ids = figures.scope_learner_ids(org_id, filters.scope)
    stats = figures.learner_stats(org_id, suite, scope_ids)
    areas_passed = func.coalesce(stats.c.areas_passed, 0)
    required_passed = func.coalesce(stats.c.required_passed, 0)
    query = (
        learners_query(org_id, filters)
        .add_columns(
            stats.c.learner_id.is_not(None).label("has_suite"),
            areas_passed.label("areas_passed"),
            required_passed.label("required_passed"),
        )
        .outerjoin(stats, stats.c.learner_id == User.id)
    )
    if filters.one_area_away:
        needed = len(suite.rules.required_areas) - 1
        query = query.where(stats.c.learner_id.is_not(None), required_passed == needed)
    if filters.stuck:
        query = query.where(stats.c.stuck_areas > 0)
    return query.order_by(*sort_order(filters.sort, areas_passed))


def sort_order(sort: str, areas_passed: ColumnElement[int]) -> list[Any]:
    by_name = [User.last_name, User.first_name, User.id]
    if sort == "progress":
        return [areas_passed.desc(), *by_name]
    if sort == "progress_asc":
        return [areas_passed.asc(), *by_name]
    return by_name


def name_page_query(
    org_id: int, filters: MatrixFilters, limit: int, offset: int
) -> Select:
    """Select one page by name, computing figures for that page's learners only."""
    page = (
        learners_query(org_id, filters)
        .add_columns(func.count().over().label("total"))
        .order_by(User.last_name, User.first_name, User.id)
        .limit(limit)
        .offset(offset)
        .cte("page_learners")
    )
    stats = figures.learner_stats(org_id, filters.suite, page=page)
    return (
        select(
            page,
            stats.c.learner_id.is_not(None).label("has_suite"),
            func.coalesce(stats.c.areas_passed, 0).label("areas_passed"),
            func.coalesce(stats.c.required_passed, 0).label("required_passed"),
        )
        .outerjoin(stats, stats.c.learner_id == page.c.learner_id)
        .order_by(page.c.last_name, page.c.first_name, page.c.learner_id)
    )


def page_query(
    org_id: int, filters: MatrixFilters, limit: int, offset: int
) -> Select:
    if not needs_all_figures(filters):
        return name_page_query(org_id, filters, limit, offset)
    query = figures_query(org_id, filters)
    return (
        query.add_columns(func.count().over().label("total"))
        .limit(limit)
        .offset(offset)
    )


# One page


@dataclass(frozen=True)
class MatrixPage:
    """One page of the matrix, shaped like Flask-SQLAlchemy's pagination.

    ``total`` is None on a page past the last, where no row carries it.
    """

    items: list[MatrixRow]
    columns: list[Column]
    page: int
    per_page: int
    total: int | None

    @property
    def past_end(self) -> bool:
        return self.total is None

    @property
    def pages(self) -> int:
        total = self.total or 0
        return max(1, -(-total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return min(self.page - 1, self.pages)

    @property
    def next_num(self) -> int:
        return self.page + 1


def matrix_page(
    org_id: int, filters: MatrixFilters, page: int, per_page: int
) -> MatrixPage:
    """Return one page of the matrix in two statements."""
    query = page_query(org_id, filters, per_page, (page - 1) * per_page)
    rows = db.session.execute(query).all()
    total: int | None = rows[0].total if rows else 0
    if not rows and page > 1:
        total = None  # past the last page, so no row carries the total
    items = fill_cells(
        db.session, org_id, filters, [MatrixRow.from_row(r) for r in rows]
    )
    columns = columns_of(filters.suite, filters.view)
    return MatrixPage(items, columns, page, per_page, total)


def unit_states(
    executor: Executor, org_id: int, suite_key: str, learner_ids: Sequence[int]
) -> dict[int, dict[str, UnitState]]:
    """Return the unit rows of some learners in one query, by learner and unit."""
    if not learner_ids:
        return {}
    ua = UnitAssignment
    rows = executor.execute(
        select(
            ua.learner_id,
            ua.unit_key,
            ua.area_key,
            ua.status,
            ua.attempts_used,
            ua.attempts_allowed,
            ua.best_score,
            ua.passed_score,
        ).where(
            ua.learner_id.in_(list(learner_ids)),
            figures.in_org_by_learner(ua, org_id),
            ua.suite_key == suite_key,
        )
    )
    states: dict[int, dict[str, UnitState]] = defaultdict(dict)
    for row in rows:
        states[row.learner_id][row.unit_key] = UnitState(
            unit_key=row.unit_key,
            area_key=row.area_key,
            status=row.status,
            attempts_used=row.attempts_used,
            attempts_allowed=row.attempts_allowed,
            best_score=row.best_score,
            passed_score=row.passed_score,
        )
    return states


def fill_cells(
    executor: Executor, org_id: int, filters: MatrixFilters, rows: list[MatrixRow]
) -> list[MatrixRow]:
    suite = filters.suite
    ids = [row.learner_id for row in rows]
    states = unit_states(executor, org_id, suite.key, ids)
    return [
        replace(
            row, cells=row_cells(suite, filters.view, states.get(row.learner_id, {}))
        )
        for row in rows
    ]


def row_cells(suite: Suite, view: str, units: dict[str, UnitState]) -> tuple[Cell, ...]:
    if view == "areas":
        return tuple(area_cell(suite, area.key, units.values()) for area in suite.areas)
    return tuple(unit_cell(units.get(unit.key)) for unit in suite.units)


# Every row, for exports


def iter_matrix_rows(
    engine: Engine, org_id: int, filters: MatrixFilters
) -> Iterator[MatrixRow]:
    """Return every filtered learner's row with groups, read in chunks.

    The query is built now, while the request's objects are loaded. The rows
    are read when the caller iterates, on a connection of the generator's
    own, because a streamed response outlives the request's session. The
    learners come through one streamed result (a server-side cursor on
    PostgreSQL), and each chunk's cells and groups through two more queries,
    so memory stays flat however large the group.
    """
    query = figures_query(org_id, filters).execution_options(yield_per=EXPORT_CHUNK)

    def generate() -> Iterator[MatrixRow]:
        with engine.connect() as connection:
            for chunk in connection.execute(query).partitions():
                rows = [MatrixRow.from_row(row) for row in chunk]
                rows = fill_cells(connection, org_id, filters, rows)
                groups = group_names(connection, [row.learner_id for row in rows])
                for row in rows:
                    yield replace(row, groups=tuple(groups.get(row.learner_id, ())))

    return generate()


def group_names(executor: Executor, learner_ids: Sequence[int]) -> dict[int, list[str]]:
    """Return each learner's active group names, sorted."""
    rows = executor.execute(
        select(GroupMember.user_id, Group.name)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id.in_(list(learner_ids)), Group.archived_at.is_(None))
        .order_by(Group.name)
    )
    names: dict[int, list[str]] = defaultdict(list)
    for learner_id, name in rows:
        names[learner_id].append(name)
    return names
