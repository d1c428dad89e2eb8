"""credentials

Revision ID: credentials_0001
Revises: identity_0001
"""

from alembic import op
import sqlalchemy as sa


revision = 'credentials_0001'
down_revision = 'identity_0001'
branch_labels = ('credentials',)
# credentials.suite_assignment_id references the assignments branch's table.
depends_on = ('assignments_0001',)


def upgrade() -> None:
    op.create_table('credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('suite_assignment_id', sa.Integer(), nullable=True),
    sa.Column('suite_key', sa.String(length=64), nullable=False),
    sa.Column('suite_version', sa.String(length=32), nullable=False),
    sa.Column('suite_title', sa.String(length=200), nullable=False),
    sa.Column('learner_name', sa.String(length=201), nullable=False),
    sa.Column('org_name', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=True),
    sa.Column('signer_name', sa.String(length=201), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_credentials_learner_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_credentials_org_id_organisations')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_credentials_revoked_by_id_users')),
    sa.ForeignKeyConstraint(['signer_id'], ['users.id'], name=op.f('fk_credentials_signer_id_users')),
    sa.ForeignKeyConstraint(['suite_assignment_id'], ['suite_assignments.id'], name=op.f('fk_credentials_suite_assignment_id_suite_assignments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials')),
    sa.UniqueConstraint('code', name=op.f('uq_credentials_code')),
    sa.UniqueConstraint('learner_id', 'suite_key', name=op.f('uq_credentials_learner_id_suite_key')),
    sa.UniqueConstraint('public_id', name=op.f('uq_credentials_public_id'))
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credentials_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credentials_org_id'))

    op.drop_table('credentials')
