"""Shared steps for assignment and credential tests: assign, answer, submit."""

from __future__ import annotations

import secrets
from typing import Any

from laurel.assignments import attempts, services
from laurel.assignments.models import AssignmentKind, Attempt, UnitAssignment
from laurel.assignments.selection import Selection
from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import User
from laurel.plugins.registry import get_suite
from laurel.plugins.suites import Suite
from sqlalchemy import func, select

SUITE_KEY = "workplace_readiness"


def real_suite() -> Suite:
    """Return the installed Workplace Readiness suite; fail loudly without it."""
    suite = get_suite(SUITE_KEY)
    assert suite is not None, (
        "the Workplace Readiness plugin is not loaded; install "
        "plugins/workplace_readiness (pip install -e) and check `laurel plugins`"
    )
    return suite


def assign(
    org_id: int,
    actor: User | None,
    learners: list[User],
    kind: AssignmentKind = AssignmentKind.SUBSCRIPTION,
    unit_keys: tuple[str, ...] = (),
    auto_reassign: bool = True,
    token: str | None = None,
) -> Any:
    """Assign through the service and commit; return the batch."""
    choice = services.AssignChoice(real_suite(), kind, unit_keys, auto_reassign)
    selection = Selection(user_ids=tuple(learner.id for learner in learners))
    batch = services.assign(
        org_id,
        actor.id if actor else None,
        choice,
        selection,
        token or services.new_request_token(),
        None,
    )
    db.session.commit()
    return batch


def unit_of(learner: User, unit_key: str) -> UnitAssignment | None:
    return db.session.scalar(
        select(UnitAssignment).where(
            UnitAssignment.learner_id == learner.id, UnitAssignment.unit_key == unit_key
        )
    )


def answers_with(attempt: Attempt, correct: int) -> dict[str, int]:
    """Answer the first ``correct`` drawn questions right and the rest wrong."""
    suite = real_suite()
    questions = attempts.questions_of(attempt, suite)
    answers = {}
    for index, question in enumerate(questions):
        right = question.answer
        wrong = (right + 1) % len(question.options)
        answers[question.id] = right if index < correct else wrong
    return answers


def take(ua: UnitAssignment, correct: int) -> Attempt:
    """Start (or resume) an attempt, answer ``correct`` questions right, submit."""
    attempt = attempts.start_attempt(ua)
    db.session.commit()
    assert attempts.submit_attempt(attempt, answers_with(attempt, correct))
    db.session.commit()
    db.session.refresh(ua)
    return attempt


def form_answers(attempt: Attempt, correct: int) -> dict[str, str]:
    return {
        f"answer-{qid}": str(value)
        for qid, value in answers_with(attempt, correct).items()
    }


def audit_actions(org_id: int) -> list[tuple[str, int | None, dict[str, Any]]]:
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.details)
        .where(AuditEvent.org_id == org_id)
        .order_by(AuditEvent.id)
    )
    return [tuple(row) for row in rows]


def count(model: type, *conditions: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def grant(org_id: int, amount: int) -> None:
    """Record a credit purchase through the credits plugin."""
    from laurel_credits import services as credits

    credits.purchase(
        org_id, amount, "test purchase", None, f"grant-{secrets.token_hex(8)}"
    )
    db.session.commit()


def balance(org_id: int) -> int | None:
    from laurel.plugins.registry import hooks

    return hooks().laurel_balance(org_id=org_id)
