"""Cross-organisation cases for the report routes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from laurel.assignments.models import SuiteAssignment
from laurel.extensions import db
from laurel.plugins import registry
from tests.reports.seeding import failed, passed, seed_progress
from tests.scoping import LISTING, OBJECT, Route


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    """Give B's learner progress in each loaded suite, so a leak would show.

    Suites that another domain's cases assigned already are left as they are.
    """
    learner = objects["learner"]
    assigned = set(
        db.session.scalars(
            select(SuiteAssignment.suite_key).where(
                SuiteAssignment.learner_id == learner.id
            )
        )
    )
    for suite in registry.state().suites.values():
        if suite.key in assigned:
            continue
        first, second = suite.units[0], suite.units[-1]
        units = {first.key: passed(91)}
        if second.key != first.key:
            units[second.key] = failed(12)
        seed_progress(org.id, learner.id, suite, units)


def learner(b: dict[str, Any], **extra: str) -> dict[str, Any]:
    return {"user_id": b["learner"].id, **extra}


ROUTES = {
    "reports.matrix": Route(LISTING),
    "reports.export_matrix": Route(LISTING, kwargs=lambda b: {"fmt": "csv"}),
    "reports.summary": Route(LISTING),
    "reports.learner_report": Route(OBJECT, kwargs=learner),
    "reports.export_learner_report": Route(
        OBJECT, kwargs=lambda b: learner(b, fmt="xlsx")
    ),
    "reports.my_report": Route(LISTING),
    "reports.export_my_report": Route(LISTING, kwargs=lambda b: {"fmt": "csv"}),
}
