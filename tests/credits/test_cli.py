"""``laurel credits grant``, ``balance`` and ``history``."""

from __future__ import annotations

import json

import pytest
from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import Role
from laurel_credits import services
from sqlalchemy import select

from tests.credits.helpers import line


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=["credits", *args])
        db.session.expire_all()
        return result

    return invoke


def test_grant_records_purchase(app, run, org) -> None:
    result = run("grant", "riverside", "40", "--note", "INV-2025-031")
    assert result.exit_code == 0, result.output
    assert result.output == "Granted 40 credits to riverside; balance 40.\n"
    assert services.balance(org.id) == 40
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "credits.purchased")
    )
    assert event.actor_id is None
    assert event.details["note"] == "INV-2025-031"


def test_grant_by_platform_admin(app, run, org, make_user) -> None:
    admin = make_user(None, Role.PLATFORM_ADMIN, email="pat@platform.example")
    result = run(
        "grant", "riverside", "5", "--note", "INV-1", "--by", "PAT@platform.example"
    )
    assert result.exit_code == 0, result.output
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "credits.purchased")
    )
    assert event.actor_id == admin.id


def test_grant_with_key_records_once(app, run, org) -> None:
    first = run("grant", "riverside", "5", "--note", "INV-1", "--key", "batch-7")
    again = run("grant", "riverside", "5", "--note", "INV-1", "--key", "batch-7")
    assert first.exit_code == 0
    assert again.exit_code == 0
    assert again.output.startswith("Already granted as entry 1; nothing added.")
    assert services.balance(org.id) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere", "5", "--note", "x"], "no organisation with slug 'nowhere'"),
        (["riverside", "0", "--note", "x"], "amount 0 is invalid; grant a positive"),
        (["riverside", "-5", "--note", "x"], "amount -5 is invalid; grant a positive"),
        (["riverside", "ten", "--note", "x"], "'ten' is not a valid integer"),
        (["riverside", "5", "--note", "  "], "The note is missing"),
        (["riverside", "5"], "Missing option '--note'"),
        (
            ["riverside", "5", "--note", "x", "--by", "who@x.example"],
            "no platform admin",
        ),
    ],
)
def test_grant_errors_name_value(app, run, org, args, message) -> None:
    result = run("grant", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert services.balance(org.id) == 0


def test_grant_by_org_admin_rejected(app, run, org, make_user) -> None:
    admin = make_user(org, Role.ORG_ADMIN)
    result = run("grant", "riverside", "5", "--note", "x", "--by", admin.email)
    assert result.exit_code == 1
    assert f"no platform admin with email {admin.email!r}" in result.output


def test_balance_prints_number(app, run, org, grant) -> None:
    assert run("balance", "riverside").output == "0\n"
    grant(org, 12)
    assert run("balance", "riverside").output == "12\n"
    unknown = run("balance", "nowhere")
    assert unknown.exit_code == 1
    assert "no organisation with slug 'nowhere'" in unknown.output


def test_history_text_and_json(app, run, org, learners, grant, make_user) -> None:
    instructor = make_user(org, Role.INSTRUCTOR)
    grant(org, 10, note="INV-9")
    services.charge(
        org.id, [line(learners[0], credits=3)], "assign-1", instructor.id, "assign unit"
    )
    db.session.commit()
    text = run("history", "riverside").output.splitlines()
    assert len(text) == 2
    assert text[0].split("\t")[1:] == [
        "purchase",
        "+10",
        "10",
        "system",
        "Credit purchase",
        "INV-9",
    ]
    assert text[1].split("\t")[1:6] == [
        "charge",
        "-3",
        "7",
        instructor.email,
        "assign unit",
    ]
    rows = json.loads(run("history", "riverside", "--json").output)
    assert [row["kind"] for row in rows] == ["purchase", "charge"]
    assert rows[1]["amount"] == -3
    assert rows[1]["balance_after"] == 7
    assert rows[1]["learner"] == learners[0].email
    assert rows[1]["lines"] == [
        {
            "kind": "unit",
            "suite": "workplace_readiness",
            "unit": "communication",
            "learner": learners[0].email,
            "credits": 3,
        }
    ]


def test_history_of_other_org_excluded(app, run, org, make_org, grant) -> None:
    grant(org, 1)
    grant(make_org("elsewhere"), 2)
    rows = json.loads(run("history", "riverside", "--json").output)
    assert [row["amount"] for row in rows] == [1]
