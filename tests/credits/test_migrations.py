"""The credits Alembic branch: it downgrades cleanly and upgrades again."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa
from laurel.extensions import db

CREDIT_TABLES = {"credit_accounts", "credit_entries", "credit_entry_lines"}


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_branch_down_and_up(app, org, grant) -> None:
    grant(org, 3)
    org_id = org.id
    db.session.remove()
    try:
        flask_migrate.downgrade(revision="credits@-1")
        assert not CREDIT_TABLES & table_names()
        assert "organisations" in table_names()
    finally:
        flask_migrate.upgrade(revision="heads")
    assert CREDIT_TABLES <= table_names()
    with db.engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO credit_accounts (org_id, balance) VALUES (:org, 0)"),
            {"org": org_id},
        )
    with db.engine.connect() as connection:
        balance = connection.execute(
            sa.text("SELECT balance FROM credit_accounts")
        ).scalar()
    assert balance == 0
    assert trigger_names() >= {"credit_entries", "credit_entry_lines"}


def trigger_names() -> set[str]:
    """Return the tables that have append-only triggers after the upgrade."""
    if db.engine.dialect.name == "postgresql":
        query = (
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE '%append_only'"
        )
    else:
        query = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"
    with db.engine.connect() as connection:
        return set(connection.execute(sa.text(query)).scalars())


def test_branch_revision_names() -> None:
    from laurel_credits.migrations.versions import credits_0001_credit_ledger as first

    assert first.revision == "credits_0001"
    assert first.down_revision == "identity_0001"
    assert first.branch_labels == ("credits",)
