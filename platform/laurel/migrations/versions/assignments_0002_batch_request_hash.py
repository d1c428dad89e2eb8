"""a hash of the request that each assignment batch's token confirmed

Revision ID: assignments_0002
Revises: assignments_0001
"""

from alembic import op
import sqlalchemy as sa


revision = 'assignments_0002'
down_revision = 'assignments_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignment_batches') as batch_op:
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignment_batches') as batch_op:
        batch_op.drop_column('request_hash')
