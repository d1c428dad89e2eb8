"""credit ledger: accounts, entries, entry lines and append-only triggers

Revision ID: credits_0001
Revises: identity_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "credits_0001"
down_revision = "identity_0001"
branch_labels = ("credits",)
depends_on = None

APPEND_ONLY_TABLES = ("credit_entries", "credit_entry_lines")

# NOTE: on SQLite, a later batch_alter_table on these tables rebuilds them
# and drops their triggers; such a migration must create the triggers again.
PG_FUNCTION = """
CREATE FUNCTION credit_ledger_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % rejected: credit ledger rows are append-only; '
        'record a correction entry instead', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""

PG_TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION credit_ledger_reject_change()
"""

REJECTION = "credit ledger rows are append-only; record a correction entry instead"

SQLITE_TRIGGER = """
CREATE TRIGGER {table}_no_{verb} BEFORE {operation} ON {table}
BEGIN
    SELECT RAISE(ABORT, '{operation} on {table} rejected: {rejection}');
END
"""


def upgrade() -> None:
    create_accounts()
    create_entries()
    create_lines()
    create_triggers()


def create_accounts() -> None:
    op.create_table(
        "credit_accounts",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Integer(), server_default="0", nullable=False),
        sa.Column("low_balance_threshold", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "balance >= 0", name=op.f("ck_credit_accounts_balance_not_negative")
        ),
        sa.CheckConstraint(
            "low_balance_threshold IS NULL OR low_balance_threshold >= 0",
            name=op.f("ck_credit_accounts_threshold_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_accounts_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_credit_accounts")),
    )


def create_entries() -> None:
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("paid_for", sa.String(length=12), nullable=False),
        sa.Column("suite", sa.String(length=100), nullable=True),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("reverses_entry_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "balance_after >= 0",
            name=op.f("ck_credit_entries_balance_after_not_negative"),
        ),
        sa.CheckConstraint(
            "(kind = 'purchase' AND amount > 0) OR (kind = 'charge' AND amount < 0)"
            " OR (kind = 'refund' AND amount > 0)"
            " OR (kind = 'correction' AND amount <> 0)",
            name=op.f("ck_credit_entries_amount_sign_matches_kind"),
        ),
        sa.CheckConstraint(
            "paid_for IN ('subscription', 'unit', 'reassignment', 'mixed', 'none')",
            name=op.f("ck_credit_entries_paid_for_known"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_credit_entries_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_credit_entries_learner_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_entries_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["credit_entries.id"],
            name=op.f("fk_credit_entries_reverses_entry_id_credit_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
        sa.UniqueConstraint(
            "org_id", "idempotency_key", name="uq_credit_entries_org_id_key"
        ),
        sa.UniqueConstraint(
            "reverses_entry_id", name=op.f("uq_credit_entries_reverses_entry_id")
        ),
    )
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        for column in ("actor_id", "created_at", "org_id", "suite"):
            batch_op.create_index(
                batch_op.f(f"ix_credit_entries_{column}"), [column], unique=False
            )


def create_lines() -> None:
    op.create_table(
        "credit_entry_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("suite", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "credits >= 0", name=op.f("ck_credit_entry_lines_credits_not_negative")
        ),
        sa.CheckConstraint(
            "kind IN ('subscription', 'unit', 'reassignment')",
            name=op.f("ck_credit_entry_lines_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["credit_entries.id"],
            name=op.f("fk_credit_entry_lines_entry_id_credit_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_credit_entry_lines_learner_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_entry_lines_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entry_lines")),
    )
    with op.batch_alter_table("credit_entry_lines", schema=None) as batch_op:
        for column in ("entry_id", "learner_id", "org_id"):
            batch_op.create_index(
                batch_op.f(f"ix_credit_entry_lines_{column}"), [column], unique=False
            )


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in APPEND_ONLY_TABLES:
            op.execute(PG_TRIGGER.format(table=table))
        return
    for table in APPEND_ONLY_TABLES:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                SQLITE_TRIGGER.format(
                    table=table,
                    operation=operation,
                    verb=operation.lower(),
                    rejection=REJECTION,
                )
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION credit_ledger_reject_change()")
    op.drop_table("credit_entry_lines")
    op.drop_table("credit_entries")
    op.drop_table("credit_accounts")
