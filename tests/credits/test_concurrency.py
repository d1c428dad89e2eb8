"""Racing requests on PostgreSQL, each on its own connection.

Every worker thread pushes its own app context, so Flask-SQLAlchemy gives
it its own session and pooled connection. A barrier releases the workers
together after each has opened its transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from laurel.billing import IdempotencyConflict, InsufficientCredits
from laurel.extensions import db
from laurel.plugins.registry import hooks
from laurel_credits import services
from laurel_credits.models import EntryKind, LedgerEntry

from tests.credits.helpers import line

pytestmark = pytest.mark.backends("postgresql")

# Only a guard against a hung test: the barrier normally opens at once.
BARRIER_TIMEOUT = 60


@dataclass
class RaceOutcome:
    results: list[Any] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    backend_pids: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def race(app: Flask, calls: list[Callable[[], Any]]) -> RaceOutcome:
    """Run each call in its own thread and transaction, all released at once."""
    outcome = RaceOutcome()
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)

    def work(call: Callable[[], Any]) -> None:
        with app.app_context():
            pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
            barrier.wait()
            try:
                result = call()
                db.session.commit()
            except Exception as error:  # collected for the test to inspect
                db.session.rollback()
                with outcome.lock:
                    outcome.errors.append(error)
            else:
                with outcome.lock:
                    outcome.results.append(result)
            finally:
                with outcome.lock:
                    outcome.backend_pids.add(pid)
                db.session.remove()

    threads = [threading.Thread(target=work, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def charge_call(
    app: Flask, org_id: int, lines: list[dict], key: str
) -> Callable[[], Any]:
    def call() -> Any:
        return hooks(app).laurel_charge(
            org_id=org_id,
            lines=lines,
            idempotency_key=key,
            actor_id=None,
            reason="racing assignment",
        )

    return call


def charge_entries(org_id: int) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            sa.select(LedgerEntry).where(
                LedgerEntry.org_id == org_id, LedgerEntry.kind == EntryKind.CHARGE
            )
        )
    )


def test_ten_charges_from_three_credits(app, billing, org, learners, grant) -> None:
    grant(org, 3)
    calls = [
        charge_call(app, org.id, [line(learners[n % 3], credits=1)], f"spend-{n}")
        for n in range(10)
    ]
    outcome = race(app, calls)
    db.session.expire_all()
    assert len(outcome.backend_pids) == 10, "workers shared a connection"
    assert len(outcome.results) == 3
    assert len(outcome.errors) == 7
    for error in outcome.errors:
        assert isinstance(error, InsufficientCredits), repr(error)
        assert error.balance == 0
        assert "Not enough credits" in str(error)
    assert sorted(result["balance"] for result in outcome.results) == [0, 1, 2]
    assert billing.laurel_balance(org_id=org.id) == 0
    assert len(charge_entries(org.id)) == 3


def test_identical_requests_charge_once(app, billing, org, learners, grant) -> None:
    grant(org, 10)
    lines = [line(learners[0], credits=4)]
    outcome = race(app, [charge_call(app, org.id, lines, "double-click")] * 2)
    db.session.expire_all()
    assert outcome.errors == []
    first, second = sorted(outcome.results, key=lambda result: result["replayed"])
    assert first["replayed"] is False
    assert second == {**first, "replayed": True}
    assert billing.laurel_balance(org_id=org.id) == 6
    assert len(charge_entries(org.id)) == 1


def test_same_key_racing_other_lines(app, billing, org, learners, grant) -> None:
    grant(org, 10)
    calls = [
        charge_call(app, org.id, [line(learners[0], credits=1)], "shared-key"),
        charge_call(app, org.id, [line(learners[1], credits=2)], "shared-key"),
    ]
    outcome = race(app, calls)
    db.session.expire_all()
    assert len(outcome.results) == 1
    assert len(outcome.errors) == 1
    assert isinstance(outcome.errors[0], IdempotencyConflict)
    assert billing.laurel_balance(org_id=org.id) == 10 - outcome.results[0]["charged"]


def test_identical_purchases_add_once(app, billing, org) -> None:
    org_id = org.id  # read here: the workers must not touch the main session

    def call() -> services.Outcome:
        return services.purchase(org_id, 7, "INV-88", None, "purchase-double-click")

    outcome = race(app, [call, call])
    db.session.expire_all()
    assert outcome.errors == []
    assert sorted(result.replayed for result in outcome.results) == [False, True]
    assert billing.laurel_balance(org_id=org.id) == 7


def test_refunds_race_for_one_charge(app, billing, org, learners, grant) -> None:
    grant(org, 5)
    lines = [line(learners[0], credits=2)]
    billing.laurel_charge(
        org_id=org.id,
        lines=lines,
        idempotency_key="buy",
        actor_id=None,
        reason="assign",
    )
    db.session.commit()
    org_id = org.id  # read here: the workers must not touch the main session

    def refund_call(key: str) -> Callable[[], Any]:
        return lambda: hooks(app).laurel_refund(
            org_id=org_id,
            lines=lines,
            idempotency_key=key,
            actor_id=None,
            reason="unassign",
        )

    outcome = race(app, [refund_call("refund-a"), refund_call("refund-b")])
    db.session.expire_all()
    assert len(outcome.results) == 1
    assert len(outcome.errors) == 1
    assert isinstance(outcome.errors[0], services.InvalidBillingRequest)
    assert billing.laurel_balance(org_id=org.id) == 5
