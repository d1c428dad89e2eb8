"""One learner's report: every unit with its attempts, and the credential status."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from laurel.assignments.models import (
    Attempt,
    SuiteAssignment,
    UnitAssignment,
    UnitStatus,
)
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import User
from laurel.plugins import registry
from laurel.plugins.suites import Suite, Unit
from laurel.reports.cells import NOT_ASSIGNED_CELL, Cell, UnitState, unit_cell
from laurel.reports.stats import in_org_by_learner


@dataclass(frozen=True)
class UnitLine:
    """One unit of the suite, assigned or not, with its attempts."""

    key: str
    title: str
    area_title: str
    kind: str  # "assessment" or "skill building"
    cell: Cell
    row: UnitAssignment | None

    @property
    def attempts(self) -> list[Attempt]:
        return list(self.row.attempts) if self.row is not None else []

    @property
    def reassigned_by(self) -> str:
        """Return who last reassigned the unit: a name, "automatically" or ""."""
        if self.row is None or self.row.reassigned_at is None:
            return ""
        user = self.row.reassigned_by
        return user.full_name if user is not None else "automatically"


@dataclass(frozen=True)
class SuiteReport:
    """A learner's progress in one assigned suite."""

    assignment: SuiteAssignment
    suite: Suite | None  # None when the suite's plugin is not loaded
    units: list[UnitLine]
    credential: Credential | None
    missing_areas: list[str]  # titles of the required areas not passed

    @property
    def title(self) -> str:
        return self.suite.title if self.suite else self.assignment.suite_key

    @property
    def credential_status(self) -> str:
        """Return the credential's state in words, for the page and exports."""
        credential = self.credential
        if credential is not None:
            issued = credential.issued_at.strftime("%Y-%m-%d")
            if credential.revoked_at is not None:
                revoked = credential.revoked_at.strftime("%Y-%m-%d")
                return f"{credential.code}, issued {issued}, revoked {revoked}"
            return f"{credential.code}, issued {issued}"
        if self.suite is None:
            return "unknown: the suite is not loaded"
        if not self.missing_areas:
            return "all required areas passed; not issued"
        return "not earned; missing: " + ", ".join(self.missing_areas)


@dataclass(frozen=True)
class LearnerReport:
    learner: User
    suites: list[SuiteReport]


def build_learner_report(learner: User) -> LearnerReport:
    """Read a learner's suites, units, attempts and credentials in four queries."""
    org_id = learner.org_id
    if org_id is None:
        raise ValueError(f"user {learner.id} belongs to no organisation")
    assignments = db.session.scalars(
        select(SuiteAssignment)
        .where(
            SuiteAssignment.learner_id == learner.id,
            in_org_by_learner(SuiteAssignment, org_id),
        )
        .order_by(SuiteAssignment.created_at, SuiteAssignment.id)
    ).all()
    units = units_by_assignment(learner.id, org_id)
    credentials = {
        credential.suite_key: credential
        for credential in db.session.scalars(
            select(Credential).where(
                Credential.learner_id == learner.id,
                in_org_by_learner(Credential, org_id),
            )
        )
    }
    suites = [
        suite_report(sa, units.get(sa.id, []), credentials.get(sa.suite_key))
        for sa in assignments
    ]
    return LearnerReport(learner, suites)


def units_by_assignment(
    learner_id: int, org_id: int
) -> dict[int, list[UnitAssignment]]:
    rows = db.session.scalars(
        select(UnitAssignment)
        .where(
            UnitAssignment.learner_id == learner_id,
            in_org_by_learner(UnitAssignment, org_id),
        )
        .options(
            selectinload(UnitAssignment.attempts),
            joinedload(UnitAssignment.reassigned_by),
        )
        .order_by(UnitAssignment.position, UnitAssignment.id)
    )
    grouped: dict[int, list[UnitAssignment]] = defaultdict(list)
    for row in rows:
        grouped[row.suite_assignment_id].append(row)
    return grouped


def suite_report(
    sa: SuiteAssignment, rows: list[UnitAssignment], credential: Credential | None
) -> SuiteReport:
    suite = registry.get_suite(sa.suite_key)
    if suite is None:
        lines = [stored_line(row) for row in rows]
        return SuiteReport(sa, None, lines, credential, [])
    by_key = {row.unit_key: row for row in rows}
    lines = [
        suite_line(suite, unit, by_key.pop(unit.key, None)) for unit in suite.units
    ]
    # Units that a later version of the suite dropped keep their history.
    lines.extend(stored_line(row) for row in by_key.values())
    return SuiteReport(sa, suite, lines, credential, missing_areas(suite, rows))


def suite_line(suite: Suite, unit: Unit, row: UnitAssignment | None) -> UnitLine:
    area = suite.area(unit.area)
    return UnitLine(
        key=unit.key,
        title=unit.title,
        area_title=area.title if area else unit.area,
        kind=unit.kind.replace("_", " "),
        cell=cell_of(row),
        row=row,
    )


def stored_line(row: UnitAssignment) -> UnitLine:
    kind = row.unit_kind.replace("_", " ")
    return UnitLine(row.unit_key, row.unit_key, row.area_key, kind, cell_of(row), row)


def cell_of(row: UnitAssignment | None) -> Cell:
    if row is None:
        return NOT_ASSIGNED_CELL
    return unit_cell(
        UnitState(
            row.unit_key,
            row.area_key,
            row.status,
            row.attempts_used,
            row.attempts_allowed,
            row.best_score,
            row.passed_score,
        )
    )


def missing_areas(suite: Suite, rows: list[UnitAssignment]) -> list[str]:
    """Return the titles of required areas not passed, in the suite's order."""
    passed = {row.unit_key for row in rows if row.status is UnitStatus.PASSED}
    missing = []
    for area in suite.areas:
        if area.key in suite.rules.required_areas and not suite.area_passed(
            area.key, passed
        ):
            missing.append(area.title)
    return missing


def attempt_result(attempt: Attempt) -> str:
    """Return an attempt's outcome in words."""
    if attempt.submitted_at is None:
        return "open"
    return "passed" if attempt.passed else "failed"


def format_time(value: datetime | None) -> str:
    """Format a stored naive-UTC time as ``YYYY-MM-DD HH:MM``."""
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""
