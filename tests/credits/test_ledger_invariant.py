"""The ledger invariant over the whole run of credit tests.

``conftest.py`` moves this test to the end of the session. Each earlier
credits test that built the app had its ledger checked at teardown. This
test fails if any of those checks found a breach. It then runs one mixed
scenario of its own across two organisations and checks that too.
"""

from __future__ import annotations

import pytest
from laurel.billing import InsufficientCredits
from laurel.extensions import db
from laurel_credits import services

from tests.credits.helpers import line
from tests.credits.ledger_check import CHECK_LOG, ledger_problems


def mixed_scenario(billing, orgs, make_user) -> None:
    for number, org in enumerate(orgs):
        learner = make_user(org)
        services.purchase(org.id, 10 + number, "INV", None, f"buy-{number}")
        billing.laurel_charge(
            org_id=org.id,
            lines=[line(learner, credits=4)],
            idempotency_key="c",
            actor_id=None,
            reason="assign",
        )
        billing.laurel_refund(
            org_id=org.id,
            lines=[line(learner, credits=4)],
            idempotency_key="r",
            actor_id=None,
            reason="unassign",
        )
        services.correct(org.id, -1, "fix", None, "fix")
        db.session.commit()
        with pytest.raises(InsufficientCredits):
            billing.laurel_charge(
                org_id=org.id,
                lines=[line(learner, credits=50)],
                idempotency_key="big",
                actor_id=None,
                reason="too much",
            )
        db.session.rollback()


def test_invariant_after_every_scenario(app, billing, make_org, make_user) -> None:
    failures = CHECK_LOG.failures()
    assert not failures, "\n".join(
        f"{test}: {found}" for test, found in failures.items()
    )
    mixed_scenario(billing, [make_org("first"), make_org("second")], make_user)
    with db.engine.connect() as connection:
        assert ledger_problems(connection) == []
    assert [services.balance(org_id) for org_id in (1, 2)] == [9, 10]
