"""Unit states for report tests and benchmarks, written straight into the tables.

The reports only read ``unit_assignments``, ``attempts`` and ``credentials``,
so the seeders insert those rows as the assignment and credential services
would leave them: ``attempts_used`` counts every attempt started, an open
attempt has no ``submitted_at``, and a passed unit has ``passed_score``.
``bulk_learners`` and ``bulk_progress`` use executemany inserts; give
``bulk_progress`` a thousand learners or so at a time, since it builds its
rows in memory.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from laurel.assignments.models import (
    AssignmentKind,
    Attempt,
    SuiteAssignment,
    UnitAssignment,
    UnitStatus,
)
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.plugins.suites import Suite
from laurel.rosters.models import GroupMember

BASE_TIME = datetime(2025, 3, 3, 9, 0)
BATCH = 5_000


@dataclass(frozen=True)
class UnitSeed:
    """A unit's state: its status, attempts and the score of each submitted one."""

    status: UnitStatus
    scores: tuple[int, ...] = ()  # submitted attempts, in order
    attempts_allowed: int = 1
    open_attempt: bool = False  # one more attempt started, not submitted
    reassigned_by_id: int | None = None

    @property
    def attempts_used(self) -> int:
        return len(self.scores) + (1 if self.open_attempt else 0)


def not_started() -> UnitSeed:
    return UnitSeed(UnitStatus.NOT_STARTED)


def in_progress() -> UnitSeed:
    return UnitSeed(UnitStatus.IN_PROGRESS, open_attempt=True)


def passed(*scores: int, allowed: int | None = None) -> UnitSeed:
    return UnitSeed(UnitStatus.PASSED, scores, allowed or len(scores))


def failed(*scores: int, allowed: int | None = None) -> UnitSeed:
    return UnitSeed(UnitStatus.FAILED, scores, allowed or len(scores))


def reassigned(*scores: int, by: int | None = None) -> UnitSeed:
    """A failed unit given one more attempt, by an instructor or automatically."""
    return UnitSeed(UnitStatus.REASSIGNED, scores, len(scores) + 1, reassigned_by_id=by)


# Learners


def bulk_learners(
    org: Organisation,
    count: int,
    name: Callable[[int], tuple[str, str]] = lambda i: (
        f"Learner{i:05d}",
        f"Family{i:05d}",
    ),
    group_id: int | None = None,
) -> list[int]:
    """Insert ``count`` learners of ``org`` and return their ids in order.

    Their password hash is not a valid hash, so they cannot log in.
    """
    rows = []
    for index in range(count):
        first, last = name(index)
        rows.append(
            {
                "org_id": org.id,
                "email": f"bulk{index:05d}.{secrets.token_hex(3)}@{org.slug}.example",
                "first_name": first,
                "last_name": last,
                "role": Role.LEARNER,
                "password_hash": "not-a-hash",
                "session_token": secrets.token_urlsafe(16),
                "active": True,
            }
        )
    emails = [row["email"] for row in rows]
    insert_batches(User, rows)
    query = select(User.email, User.id).where(User.org_id == org.id)
    ids_by_email = {email: user_id for email, user_id in db.session.execute(query)}
    ids = [ids_by_email[email] for email in emails]
    if group_id is not None:
        members = [{"group_id": group_id, "user_id": user_id} for user_id in ids]
        insert_batches(GroupMember, members)
    db.session.commit()
    return ids


# Progress


def seed_progress(
    org_id: int, learner_id: int, suite: Suite, units: dict[str, UnitSeed]
) -> None:
    """Assign ``suite`` to one learner with the given unit states; commits."""
    bulk_progress(org_id, suite, [(learner_id, units)])


def bulk_progress(
    org_id: int,
    suite: Suite,
    plans: Iterable[tuple[int, dict[str, UnitSeed]]],
) -> None:
    """Insert suite assignments, unit rows and attempts for many learners; commits."""
    plans = list(plans)
    learner_ids = [learner_id for learner_id, _ in plans]
    assignment_ids = insert_suite_assignments(org_id, suite, learner_ids)
    unit_rows = [
        unit_row(org_id, suite, assignment_ids[learner_id], learner_id, key, seed)
        for learner_id, units in plans
        for key, seed in units.items()
    ]
    insert_batches(UnitAssignment, unit_rows)
    unit_ids = unit_assignment_ids(org_id, suite.key, learner_ids)
    attempts = [
        attempt
        for learner_id, units in plans
        for key, seed in units.items()
        for attempt in attempt_rows(
            org_id, suite, unit_ids[learner_id, key], learner_id, key, seed
        )
    ]
    insert_batches(Attempt, attempts)
    db.session.commit()


def insert_batches(model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows with Core executemany, which both drivers batch."""
    connection = db.session.connection()
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(model.__table__), rows[start : start + BATCH])


def insert_suite_assignments(
    org_id: int, suite: Suite, learner_ids: list[int]
) -> dict[int, int]:
    rows = [
        {
            "org_id": org_id,
            "learner_id": learner_id,
            "suite_key": suite.key,
            "suite_version": suite.version,
            "kind": AssignmentKind.SUBSCRIPTION,
            "term_start": BASE_TIME,
            "term_end": BASE_TIME + timedelta(days=365),
            "auto_reassign": True,
        }
        for learner_id in learner_ids
    ]
    insert_batches(SuiteAssignment, rows)
    query = select(SuiteAssignment.learner_id, SuiteAssignment.id).where(
        SuiteAssignment.org_id == org_id,
        SuiteAssignment.suite_key == suite.key,
        SuiteAssignment.learner_id.in_(learner_ids),
    )
    return {learner_id: row_id for learner_id, row_id in db.session.execute(query)}


def unit_assignment_ids(
    org_id: int, suite_key: str, learner_ids: list[int]
) -> dict[tuple[int, str], int]:
    query = select(
        UnitAssignment.learner_id, UnitAssignment.unit_key, UnitAssignment.id
    ).where(
        UnitAssignment.org_id == org_id,
        UnitAssignment.suite_key == suite_key,
        UnitAssignment.learner_id.in_(learner_ids),
    )
    rows = db.session.execute(query)
    return {(learner, unit): row_id for learner, unit, row_id in rows}


def unit_row(
    org_id: int,
    suite: Suite,
    assignment_id: int,
    learner_id: int,
    unit_key: str,
    seed: UnitSeed,
) -> dict[str, Any]:
    unit = suite.unit(unit_key)
    if unit is None:
        raise KeyError(f"suite {suite.key} has no unit {unit_key!r}")
    last = attempt_time(len(seed.scores)) if seed.scores else None
    is_passed = seed.status is UnitStatus.PASSED
    return {
        "org_id": org_id,
        "suite_assignment_id": assignment_id,
        "learner_id": learner_id,
        "suite_key": suite.key,
        "unit_key": unit.key,
        "area_key": unit.area,
        "unit_kind": unit.kind,
        "position": unit.order,
        "status": seed.status,
        "attempts_allowed": max(seed.attempts_allowed, seed.attempts_used, 1),
        "attempts_used": seed.attempts_used,
        "extra_attempts": 0,
        "auto_reassigned": False,
        "best_score": max(seed.scores) if seed.scores else None,
        "passed_score": seed.scores[-1] if is_passed and seed.scores else None,
        "last_score": seed.scores[-1] if seed.scores else None,
        "last_attempt_at": last,
        "passed_at": last if is_passed else None,
        "paid_credits": 0,
        "assigned_at": BASE_TIME,
        "reassigned_by_id": seed.reassigned_by_id,
        "reassigned_at": last + timedelta(hours=2)
        if seed.status is UnitStatus.REASSIGNED and last
        else None,
    }


def attempt_time(number: int) -> datetime:
    return BASE_TIME + timedelta(days=number)


def attempt_rows(
    org_id: int,
    suite: Suite,
    unit_assignment_id: int,
    learner_id: int,
    unit_key: str,
    seed: UnitSeed,
) -> list[dict[str, Any]]:
    mark = suite.rules.pass_mark
    rows = []
    for number, score in enumerate(seed.scores, start=1):
        started = attempt_time(number) - timedelta(minutes=20)
        rows.append(
            {
                **attempt_base(
                    org_id, suite, unit_assignment_id, learner_id, unit_key, number
                ),
                "started_at": started,
                "saved_at": attempt_time(number),
                "submitted_at": attempt_time(number),
                "score": score,
                "correct": score // 10,
                "total": 10,
                "passed": score >= mark,
                "pass_mark": mark,
            }
        )
    if seed.open_attempt:
        number = len(seed.scores) + 1
        rows.append(
            {
                **attempt_base(
                    org_id, suite, unit_assignment_id, learner_id, unit_key, number
                ),
                "started_at": attempt_time(number),
                "saved_at": None,
                "submitted_at": None,
                "score": None,
                "correct": None,
                "total": None,
                "passed": None,
                "pass_mark": None,
            }
        )
    return rows


def attempt_base(
    org_id: int,
    suite: Suite,
    unit_assignment_id: int,
    learner_id: int,
    unit_key: str,
    number: int,
) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "unit_assignment_id": unit_assignment_id,
        "learner_id": learner_id,
        "number": number,
        "suite_key": suite.key,
        "suite_version": suite.version,
        "unit_key": unit_key,
        "question_ids": [],
        "answers": {},
    }


# Credentials


def seed_credential(
    org: Organisation, learner: User, suite: Suite, revoked: bool = False
) -> Credential:
    """Insert a credential as the credential service issues it; commits."""
    credential = Credential(
        public_id=secrets.token_urlsafe(16),
        # Fixed per learner, so docs/matrix.png does not change between runs.
        code=f"LAU-{org.id:04d}-{learner.id:04d}",
        org_id=org.id,
        learner_id=learner.id,
        suite_key=suite.key,
        suite_version=suite.version,
        suite_title=suite.title,
        learner_name=learner.full_name,
        org_name=org.name,
        issued_at=BASE_TIME + timedelta(days=30),
        areas=[{"key": a.key, "title": a.title, "score": 80} for a in suite.areas],
        signer_name="Ines Instructor",
        revoked_at=BASE_TIME + timedelta(days=40) if revoked else None,
        revoke_reason="issued in error" if revoked else None,
    )
    db.session.add(credential)
    db.session.commit()
    return credential
