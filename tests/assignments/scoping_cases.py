"""Cross-organisation cases for assignment, reassignment and attempt routes."""

from __future__ import annotations

from typing import Any

from laurel.assignments.models import (
    AssignmentBatch,
    AssignmentKind,
    Attempt,
    SuiteAssignment,
    UnitAssignment,
)
from laurel.extensions import db
from laurel.identity.services import utcnow

from tests.scoping import LISTING, Route

SUITE = "workplace_readiness"


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    """Give organisation B's learner a batch, a suite, a failed unit and an attempt."""
    learner, instructor = objects["learner"], objects["instructor"]
    now = utcnow()
    batch = AssignmentBatch(
        org_id=org.id,
        request_token="b-batch-token-0123456789",
        action="assign",
        suite_key=SUITE,
        created_by_id=instructor.id,
        unit_keys=[],
        skipped=[],
    )
    db.session.add(batch)
    db.session.flush()
    sa = SuiteAssignment(
        org_id=org.id,
        learner_id=learner.id,
        suite_key=SUITE,
        suite_version="1",
        kind=AssignmentKind.UNITS,
        created_by_id=instructor.id,
        batch_id=batch.id,
    )
    db.session.add(sa)
    db.session.flush()
    ua = UnitAssignment(
        org_id=org.id,
        suite_assignment_id=sa.id,
        learner_id=learner.id,
        suite_key=SUITE,
        unit_key="attitude_motivation_assessment",
        area_key="attitude_motivation",
        unit_kind="assessment",
        position=1,
        attempts_used=1,
        paid_credits=1,
    )
    db.session.add(ua)
    db.session.flush()
    attempt = Attempt(
        org_id=org.id,
        unit_assignment_id=ua.id,
        learner_id=learner.id,
        number=1,
        suite_key=SUITE,
        suite_version="1",
        unit_key=ua.unit_key,
        question_ids=[],
        answers={},
        started_at=now,
    )
    db.session.add(attempt)
    db.session.commit()
    objects.update(
        batch=batch, suite_assignment=sa, unit_assignment=ua, attempt=attempt
    )


def unit_kwargs(b: dict[str, Any]) -> dict[str, Any]:
    return {"unit_assignment_id": b["unit_assignment"].id}


def attempt_kwargs(b: dict[str, Any]) -> dict[str, Any]:
    return {"attempt_id": b["attempt"].id}


def b_selection(b: dict[str, Any]) -> dict[str, Any]:
    return {"user_id": b["learner"].id, "suite": SUITE, "kind": "subscription"}


def b_confirm(b: dict[str, Any]) -> dict[str, Any]:
    return {**b_selection(b), "request_token": "a-confirm-token-0123456789"}


def b_reassign(b: dict[str, Any]) -> dict[str, Any]:
    return {
        "suite": SUITE,
        "unit_assignment_id": b["unit_assignment"].id,
        "request_token": "a-reassign-token-0123456789",
    }


ROUTES = {
    "assignments.select_learners": Route(LISTING),
    "assignments.quote": Route(LISTING, kwargs=b_selection),
    "assignments.confirm": Route(LISTING, data=b_confirm),
    "assignments.batch": Route(kwargs=lambda b: {"batch_id": b["batch"].id}),
    "assignments.reassign_quote": Route(LISTING, kwargs=b_reassign),
    "assignments.reassign_confirm": Route(LISTING, data=b_reassign),
    "assignments.unassign_unit": Route(kwargs=unit_kwargs),
    "assignments.policy": Route(LISTING, data=lambda b: {"extra_attempt_cap": "5"}),
    "assignments.my_units": Route(LISTING),
    "assignments.unit": Route(kwargs=unit_kwargs),
    "assignments.start_attempt": Route(kwargs=unit_kwargs),
    "assignments.attempt": Route(kwargs=attempt_kwargs),
    "assignments.save_attempt": Route(kwargs=attempt_kwargs),
    "assignments.submit_attempt": Route(kwargs=attempt_kwargs),
    "assignments.attempt_result": Route(kwargs=attempt_kwargs),
}
