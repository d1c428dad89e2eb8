"""print jobs and verification rate counts

The verification pages' rate-limit counters live on this branch too, as
the public side of printed credentials.

Revision ID: printing_0001
Revises: identity_0001
"""

from alembic import op
import sqlalchemy as sa


revision = "printing_0001"
down_revision = "identity_0001"
branch_labels = ("printing",)
# print_job_items.credential_id references the credentials branch's table.
depends_on = ("credentials_0001",)


def upgrade() -> None:
    op.create_table(
        "verify_rate_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verify_rate_counts")),
        sa.UniqueConstraint(
            "key", "window_start", name=op.f("uq_verify_rate_counts_key_window_start")
        ),
    )
    with op.batch_alter_table("verify_rate_counts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verify_rate_counts_window_start"),
            ["window_start"],
            unique=False,
        )

    op.create_table(
        "print_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "credentials",
                "login_sheet",
                name="printkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("page_size", sa.String(length=10), nullable=False),
        sa.Column("requested_outputs", sa.JSON(), nullable=False),
        sa.Column("output_key", sa.String(length=200), nullable=False),
        sa.Column("dispatch", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "done",
                "failed",
                name="printstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("rq_job_id", sa.String(length=64), nullable=True),
        sa.Column("dispatch_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_print_jobs_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_print_jobs_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_jobs")),
        sa.UniqueConstraint("job_id", name=op.f("uq_print_jobs_job_id")),
    )
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_print_jobs_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_print_jobs_status"), ["status"], unique=False
        )

    op.create_table(
        "print_job_items",
        sa.Column("print_job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_print_job_items_credential_id_credentials"),
        ),
        sa.ForeignKeyConstraint(
            ["print_job_id"],
            ["print_jobs.id"],
            name=op.f("fk_print_job_items_print_job_id_print_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "print_job_id", "position", name=op.f("pk_print_job_items")
        ),
    )
    with op.batch_alter_table("print_job_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_print_job_items_credential_id"),
            ["credential_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("print_job_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_print_job_items_credential_id"))

    op.drop_table("print_job_items")
    with op.batch_alter_table("print_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_print_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_print_jobs_org_id"))

    op.drop_table("print_jobs")
    with op.batch_alter_table("verify_rate_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verify_rate_counts_window_start"))

    op.drop_table("verify_rate_counts")
