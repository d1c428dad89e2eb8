"""The platform with the credits plugin left out: nothing is charged."""

from __future__ import annotations

import pytest
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.migrations_support import version_locations
from laurel.plugins.registry import state
from laurel_credits.models import LedgerEntry
from laurel_credits.plugin import VERSIONS_DIR
from sqlalchemy import func, select

from tests.credits.helpers import line


@pytest.fixture
def app_config(app_config):
    app_config["PLUGINS"] = "workplace_readiness"
    return app_config


def test_credits_plugin_not_loaded(app) -> None:
    record = state(app).records.get("credits")
    assert record is None or record.excluded
    assert str(VERSIONS_DIR) not in version_locations(app)


def test_billing_hooks_return_none(app, billing, org, learners) -> None:
    lines = [line(learners[0], "subscription", credits=5)]
    assert billing.laurel_balance(org_id=org.id) is None
    assert billing.laurel_quote(org_id=org.id, lines=lines) is None
    charged = billing.laurel_charge(
        org_id=org.id, lines=lines, idempotency_key="k", actor_id=None, reason="assign"
    )
    assert charged is None
    refunded = billing.laurel_refund(
        org_id=org.id, lines=lines, idempotency_key="r", actor_id=None, reason="undo"
    )
    assert refunded is None
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_no_credit_pages_or_commands(app, login, org, make_user) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not {name for name in endpoints if name.startswith("credits.")}
    assert "credits" not in app.cli.commands
    body = login(make_user(org, Role.ORG_ADMIN)).get("/learners").get_data(as_text=True)
    assert "credit-balance" not in body
    assert login(make_user(org, Role.ORG_ADMIN)).get("/credits").status_code == 404
