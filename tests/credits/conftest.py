"""Fixtures for the credit ledger tests.

After every test that builds the app, ``ledger_invariant`` checks the
committed ledger (see ledger_check.py) and fails the test on any breach.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.plugins.registry import hooks
from laurel_credits import services

from tests.credits.ledger_check import CHECK_LOG, ledger_problems

INVARIANT_TEST = "test_ledger_invariant.py::test_invariant_after_every_scenario"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the whole-run invariant test after every other test."""
    last = [item for item in items if INVARIANT_TEST in item.nodeid]
    for item in last:
        items.remove(item)
    items.extend(last)


@pytest.fixture(autouse=True)
def ledger_invariant(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    yield
    db.session.rollback()
    with app.app_context(), db.engine.connect() as connection:
        problems = ledger_problems(connection)
    CHECK_LOG.add(request.node.nodeid, problems)
    assert not problems, "ledger invariant broken:\n" + "\n".join(problems)


@pytest.fixture
def billing(app: Flask) -> Any:
    """The hook caller, so tests go through the plugin as the core does."""
    return hooks(app)


@pytest.fixture
def org(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("riverside", "Riverside College")


@pytest.fixture
def learners(org: Organisation, make_user: Callable[..., User]) -> list[User]:
    return [make_user(org, Role.LEARNER, first_name=f"Learner{n}") for n in range(3)]


@pytest.fixture
def grant(app: Flask) -> Callable[..., services.Outcome]:
    def record(org: Organisation, amount: int, note: str = "INV-1") -> services.Outcome:
        outcome = services.purchase(org.id, amount, note, None, f"test:{uuid.uuid4()}")
        db.session.commit()
        return outcome

    return record
