"""web accounts: users, API tokens, idempotency keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('auth_version', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', engine.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('web_api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', engine.models.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', engine.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('web_api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('web_idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('created_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('completed_at', engine.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['web_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'key')
    )
    with op.batch_alter_table('web_idempotency_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_idempotency_key_user_id'), ['user_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_idempotency_key_user_id'))
    op.drop_table('web_idempotency_key')
    with op.batch_alter_table('web_api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_api_token_user_id'))
    op.drop_table('web_api_token')
    op.drop_table('web_user')
