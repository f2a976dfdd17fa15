"""web sessions kept on the server, login failures shared by every instance

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 23:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.models

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sid_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', engine.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sid_hash')
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_session_expires_at'), ['expires_at'],
                              unique=False)

    op.create_table('web_login_failure',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', engine.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key')
    )
    with op.batch_alter_table('web_login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_login_failure_last_failed_at'),
                              ['last_failed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_login_failure_last_failed_at'))
    op.drop_table('web_login_failure')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_expires_at'))
        batch_op.drop_index(batch_op.f('ix_web_session_user_id'))
    op.drop_table('web_session')
