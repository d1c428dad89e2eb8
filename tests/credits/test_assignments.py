"""Real assignments through the core's services, paid from the ledger.

Each test runs the assignments domain end to end (plan, quote, charge,
write) against the installed Workplace Readiness suite, then checks the
ledger entries; the ledger invariant is checked after each test too.
"""

from __future__ import annotations

import pytest
from laurel.assignments import attempts, reassignments
from laurel.assignments import services as assignments
from laurel.assignments.models import (
    AssignmentBatch,
    AssignmentKind,
    SuiteAssignment,
    UnitAssignment,
    UnitStatus,
)
from laurel.assignments.selection import Selection
from laurel.billing import InsufficientCredits
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.plugins.registry import get_suite
from laurel_credits.models import EntryKind, LedgerEntry, PaidFor
from sqlalchemy import func, select

from tests.credits.helpers import SUITE


@pytest.fixture
def suite(app):
    found = get_suite(SUITE)
    assert found is not None, "the Workplace Readiness plugin is not loaded"
    return found


@pytest.fixture
def instructor(org, make_user):
    return make_user(org, Role.INSTRUCTOR, first_name="Ines", last_name="Tutor")


def choose(suite, kind=AssignmentKind.SUBSCRIPTION, units=()):
    return assignments.AssignChoice(suite, kind, tuple(units), True)


def selection_of(learners) -> Selection:
    return Selection(user_ids=tuple(learner.id for learner in learners))


def quote_for(org, choice, learners) -> assignments.Quote:
    plan = assignments.plan_assignment(
        org.id, choice, selection_of(learners), assignments.utcnow()
    )
    return assignments.make_quote(org.id, plan.lines, plan.items)


def run_assign(org, instructor, choice, learners, quoted: int | None):
    batch = assignments.assign(
        org.id,
        instructor.id,
        choice,
        selection_of(learners),
        assignments.new_request_token(),
        quoted,
    )
    db.session.commit()
    return batch


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def ledger(org_id: int) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.org_id == org_id)
            .order_by(LedgerEntry.id)
        )
    )


def test_short_mass_assignment_assigns_nothing(
    app, billing, org, learners, instructor, grant, suite
) -> None:
    grant(org, 12)
    choice = choose(suite)
    quote = quote_for(org, choice, learners)
    assert quote.total == 15
    assert quote.balance == 12
    assert quote.short == 3
    with pytest.raises(InsufficientCredits) as raised:
        run_assign(org, instructor, choice, learners, quote.total)
    db.session.rollback()
    assert raised.value.short == 3
    assert "3 short" in str(raised.value)
    assert count(SuiteAssignment) == 0
    assert count(UnitAssignment) == 0
    assert count(AssignmentBatch) == 0
    assert billing.laurel_balance(org_id=org.id) == 12
    assert [entry.kind for entry in ledger(org.id)] == [EntryKind.PURCHASE]


def test_mass_assignment_charges_quoted_amount(
    app, billing, org, learners, instructor, grant, suite
) -> None:
    grant(org, 20)
    choice = choose(suite)
    quote = quote_for(org, choice, learners)
    batch = run_assign(org, instructor, choice, learners, quote.total)
    charge = ledger(org.id)[-1]
    assert charge.kind is EntryKind.CHARGE
    assert charge.amount == -quote.total == -15
    assert batch.credits_charged == quote.total
    assert charge.actor_id == instructor.id
    assert charge.paid_for is PaidFor.SUBSCRIPTION
    assert sorted(line.learner_id for line in charge.lines) == sorted(
        learner.id for learner in learners
    )
    assert {line.credits for line in charge.lines} == {
        suite.pricing.subscription.credits
    }
    assert billing.laurel_balance(org_id=org.id) == 5
    assert count(SuiteAssignment) == 3


def test_subscribed_learners_skipped_free(
    app, billing, org, learners, instructor, grant, suite
) -> None:
    grant(org, 20)
    run_assign(org, instructor, choose(suite), learners[:2], None)
    choice = choose(suite)
    quote = quote_for(org, choice, learners)
    assert quote.total == 5
    batch = run_assign(org, instructor, choice, learners, quote.total)
    assert len(batch.skipped) == 2
    assert batch.credits_charged == 5
    charges = [entry for entry in ledger(org.id) if entry.kind is EntryKind.CHARGE]
    assert [entry.amount for entry in charges] == [-10, -5]
    assert charges[-1].learner_id == learners[2].id
    assert billing.laurel_balance(org_id=org.id) == 5


def test_unassigned_unit_refunded_once(
    app, billing, org, learners, instructor, grant, suite
) -> None:
    grant(org, 5)
    units = [suite.units[0].key, suite.units[2].key]
    choice = choose(suite, AssignmentKind.UNITS, units)
    run_assign(
        org,
        instructor,
        choice,
        learners[:1],
        quote_for(org, choice, learners[:1]).total,
    )
    assert billing.laurel_balance(org_id=org.id) == 3
    ua = db.session.scalar(
        select(UnitAssignment).where(UnitAssignment.unit_key == units[0])
    )
    refunded = reassignments.unassign_unit(ua, instructor.id)
    db.session.commit()
    assert refunded == 1
    refund = ledger(org.id)[-1]
    assert refund.kind is EntryKind.REFUND
    assert refund.amount == 1
    assert refund.unit == units[0]
    assert billing.laurel_balance(org_id=org.id) == 4
    same_line = {
        "kind": "unit",
        "suite": SUITE,
        "unit": units[0],
        "learner_id": learners[0].id,
        "credits": 1,
    }
    replay = billing.laurel_refund(
        org_id=org.id,
        lines=[same_line],
        idempotency_key=refund.idempotency_key,
        actor_id=instructor.id,
        reason="unassigned twice",
    )
    db.session.commit()
    assert replay["replayed"] is True
    assert billing.laurel_balance(org_id=org.id) == 4


def fail_unit(ua: UnitAssignment, suite) -> None:
    """Start an attempt on ``ua`` and submit every answer wrong."""
    attempt = attempts.start_attempt(ua)
    db.session.commit()
    wrong = {
        question.id: (question.answer + 1) % len(question.options)
        for question in attempts.questions_of(attempt, suite)
    }
    assert attempts.submit_attempt(attempt, wrong)
    db.session.commit()


def test_reassignment_outside_subscription_paid(
    app, billing, org, learners, instructor, grant, suite
) -> None:
    grant(org, 5)
    unit_key = next(unit.key for unit in suite.units if unit.is_assessment)
    choice = choose(suite, AssignmentKind.UNITS, [unit_key])
    run_assign(org, instructor, choice, learners[:1], 1)
    ua = db.session.scalar(
        select(UnitAssignment).where(UnitAssignment.unit_key == unit_key)
    )
    fail_unit(ua, suite)
    db.session.refresh(ua)
    assert ua.status is UnitStatus.FAILED
    balance_before = billing.laurel_balance(org_id=org.id)
    targets = reassignments.reassign_targets(org.id, suite, [ua.id])
    batch = reassignments.reassign(
        org, instructor.id, suite, targets, assignments.new_request_token(), None
    )
    db.session.commit()
    reassignment = ledger(org.id)[-1]
    assert reassignment.kind is EntryKind.CHARGE
    assert reassignment.paid_for is PaidFor.REASSIGNMENT
    assert reassignment.amount == -suite.pricing.reassign_credits
    assert batch.credits_charged == suite.pricing.reassign_credits
    assert billing.laurel_balance(org_id=org.id) == (
        balance_before - suite.pricing.reassign_credits
    )
