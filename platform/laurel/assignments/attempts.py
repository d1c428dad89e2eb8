"""Taking a unit: starting, saving and submitting attempts, and what follows.

An attempt draws ``unit.draw`` questions at random from the unit's pool and
stores their ids with the suite version. Submitting scores the stored
questions through ``laurel_score_attempt``, updates the unit's row, and
then applies the suite's rules: a pass may issue the credential, a fail
under a subscription may assign the area's skill-building unit or reassign
the unit once automatically.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from laurel import audit
from laurel.assignments import policies
from laurel.assignments.models import (
    Attempt,
    SuiteAssignment,
    UnitAssignment,
    UnitStatus,
)
from laurel.assignments.services import matched_rows
from laurel.credentials import services as credentials
from laurel.extensions import db
from laurel.identity.services import utcnow
from laurel.plugins.registry import get_suite, hooks
from laurel.plugins.suites import Question, Suite, Unit

log = logging.getLogger(__name__)

STARTABLE = (UnitStatus.NOT_STARTED, UnitStatus.REASSIGNED)


class AttemptError(Exception):
    """An attempt that cannot start or continue; the message explains why."""


def suite_and_unit(ua: UnitAssignment) -> tuple[Suite, Unit]:
    suite = get_suite(ua.suite_key)
    unit = suite.unit(ua.unit_key) if suite else None
    if suite is None or unit is None:
        raise AttemptError(
            f"The unit {ua.unit_key!r} of suite {ua.suite_key!r} is not installed on "
            "this platform. Ask your instructor or the platform admin."
        )
    return suite, unit


def expired_message(sa: SuiteAssignment) -> str:
    return (
        f"The subscription ended on {sa.ends_on}, so no new "
        "attempts can start. Ask your instructor to renew it."
    )


def open_attempt(ua: UnitAssignment) -> Attempt | None:
    """Return the unit's started and unsubmitted attempt, if any."""
    return db.session.scalar(
        select(Attempt).where(
            Attempt.unit_assignment_id == ua.id, Attempt.submitted_at.is_(None)
        )
    )


def draw_questions(unit: Unit) -> list[str]:
    """Pick ``unit.draw`` question ids at random, in the order to show them."""
    rng = random.Random(secrets.randbits(128))
    return rng.sample([question.id for question in unit.questions], unit.draw)


def start_attempt(ua: UnitAssignment, now: datetime | None = None) -> Attempt:
    """Start a new attempt, or return the one already open.

    The attempt count is taken with one guarded UPDATE, so two starts at
    once (two tabs, a double click) open a single attempt.
    """
    now = now or utcnow()
    suite, unit = suite_and_unit(ua)
    existing = open_attempt(ua)
    if existing is not None:
        return existing
    if ua.suite_assignment.expired(now):
        raise AttemptError(expired_message(ua.suite_assignment))
    if not take_attempt_slot(ua):
        existing = open_attempt(ua)
        if existing is not None:
            return existing
        raise AttemptError(no_attempt_message(ua))
    attempt = Attempt(
        org_id=ua.org_id,
        unit_assignment_id=ua.id,
        learner_id=ua.learner_id,
        number=ua.attempts_used,
        suite_key=suite.key,
        suite_version=suite.version,
        unit_key=unit.key,
        question_ids=draw_questions(unit),
        answers={},
        started_at=now,
    )
    db.session.add(attempt)
    db.session.flush()
    audit.record(
        "attempt.started",
        "attempt",
        attempt.id,
        org_id=ua.org_id,
        actor_id=ua.learner_id,
        unit=unit.key,
        number=attempt.number,
    )
    return attempt


def take_attempt_slot(ua: UnitAssignment) -> bool:
    result = db.session.execute(
        update(UnitAssignment)
        .where(
            UnitAssignment.id == ua.id,
            UnitAssignment.status.in_(STARTABLE),
            UnitAssignment.attempts_used < UnitAssignment.attempts_allowed,
        )
        .values(
            attempts_used=UnitAssignment.attempts_used + 1,
            status=UnitStatus.IN_PROGRESS,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(ua)
    return matched_rows(result) == 1


def no_attempt_message(ua: UnitAssignment) -> str:
    if ua.status is UnitStatus.PASSED:
        return "You have passed this unit already."
    return (
        "You have used every attempt at this unit. Your instructor can reassign "
        "it if you need another try."
    )


# Answers


def questions_of(attempt: Attempt, suite: Suite) -> list[Question]:
    """Return the attempt's questions, in the order drawn.

    Raises AttemptError when a newer version of the suite dropped a question
    that this attempt drew.
    """
    # NOTE: such an open attempt can be neither shown nor submitted, and only
    # failed units are reassigned, so its unit stays in progress until the
    # suite brings the question back or the row is fixed by hand.
    unit = suite.unit(attempt.unit_key)
    questions = [unit.question(qid) if unit else None for qid in attempt.question_ids]
    if any(question is None for question in questions):
        raise AttemptError(
            f"This attempt began under version {attempt.suite_version} of "
            f"{suite.title}, and version {suite.version} no longer has all of its "
            "questions. Ask your instructor to reassign the unit."
        )
    return questions  # type: ignore[return-value]


def answer_field(question: Question) -> str:
    return f"answer-{question.id}"


def parse_answers(
    questions: list[Question], values: Mapping[str, Any]
) -> dict[str, int]:
    """Read the chosen options from form values; unanswered questions are left out.

    Raises AttemptError naming the question whose value is not an option.
    """
    answers: dict[str, int] = {}
    for number, question in enumerate(questions, 1):
        raw = values.get(answer_field(question))
        if raw is None or raw == "":
            continue
        text = str(raw)
        if not text.isdigit() or int(text) >= len(question.options):
            raise AttemptError(
                f"Answer {text[:20]!r} to question {number} is not one of its "
                f"{len(question.options)} options. Choose an option and save again."
            )
        answers[question.id] = int(text)
    return answers


def save_answers(
    attempt: Attempt, answers: dict[str, int], now: datetime | None = None
) -> bool:
    """Merge ``answers`` into the open attempt; False once it is submitted."""
    merged = {**attempt.answers, **answers}
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(answers=merged, saved_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(attempt)
    return matched_rows(result) == 1


# Submitting


@dataclass(frozen=True)
class Scored:
    score: int
    correct: int
    total: int


def score_attempt(
    suite: Suite, unit: Unit, questions: list[Question], answers: dict[str, int]
) -> Scored:
    """Score through ``laurel_score_attempt`` and check what it returns."""
    declaration = next(u for u in suite.declaration["units"] if u["key"] == unit.key)
    result = hooks().laurel_score_attempt(
        suite=suite.declaration,
        unit=declaration,
        questions=[question.as_dict() for question in questions],
        answers=dict(answers),
    )
    try:
        scored = Scored(
            int(result["score"]), int(result["correct"]), int(result["total"])
        )
    except (TypeError, KeyError, ValueError):
        scored = None
    if scored is None or not 0 <= scored.score <= 100:
        raise ValueError(
            f"laurel_score_attempt for suite {suite.key!r} (plugin {suite.plugin}) "
            f"returned {result!r}; it must return score 0-100, correct and total."
        )
    return scored


def submit_attempt(
    attempt: Attempt, answers: dict[str, int], now: datetime | None = None
) -> bool:
    """Score and close the attempt; return False when it was already submitted.

    ``answers`` (from the submitted form) are merged over the saved ones.
    An attempt started before its subscription ended may still be submitted;
    only new attempts are blocked.
    The closing UPDATE only matches while ``submitted_at IS NULL``, so of two
    submits at once exactly one scores. On PostgreSQL the second waits for
    the first to commit and then matches no row.
    """
    if attempt.submitted:
        return False
    now = now or utcnow()
    ua = attempt.unit_assignment
    suite, unit = suite_and_unit(ua)
    final = {**attempt.answers, **answers}
    scored = score_attempt(suite, unit, questions_of(attempt, suite), final)
    mark = policies.pass_mark(ua.org_id, suite, unit.area)
    passed = scored.score >= mark
    if not close_attempt(attempt, final, scored, mark, passed, now):
        return False
    record_result(ua, attempt, scored.score, passed, now)
    after_result(ua, attempt, suite, passed, now)
    return True


def close_attempt(
    attempt: Attempt,
    answers: dict[str, int],
    scored: Scored,
    mark: int,
    passed: bool,
    now: datetime,
) -> bool:
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(
            answers=answers,
            submitted_at=now,
            saved_at=now,
            score=scored.score,
            correct=scored.correct,
            total=scored.total,
            passed=passed,
            pass_mark=mark,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(attempt)
    return matched_rows(result) == 1


def record_result(
    ua: UnitAssignment, attempt: Attempt, score: int, passed: bool, now: datetime
) -> None:
    """Update the unit's row: status, best and last score, last attempt date."""
    ua.status = UnitStatus.PASSED if passed else UnitStatus.FAILED
    ua.best_score = score if ua.best_score is None else max(ua.best_score, score)
    ua.last_score = score
    ua.last_attempt_at = now
    if passed:
        ua.passed_score, ua.passed_at = score, now
    audit.record(
        "attempt.submitted",
        "attempt",
        attempt.id,
        org_id=ua.org_id,
        actor_id=ua.learner_id,
        unit=ua.unit_key,
        number=attempt.number,
        score=score,
        passed=passed,
        pass_mark=attempt.pass_mark,
    )
    db.session.flush()
    log.info(
        "attempt %s of user %s at %s scored %s (%s)",
        attempt.id,
        ua.learner_id,
        ua.unit_key,
        score,
        "passed" if passed else "failed",
    )


def after_result(
    ua: UnitAssignment, attempt: Attempt, suite: Suite, passed: bool, now: datetime
) -> None:
    hooks().laurel_attempt_finished(attempt=attempt)
    if passed:
        credentials.issue_if_earned(ua.suite_assignment, suite, now)
        return
    hooks().laurel_unit_failed(assignment=ua)
    apply_failure_rules(ua, suite, now)


def apply_failure_rules(ua: UnitAssignment, suite: Suite, now: datetime) -> None:
    """Apply the suite's rules for a failed unit under a running subscription."""
    sa = ua.suite_assignment
    if not sa.is_subscription or sa.expired(now):
        return
    if ua.unit_kind == "assessment":
        if suite.rules.failed_assessment_assigns_skill_building:
            assign_skill_building(ua, suite, now)
    elif sa.auto_reassign and not ua.auto_reassigned:
        auto_reassign(ua, now)


def assign_skill_building(ua: UnitAssignment, suite: Suite, now: datetime) -> None:
    """Assign the area's skill-building unit unless the learner has it already."""
    unit = suite.skill_building_unit(ua.area_key)
    if unit is None:
        return
    present = db.session.scalar(
        select(UnitAssignment.id).where(
            UnitAssignment.learner_id == ua.learner_id,
            UnitAssignment.suite_key == ua.suite_key,
            UnitAssignment.unit_key == unit.key,
        )
    )
    if present is not None:
        return
    row = db.session.execute(
        insert(UnitAssignment).returning(UnitAssignment.id),
        [new_unit_row(ua, unit, now)],
    ).scalar_one()
    audit.record(
        "unit.assigned",
        "unit_assignment",
        row,
        org_id=ua.org_id,
        actor_id=None,
        unit=unit.key,
        learner_id=ua.learner_id,
        automatic=True,
        reason=f"assessment {ua.unit_key} failed",
    )
    log.info("unit %s assigned to user %s automatically", unit.key, ua.learner_id)


def new_unit_row(ua: UnitAssignment, unit: Unit, now: datetime) -> dict[str, Any]:
    return {
        "org_id": ua.org_id,
        "suite_assignment_id": ua.suite_assignment_id,
        "learner_id": ua.learner_id,
        "suite_key": ua.suite_key,
        "unit_key": unit.key,
        "area_key": unit.area,
        "unit_kind": unit.kind,
        "position": unit.order,
        "status": UnitStatus.NOT_STARTED,
        "attempts_allowed": 1,
        "attempts_used": 0,
        "extra_attempts": 0,
        "auto_reassigned": False,
        "paid_credits": 0,
        "assigned_by_id": None,
        "assigned_at": now,
    }


def auto_reassign(ua: UnitAssignment, now: datetime) -> None:
    """Give a failed skill-building unit its one automatic extra attempt."""
    ua.status = UnitStatus.REASSIGNED
    ua.attempts_allowed += 1
    ua.auto_reassigned = True
    ua.reassigned_by_id = None
    ua.reassigned_at = now
    audit.record(
        "unit.reassigned",
        "unit_assignment",
        ua.id,
        org_id=ua.org_id,
        actor_id=None,
        unit=ua.unit_key,
        learner_id=ua.learner_id,
        credits=0,
        automatic=True,
    )
    db.session.flush()
    log.info("unit %s of user %s reassigned automatically", ua.unit_key, ua.learner_id)
