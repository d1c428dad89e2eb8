"""assignments, unit assignments, attempts, batches and pass marks

Revision ID: assignments_0001
Revises: identity_0001
"""

from alembic import op
import sqlalchemy as sa


revision = 'assignments_0001'
down_revision = 'identity_0001'
branch_labels = ('assignments',)
depends_on = None


def upgrade() -> None:
    op.create_table('area_pass_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('suite_key', sa.String(length=64), nullable=False),
    sa.Column('area_key', sa.String(length=64), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('pass_mark >= 0 AND pass_mark <= 100', name=op.f('ck_area_pass_marks_pass_mark_percent')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_area_pass_marks_org_id_organisations')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_area_pass_marks_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_pass_marks')),
    sa.UniqueConstraint('org_id', 'suite_key', 'area_key', name=op.f('uq_area_pass_marks_org_id_suite_key_area_key'))
    )
    op.create_table('assignment_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('request_token', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('suite_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('subscription', 'units', name='assignmentkind', native_enum=False, length=20), nullable=True),
    sa.Column('unit_keys', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('learner_count', sa.Integer(), nullable=False),
    sa.Column('changed_count', sa.Integer(), nullable=False),
    sa.Column('credits_charged', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignment_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_assignment_batches_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_batches')),
    sa.UniqueConstraint('request_token', name=op.f('uq_assignment_batches_request_token'))
    )
    with op.batch_alter_table('assignment_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_batches_org_id'), ['org_id'], unique=False)

    op.create_table('suite_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('suite_key', sa.String(length=64), nullable=False),
    sa.Column('suite_version', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('subscription', 'units', name='assignmentkind', native_enum=False, length=20), nullable=False),
    sa.Column('term_start', sa.DateTime(), nullable=True),
    sa.Column('term_end', sa.DateTime(), nullable=True),
    sa.Column('auto_reassign', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['assignment_batches.id'], name=op.f('fk_suite_assignments_batch_id_assignment_batches')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_suite_assignments_created_by_id_users')),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_suite_assignments_learner_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_suite_assignments_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suite_assignments')),
    sa.UniqueConstraint('learner_id', 'suite_key', name=op.f('uq_suite_assignments_learner_id_suite_key'))
    )
    with op.batch_alter_table('suite_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_suite_assignments_org_id_suite_key', ['org_id', 'suite_key'], unique=False)

    op.create_table('unit_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('suite_assignment_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('suite_key', sa.String(length=64), nullable=False),
    sa.Column('unit_key', sa.String(length=64), nullable=False),
    sa.Column('area_key', sa.String(length=64), nullable=False),
    sa.Column('unit_kind', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'passed', 'failed', 'reassigned', name='unitstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('attempts_used', sa.Integer(), nullable=False),
    sa.Column('extra_attempts', sa.Integer(), nullable=False),
    sa.Column('auto_reassigned', sa.Boolean(), nullable=False),
    sa.Column('best_score', sa.Integer(), nullable=True),
    sa.Column('passed_score', sa.Integer(), nullable=True),
    sa.Column('last_score', sa.Integer(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('passed_at', sa.DateTime(), nullable=True),
    sa.Column('paid_credits', sa.Integer(), nullable=False),
    sa.Column('charge_key', sa.String(length=80), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('reassigned_by_id', sa.Integer(), nullable=True),
    sa.Column('reassigned_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('attempts_used >= 0 AND attempts_used <= attempts_allowed', name=op.f('ck_unit_assignments_attempts_within_allowed')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_unit_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_unit_assignments_learner_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_unit_assignments_org_id_organisations')),
    sa.ForeignKeyConstraint(['reassigned_by_id'], ['users.id'], name=op.f('fk_unit_assignments_reassigned_by_id_users')),
    sa.ForeignKeyConstraint(['suite_assignment_id'], ['suite_assignments.id'], name=op.f('fk_unit_assignments_suite_assignment_id_suite_assignments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_assignments')),
    sa.UniqueConstraint('learner_id', 'suite_key', 'unit_key', name=op.f('uq_unit_assignments_learner_id_suite_key_unit_key'))
    )
    with op.batch_alter_table('unit_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_assignments_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_assignments_suite_assignment_id'), ['suite_assignment_id'], unique=False)

    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('unit_assignment_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('suite_key', sa.String(length=64), nullable=False),
    sa.Column('suite_version', sa.String(length=32), nullable=False),
    sa.Column('unit_key', sa.String(length=64), nullable=False),
    sa.Column('question_ids', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('correct', sa.Integer(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('pass_mark', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_attempts_learner_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_attempts_org_id_organisations')),
    sa.ForeignKeyConstraint(['unit_assignment_id'], ['unit_assignments.id'], name=op.f('fk_attempts_unit_assignment_id_unit_assignments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts')),
    sa.UniqueConstraint('unit_assignment_id', 'number', name=op.f('uq_attempts_unit_assignment_id_number'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempts_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempts_org_id'), ['org_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempts_org_id'))
        batch_op.drop_index(batch_op.f('ix_attempts_learner_id'))

    op.drop_table('attempts')
    with op.batch_alter_table('unit_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_assignments_suite_assignment_id'))
        batch_op.drop_index(batch_op.f('ix_unit_assignments_org_id'))

    op.drop_table('unit_assignments')
    with op.batch_alter_table('suite_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_suite_assignments_org_id_suite_key')

    op.drop_table('suite_assignments')
    with op.batch_alter_table('assignment_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_batches_org_id'))

    op.drop_table('assignment_batches')
    op.drop_table('area_pass_marks')
