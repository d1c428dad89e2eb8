"""Rules the database enforces by itself, whatever the Python code does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from laurel.extensions import db

from tests.credits.helpers import line


def execute_raw(statement: str, **parameters: object) -> None:
    """Run ``statement`` on a connection of its own, as another program would."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(statement), parameters)


def charged_org(billing, org, learners, grant) -> None:
    grant(org, 5)
    billing.laurel_charge(
        org_id=org.id,
        lines=[line(learners[0], credits=2)],
        idempotency_key="k",
        actor_id=None,
        reason="assign",
    )
    db.session.commit()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE credit_entries SET amount = 100",
        "UPDATE credit_entries SET note = 'edited'",
        "DELETE FROM credit_entries",
        "UPDATE credit_entry_lines SET credits = 0",
        "DELETE FROM credit_entry_lines",
    ],
)
def test_ledger_rows_append_only(app, billing, org, learners, grant, statement) -> None:
    charged_org(billing, org, learners, grant)
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        execute_raw(statement)
    count = db.session.scalar(sa.text("SELECT COUNT(*) FROM credit_entries"))
    assert count == 2


def test_balance_cannot_go_negative(app, org, grant) -> None:
    grant(org, 3)
    with pytest.raises(sa.exc.IntegrityError, match="balance_not_negative"):
        execute_raw(
            "UPDATE credit_accounts SET balance = -1 WHERE org_id = :org", org=org.id
        )
    balance = db.session.scalar(
        sa.text("SELECT balance FROM credit_accounts WHERE org_id = :org"),
        {"org": org.id},
    )
    assert balance == 3


@pytest.mark.parametrize(
    ("kind", "amount", "balance_after", "constraint"),
    [
        ("charge", 5, 5, "amount_sign_matches_kind"),
        ("purchase", -5, 0, "amount_sign_matches_kind"),
        ("refund", 0, 0, "amount_sign_matches_kind"),
        ("correction", 0, 0, "amount_sign_matches_kind"),
        ("gift", 5, 5, "amount_sign_matches_kind"),
        ("purchase", 5, -5, "balance_after_not_negative"),
    ],
)
def test_entry_checks_reject(app, org, kind, amount, balance_after, constraint) -> None:
    with pytest.raises(sa.exc.IntegrityError, match=constraint):
        execute_raw(
            "INSERT INTO credit_entries (org_id, kind, amount, balance_after, reason,"
            " paid_for, idempotency_key, request_hash, created_at) VALUES (:org,"
            " :kind, :amount, :after, 'raw', 'none', 'raw-key', 'x',"
            " CURRENT_TIMESTAMP)",
            org=org.id,
            kind=kind,
            amount=amount,
            after=balance_after,
        )


def test_idempotency_key_unique(app, org, grant) -> None:
    outcome = grant(org, 3)
    with pytest.raises(sa.exc.IntegrityError):
        execute_raw(
            "INSERT INTO credit_entries (org_id, kind, amount, balance_after, reason,"
            " paid_for, idempotency_key, request_hash, created_at) VALUES (:org,"
            " 'purchase', 1, 4, 'raw', 'none', :key, 'x', CURRENT_TIMESTAMP)",
            org=org.id,
            key=outcome.entry.idempotency_key,
        )


def test_invariant_check_detects_drift(app, org, grant) -> None:
    from tests.credits.ledger_check import ledger_problems

    grant(org, 3)
    execute_raw(
        "UPDATE credit_accounts SET balance = 4 WHERE org_id = :org", org=org.id
    )
    with db.engine.connect() as connection:
        problems = ledger_problems(connection)
    execute_raw(
        "UPDATE credit_accounts SET balance = 3 WHERE org_id = :org", org=org.id
    )
    assert problems == [f"organisation {org.id}: cached balance 4 but entries sum to 3"]
