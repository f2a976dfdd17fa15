"""Drop incident.version: written on every action and never read (write-only state).

Revision ID: 0014
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("version")


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
