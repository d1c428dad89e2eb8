"""plugin settings: which installed plugins a platform admin has disabled

Revision ID: plugins_0001
Revises: identity_0001
"""

from alembic import op
import sqlalchemy as sa


revision = 'plugins_0001'
down_revision = 'identity_0001'
branch_labels = ('plugins',)
depends_on = None


def upgrade() -> None:
    op.create_table('plugin_settings',
    sa.Column('plugin_name', sa.String(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by'], ['users.id'], name=op.f('fk_plugin_settings_changed_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('plugin_name', name=op.f('pk_plugin_settings'))
    )


def downgrade() -> None:
    op.drop_table('plugin_settings')
