"""Double submits on PostgreSQL: two sessions released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from laurel.assignments import attempts, services
from laurel.assignments.models import (
    AssignmentBatch,
    AssignmentKind,
    Attempt,
    SuiteAssignment,
    UnitAssignment,
    UnitStatus,
)
from laurel.assignments.selection import Selection
from laurel.audit.models import AuditEvent
from laurel.extensions import db
from sqlalchemy import select

from tests.assignments.helpers import (
    answers_with,
    assign,
    balance,
    count,
    real_suite,
    unit_of,
)

pytestmark = pytest.mark.backends("postgresql")


def run_together(app: Flask, work: Callable[[], Any], threads: int = 2) -> list[Any]:
    """Run ``work`` in threads, each with its own app context and session."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[index] = work()
            except Exception as error:  # reported to the test below
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert not any(worker.is_alive() for worker in workers), "a worker hung"
    return results


def test_double_assignment_charges_once(app, school) -> None:
    suite = real_suite()
    org_id, actor_id = school.org.id, school.instructor.id
    learner_ids = tuple(learner.id for learner in school.learners)
    token = services.new_request_token()
    start = balance(org_id)
    db.session.remove()

    def confirm() -> tuple[str, int]:
        choice = services.AssignChoice(suite, AssignmentKind.SUBSCRIPTION, (), True)
        try:
            batch = services.assign(
                org_id, actor_id, choice, Selection(user_ids=learner_ids), token, 10
            )
            db.session.commit()
            return ("created", batch.id)
        except services.AlreadyConfirmed as replay:
            db.session.rollback()
            return ("replayed", replay.batch.id)

    results = run_together(app, confirm)
    assert sorted(kind for kind, _ in results) == ["created", "replayed"], results
    assert results[0][1] == results[1][1]
    assert count(AssignmentBatch) == 1
    assert count(SuiteAssignment) == 2
    assert count(UnitAssignment) == 20
    assert balance(org_id) == start - 10
    assert count(AuditEvent, AuditEvent.action == "assignment.created") == 2


def test_double_attempt_submit_scores_once(app, school) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    suite = real_suite()
    unit = next(u for u in suite.units if u.is_assessment)
    ua = unit_of(learner, unit.key)
    attempt = attempts.start_attempt(ua)
    db.session.commit()
    answers = answers_with(attempt, correct=4)
    attempt_id, ua_id = attempt.id, ua.id
    db.session.remove()

    def submit() -> bool:
        record = db.session.get(Attempt, attempt_id)
        first = attempts.submit_attempt(record, answers)
        db.session.commit()
        return first

    results = run_together(app, submit)
    assert sorted(results) == [False, True], results
    record = db.session.get(Attempt, attempt_id)
    assert record.score == 40
    assert record.passed is False
    ua = db.session.get(UnitAssignment, ua_id)
    assert ua.status is UnitStatus.FAILED
    assert ua.attempts_used == 1
    assert count(AuditEvent, AuditEvent.action == "attempt.submitted") == 1
    skill_building = suite.skill_building_unit(unit.area)
    assert count(UnitAssignment, UnitAssignment.unit_key == skill_building.key) == 1


def test_double_start_opens_one_attempt(app, school) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    unit = next(u for u in real_suite().units if u.is_assessment)
    ua_id = unit_of(learner, unit.key).id
    db.session.remove()

    def start() -> int:
        attempt = attempts.start_attempt(db.session.get(UnitAssignment, ua_id))
        db.session.commit()
        return attempt.id

    results = run_together(app, start)
    assert results[0] == results[1], results
    assert db.session.scalars(select(Attempt.number)).all() == [1]
    assert db.session.get(UnitAssignment, ua_id).attempts_used == 1
