"""The billing hooks and ledger operations, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from laurel.audit.models import AuditEvent
from laurel.billing import IdempotencyConflict, InsufficientCredits
from laurel.extensions import db
from laurel.identity.models import Role
from laurel_credits import services
from laurel_credits.models import (
    CreditAccount,
    EntryKind,
    LedgerEntry,
    LedgerLine,
    PaidFor,
)
from sqlalchemy import func, select

from tests.credits.helpers import SUITE, line


def entries(org_id: int) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.org_id == org_id)
            .order_by(LedgerEntry.id)
        )
    )


def audit_actions(org_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.org_id == org_id, AuditEvent.action.like("credits.%"))
            .order_by(AuditEvent.id)
        )
    )


# Purchases


def test_purchase_adds_credits(app, billing, org, make_user) -> None:
    admin = make_user(None, Role.PLATFORM_ADMIN)
    outcome = services.purchase(org.id, 25, "INV-2025-001", admin.id, "buy-1")
    db.session.commit()
    assert outcome.replayed is False
    assert billing.laurel_balance(org_id=org.id) == 25
    [entry] = entries(org.id)
    assert entry.kind is EntryKind.PURCHASE
    assert entry.amount == 25
    assert entry.balance_after == 25
    assert entry.note == "INV-2025-001"
    assert entry.actor_id == admin.id
    assert entry.paid_for is PaidFor.NONE
    assert entry.lines == []
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "credits.purchased")
    )
    assert event.actor_id == admin.id
    assert event.object_id == str(entry.id)
    assert event.details["amount"] == 25


def test_purchase_replay_adds_once(app, billing, org) -> None:
    first = services.purchase(org.id, 10, "INV-7", None, "buy-7")
    again = services.purchase(org.id, 10, "INV-7", None, "buy-7")
    db.session.commit()
    assert again.replayed is True
    assert again.entry.id == first.entry.id
    assert billing.laurel_balance(org_id=org.id) == 10
    assert audit_actions(org.id) == ["credits.purchased"]


@pytest.mark.parametrize("amount", [0, -5, True, "5"])
def test_purchase_rejects_bad_amount(app, org, amount) -> None:
    with pytest.raises(services.InvalidBillingRequest, match="amount"):
        services.purchase(org.id, amount, "INV-1", None, "buy-bad")
    assert entries(org.id) == []


def test_purchase_needs_note(app, org) -> None:
    with pytest.raises(services.InvalidBillingRequest, match="note is missing"):
        services.purchase(org.id, 5, "   ", None, "buy-no-note")


def test_purchase_for_unknown_organisation(app) -> None:
    with pytest.raises(
        services.InvalidBillingRequest, match="no organisation with id 999"
    ):
        services.purchase(999, 5, "INV-1", None, "buy-nowhere")


def test_balance_before_any_purchase(app, billing, org) -> None:
    assert billing.laurel_balance(org_id=org.id) == 0


# Quotes


def test_quote_names_total_balance_short(app, billing, org, learners, grant) -> None:
    grant(org, 4)
    lines = [line(learner, "subscription", credits=5) for learner in learners[:2]]
    lines.append(line(learners[2], "unit", credits=1, suite="food_safety"))
    quote = billing.laurel_quote(org_id=org.id, lines=lines)
    assert quote["total"] == 11
    assert quote["balance"] == 4
    assert quote["short"] == 7
    assert quote["by_suite"] == {SUITE: 10, "food_safety": 1}
    assert entries(org.id)[-1].kind is EntryKind.PURCHASE  # nothing recorded


def test_quote_covered_has_no_shortfall(app, billing, org, learners, grant) -> None:
    grant(org, 20)
    quote = billing.laurel_quote(org_id=org.id, lines=[line(learners[0], credits=3)])
    assert quote == {"total": 3, "balance": 20, "short": 0, "by_suite": {SUITE: 3}}


# Charges


def test_charge_takes_credits(app, billing, org, learners, grant, make_user) -> None:
    instructor = make_user(org, Role.INSTRUCTOR)
    grant(org, 12)
    lines = [line(learner, "subscription", credits=5) for learner in learners[:2]]
    result = billing.laurel_charge(
        org_id=org.id,
        lines=lines,
        idempotency_key="assign-1",
        actor_id=instructor.id,
        reason="assign Workplace Readiness to 2 learners",
    )
    db.session.commit()
    assert result["charged"] == 10
    assert result["balance"] == 2
    assert result["replayed"] is False
    entry = db.session.get(LedgerEntry, result["entry_id"])
    assert entry.kind is EntryKind.CHARGE
    assert entry.amount == -10
    assert entry.balance_after == 2
    assert entry.paid_for is PaidFor.SUBSCRIPTION
    assert entry.suite == SUITE
    assert entry.unit is None
    assert entry.learner_id is None  # two learners
    assert entry.reason == "assign Workplace Readiness to 2 learners"
    assert [(x.learner_id, x.credits) for x in entry.lines] == [
        (learners[0].id, 5),
        (learners[1].id, 5),
    ]
    assert billing.laurel_balance(org_id=org.id) == 2
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "credits.charged")
    )
    assert event.actor_id == instructor.id
    assert event.details["amount"] == -10


def test_charge_of_one_line_names_learner(app, billing, org, learners, grant) -> None:
    grant(org, 5)
    result = billing.laurel_charge(
        org_id=org.id,
        lines=[line(learners[0], "reassignment", credits=2)],
        idempotency_key="retry-1",
        actor_id=None,
        reason="reassign communication",
    )
    entry = db.session.get(LedgerEntry, result["entry_id"])
    db.session.commit()
    assert entry.paid_for is PaidFor.REASSIGNMENT
    assert entry.unit == "communication"
    assert entry.learner_id == learners[0].id


def test_charge_mixed_kinds(app, billing, org, learners, grant) -> None:
    grant(org, 10)
    lines = [
        line(learners[0], "subscription", credits=5),
        line(learners[0], "unit", credits=1),
    ]
    result = billing.laurel_charge(
        org_id=org.id, lines=lines, idempotency_key="mixed", actor_id=None, reason="x"
    )
    db.session.commit()
    assert db.session.get(LedgerEntry, result["entry_id"]).paid_for is PaidFor.MIXED


def test_insufficient_credits_leaves_balance(
    app, billing, org, learners, grant
) -> None:
    grant(org, 4)
    lines = [line(learner, "subscription", credits=5) for learner in learners[:1]]
    with pytest.raises(InsufficientCredits) as raised:
        billing.laurel_charge(
            org_id=org.id,
            lines=lines,
            idempotency_key="too-much",
            actor_id=None,
            reason="assign",
        )
    assert raised.value.needed == 5
    assert raised.value.balance == 4
    assert raised.value.short == 1
    assert "Not enough credits" in str(raised.value)
    db.session.rollback()
    assert billing.laurel_balance(org_id=org.id) == 4
    assert [e.kind for e in entries(org.id)] == [EntryKind.PURCHASE]
    assert audit_actions(org.id) == ["credits.purchased"]


def test_charge_without_account_is_short(app, billing, org, learners) -> None:
    with pytest.raises(InsufficientCredits) as raised:
        billing.laurel_charge(
            org_id=org.id,
            lines=[line(learners[0])],
            idempotency_key="k",
            actor_id=None,
            reason="assign",
        )
    assert raised.value.short == 1


def test_charge_joins_caller_transaction(app, billing, org, learners, grant) -> None:
    grant(org, 5)
    billing.laurel_charge(
        org_id=org.id,
        lines=[line(learners[0], credits=2)],
        idempotency_key="rolled",
        actor_id=None,
        reason="assign",
    )
    db.session.rollback()  # the caller's assignment failed, say
    assert billing.laurel_balance(org_id=org.id) == 5
    assert len(entries(org.id)) == 1


def test_zero_charge_records_nothing(app, billing, org, learners, grant) -> None:
    grant(org, 1)
    result = billing.laurel_charge(
        org_id=org.id,
        lines=[line(learners[0], "reassignment", credits=0)],
        idempotency_key="free",
        actor_id=None,
        reason="free reassignment",
    )
    db.session.commit()
    assert result == {"charged": 0, "balance": 1, "entry_id": None, "replayed": False}
    assert len(entries(org.id)) == 1


# Idempotency


def test_charge_replay_charges_once(app, billing, org, learners, grant) -> None:
    grant(org, 10)
    arguments = {
        "org_id": org.id,
        "lines": [line(learners[0], credits=3), line(learners[1], credits=3)],
        "idempotency_key": "double-click",
        "actor_id": None,
        "reason": "assign",
    }
    first = billing.laurel_charge(**arguments)
    db.session.commit()
    again = billing.laurel_charge(**arguments)
    db.session.commit()
    assert again == {**first, "replayed": True}
    assert billing.laurel_balance(org_id=org.id) == 4
    assert len(entries(org.id)) == 2
    assert audit_actions(org.id) == ["credits.purchased", "credits.charged"]


def test_replay_ignores_line_order(app, billing, org, learners, grant) -> None:
    grant(org, 10)
    lines = [line(learners[0], credits=3), line(learners[1], credits=2)]
    first = billing.laurel_charge(
        org_id=org.id, lines=lines, idempotency_key="k", actor_id=None, reason="r"
    )
    again = billing.laurel_charge(
        org_id=org.id, lines=lines[::-1], idempotency_key="k", actor_id=None, reason="r"
    )
    db.session.commit()
    assert again["entry_id"] == first["entry_id"]
    assert again["replayed"] is True


def test_replay_after_balance_spent(app, billing, org, learners, grant) -> None:
    grant(org, 2)
    arguments = {
        "org_id": org.id,
        "lines": [line(learners[0], credits=2)],
        "idempotency_key": "retry",
        "actor_id": None,
        "reason": "assign",
    }
    first = billing.laurel_charge(**arguments)
    db.session.commit()
    again = billing.laurel_charge(**arguments)
    assert again["replayed"] is True
    assert again["balance"] == first["balance"] == 0


def test_same_key_other_lines_conflicts(app, billing, org, learners, grant) -> None:
    grant(org, 10)
    billing.laurel_charge(
        org_id=org.id,
        lines=[line(learners[0], credits=1)],
        idempotency_key="reused",
        actor_id=None,
        reason="assign",
    )
    db.session.commit()
    with pytest.raises(IdempotencyConflict) as raised:
        billing.laurel_charge(
            org_id=org.id,
            lines=[line(learners[1], credits=1)],
            idempotency_key="reused",
            actor_id=None,
            reason="assign",
        )
    assert raised.value.key == "reused"
    db.session.rollback()
    assert billing.laurel_balance(org_id=org.id) == 9


def test_charge_key_reused_by_refund_conflicts(
    app, billing, org, learners, grant
) -> None:
    grant(org, 10)
    lines = [line(learners[0], credits=1)]
    billing.laurel_charge(
        org_id=org.id, lines=lines, idempotency_key="one-key", actor_id=None, reason="a"
    )
    with pytest.raises(IdempotencyConflict):
        billing.laurel_refund(
            org_id=org.id,
            lines=lines,
            idempotency_key="one-key",
            actor_id=None,
            reason="r",
        )
    db.session.rollback()


def test_keys_are_per_organisation(app, billing, make_org, make_user, grant) -> None:
    orgs = [make_org("north"), make_org("south")]
    for each in orgs:
        grant(each, 5)
    results = [
        billing.laurel_charge(
            org_id=each.id,
            lines=[line(make_user(each), credits=1)],
            idempotency_key="same-key",
            actor_id=None,
            reason="assign",
        )
        for each in orgs
    ]
    db.session.commit()
    assert [r["replayed"] for r in results] == [False, False]
    assert results[0]["entry_id"] != results[1]["entry_id"]


@pytest.mark.parametrize("key", ["", "   ", None, 12, "k" * 201])
def test_bad_idempotency_key_rejected(app, billing, org, learners, grant, key) -> None:
    grant(org, 5)
    with pytest.raises(services.InvalidBillingRequest, match="idempotency key"):
        billing.laurel_charge(
            org_id=org.id,
            lines=[line(learners[0])],
            idempotency_key=key,
            actor_id=None,
            reason="assign",
        )


# Line validation


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "gift"}, "kind 'gift' is invalid"),
        ({"credits": -1}, "credits -1 is invalid"),
        ({"credits": 1.5}, "credits 1.5 is invalid"),
        ({"credits": True}, "credits True is invalid"),
        ({"suite": ""}, "suite '' is missing"),
        ({"unit": None}, "a unit line needs a unit key"),
        ({"learner_id": "7"}, "learner_id '7' is invalid"),
    ],
)
def test_bad_line_is_named(app, billing, org, learners, grant, change, message) -> None:
    grant(org, 5)
    bad = {**line(learners[0]), **change}
    with pytest.raises(services.InvalidBillingRequest, match=message):
        billing.laurel_charge(
            org_id=org.id,
            lines=[line(learners[1]), bad],
            idempotency_key="k",
            actor_id=None,
            reason="assign",
        )
    assert billing.laurel_balance(org_id=org.id) == 5


def test_empty_lines_rejected(app, billing, org) -> None:
    with pytest.raises(services.InvalidBillingRequest, match="non-empty list"):
        billing.laurel_quote(org_id=org.id, lines=[])


def test_learner_of_other_org_rejected(
    app, billing, org, make_org, make_user, grant
) -> None:
    grant(org, 5)
    stranger = make_user(make_org("elsewhere"))
    with pytest.raises(
        services.InvalidBillingRequest, match=f"learner ids \\[{stranger.id}\\]"
    ):
        billing.laurel_charge(
            org_id=org.id,
            lines=[line(stranger)],
            idempotency_key="k",
            actor_id=None,
            reason="assign",
        )
    assert billing.laurel_balance(org_id=org.id) == 5


# Refunds


def charge_unit(billing, org, learner, key: str = "buy-unit", credits: int = 2) -> dict:
    result = billing.laurel_charge(
        org_id=org.id,
        lines=[line(learner, credits=credits)],
        idempotency_key=key,
        actor_id=None,
        reason="assign communication",
    )
    db.session.commit()
    return result


def test_refund_returns_credits_once(
    app, billing, org, learners, grant, make_user
) -> None:
    instructor = make_user(org, Role.INSTRUCTOR)
    grant(org, 5)
    charge_unit(billing, org, learners[0])
    arguments = {
        "org_id": org.id,
        "lines": [line(learners[0], credits=2)],
        "idempotency_key": "unassign-41",
        "actor_id": instructor.id,
        "reason": "unassign communication before it started",
    }
    first = billing.laurel_refund(**arguments)
    db.session.commit()
    again = billing.laurel_refund(**arguments)
    db.session.commit()
    assert first["refunded"] == 2
    assert first["balance"] == 5
    assert first["replayed"] is False
    assert again == {**first, "replayed": True}
    assert billing.laurel_balance(org_id=org.id) == 5
    assert [e.kind for e in entries(org.id)] == [
        EntryKind.PURCHASE,
        EntryKind.CHARGE,
        EntryKind.REFUND,
    ]
    assert audit_actions(org.id)[-1] == "credits.refunded"


def test_refund_beyond_charge_rejected(app, billing, org, learners, grant) -> None:
    grant(org, 5)
    charge_unit(billing, org, learners[0])
    billing.laurel_refund(
        org_id=org.id,
        lines=[line(learners[0], credits=2)],
        idempotency_key="r1",
        actor_id=None,
        reason="unassign",
    )
    db.session.commit()
    with pytest.raises(
        services.InvalidBillingRequest, match="0 charged and not yet refunded"
    ):
        billing.laurel_refund(
            org_id=org.id,
            lines=[line(learners[0], credits=2)],
            idempotency_key="r2",
            actor_id=None,
            reason="unassign again",
        )
    db.session.rollback()
    assert billing.laurel_balance(org_id=org.id) == 5


def test_refund_of_unbought_unit_rejected(app, billing, org, learners, grant) -> None:
    grant(org, 5)
    charge_unit(billing, org, learners[0])
    with pytest.raises(services.InvalidBillingRequest, match="0 charged"):
        billing.laurel_refund(
            org_id=org.id,
            lines=[line(learners[1], credits=2)],
            idempotency_key="r",
            actor_id=None,
            reason="unassign",
        )


def test_subscription_not_refundable(app, billing, org, learners, grant) -> None:
    grant(org, 5)
    billing.laurel_charge(
        org_id=org.id,
        lines=[line(learners[0], "subscription", credits=5)],
        idempotency_key="sub",
        actor_id=None,
        reason="subscribe",
    )
    db.session.commit()
    with pytest.raises(
        services.NotRefundable, match="subscriptions are not refundable"
    ):
        billing.laurel_refund(
            org_id=org.id,
            lines=[line(learners[0], "subscription", credits=5)],
            idempotency_key="sub-refund",
            actor_id=None,
            reason="unassign",
        )
    db.session.rollback()
    assert billing.laurel_balance(org_id=org.id) == 0
    assert EntryKind.REFUND not in [e.kind for e in entries(org.id)]


# Corrections


def test_correction_takes_away(app, billing, org, grant, make_user) -> None:
    admin = make_user(None, Role.PLATFORM_ADMIN)
    grant(org, 10)
    outcome = services.correct(
        org.id, -3, "Invoice 12 was for 7 credits", admin.id, "c1"
    )
    db.session.commit()
    assert outcome.entry.amount == -3
    assert billing.laurel_balance(org_id=org.id) == 7
    assert audit_actions(org.id)[-1] == "credits.corrected"


def test_correction_cannot_go_negative(app, billing, org, grant) -> None:
    grant(org, 2)
    with pytest.raises(
        services.InvalidBillingRequest, match="most that can be taken away is 2"
    ):
        services.correct(org.id, -3, "too much", None, "c1")
    db.session.rollback()
    assert billing.laurel_balance(org_id=org.id) == 2


def test_reversal_cancels_purchase_once(app, billing, org, grant) -> None:
    mistaken = grant(org, 50, note="typed 50 for 5")
    grant(org, 5, note="INV-9")
    reversal = services.reverse(
        org.id, mistaken.entry.id, "wrong amount", None, "rev-1"
    )
    db.session.commit()
    assert reversal.entry.amount == -50
    assert reversal.entry.reverses_entry_id == mistaken.entry.id
    assert billing.laurel_balance(org_id=org.id) == 5
    with pytest.raises(services.InvalidBillingRequest, match="already reversed"):
        services.reverse(org.id, mistaken.entry.id, "again", None, "rev-2")
    db.session.rollback()


def test_reversal_of_charge_rejected(app, billing, org, learners, grant) -> None:
    grant(org, 5)
    result = charge_unit(billing, org, learners[0])
    with pytest.raises(
        services.InvalidBillingRequest, match="only purchases and corrections"
    ):
        services.reverse(org.id, result["entry_id"], "undo", None, "rev")


def test_reversal_of_other_org_entry(app, org, make_org, grant) -> None:
    other = grant(make_org("elsewhere"), 5)
    with pytest.raises(
        services.InvalidBillingRequest, match="not in this organisation"
    ):
        services.reverse(org.id, other.entry.id, "undo", None, "rev")


def test_threshold_setting_stored(app, org) -> None:
    services.set_low_balance_threshold(org.id, 3, None)
    db.session.commit()
    assert db.session.get(CreditAccount, org.id).low_balance_threshold == 3
    with pytest.raises(services.InvalidBillingRequest, match="threshold -1 is invalid"):
        services.set_low_balance_threshold(org.id, -1, None)


def test_lines_store_org(app, billing, org, learners, grant) -> None:
    grant(org, 5)
    charge_unit(billing, org, learners[0])
    stored = db.session.scalars(select(LedgerLine)).all()
    assert [(x.org_id, x.kind, x.suite, x.unit) for x in stored] == [
        (org.id, PaidFor.UNIT, SUITE, "communication")
    ]
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
