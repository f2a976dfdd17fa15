"""A street office's account belongs to one street, and every timeline event records who was
on duty (SPEC R11).

Revision ID: 0017
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_user") as batch_op:
        batch_op.add_column(sa.Column("street", sa.String(length=32), nullable=True))
    with op.batch_alter_table("timeline_event") as batch_op:
        batch_op.add_column(sa.Column("on_duty", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timeline_event") as batch_op:
        batch_op.drop_column("on_duty")
    with op.batch_alter_table("web_user") as batch_op:
        batch_op.drop_column("street")
