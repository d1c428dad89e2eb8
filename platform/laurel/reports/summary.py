"""The summary page's figures: pass rate per area and the progress distribution."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from laurel.assignments.models import SuiteAssignment
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.reports import stats as figures
from laurel.reports.forms import ReportScope


@dataclass(frozen=True)
class AreaRate:
    """How many of the learners assigned an area have passed it."""

    key: str
    title: str
    assigned: int
    passed: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.passed / self.assigned) if self.assigned else None


@dataclass(frozen=True)
class Summary:
    """The summary of one scope."""

    learners: int  # learners in the scope with the suite assigned
    credentials: int  # unrevoked credentials among the scope's learners
    area_rates: list[AreaRate]
    # distribution[k] is the number of those learners with k areas passed.
    distribution: list[int]


def summary(org_id: int, scope: ReportScope) -> Summary:
    """Compute the summary in three queries."""
    distribution = progress_distribution(org_id, scope)
    return Summary(
        learners=sum(distribution),
        credentials=credential_count(org_id, scope),
        area_rates=area_pass_rates(org_id, scope),
        distribution=distribution,
    )


def area_pass_rates(org_id: int, scope: ReportScope) -> list[AreaRate]:
    scope_ids = figures.scope_learner_ids(org_id, scope)
    stats = figures.area_stats(org_id, scope.suite, scope_ids)
    passed = figures.area_passed(stats, scope.suite)
    rows = db.session.execute(
        select(
            stats.c.area_key, func.count(), func.sum(case((passed, 1), else_=0))
        ).group_by(stats.c.area_key)
    )
    counts = {key: (assigned, passed or 0) for key, assigned, passed in rows}
    return [
        AreaRate(area.key, area.title, *counts.get(area.key, (0, 0)))
        for area in scope.suite.areas
    ]


def progress_distribution(org_id: int, scope: ReportScope) -> list[int]:
    """Count the scope's learners with the suite by number of areas passed."""
    scope_ids = figures.scope_learner_ids(org_id, scope)
    stats = figures.learner_stats(org_id, scope.suite, scope_ids)
    areas_passed = func.coalesce(stats.c.areas_passed, 0)
    rows = db.session.execute(
        select(areas_passed, func.count())
        .select_from(SuiteAssignment)
        .outerjoin(stats, stats.c.learner_id == SuiteAssignment.learner_id)
        .where(
            SuiteAssignment.org_id == org_id,
            SuiteAssignment.suite_key == scope.suite.key,
            SuiteAssignment.learner_id.in_(scope_ids),
        )
        .group_by(areas_passed)
    )
    distribution = [0] * (len(scope.suite.areas) + 1)
    for passed, count in rows:
        distribution[int(passed)] += count
    return distribution


def credential_count(org_id: int, scope: ReportScope) -> int:
    query = (
        select(func.count())
        .select_from(Credential)
        .where(
            Credential.org_id == org_id,
            Credential.suite_key == scope.suite.key,
            Credential.revoked_at.is_(None),
            Credential.learner_id.in_(figures.scope_learner_ids(org_id, scope)),
        )
    )
    return db.session.scalar(query) or 0
