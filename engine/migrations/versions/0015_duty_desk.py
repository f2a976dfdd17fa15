"""The duty desk: call log, roster, handovers (SPEC R11).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, engine.models.UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "duty_call",
        sa.Column("id", sa.Integer(), nullable=False),
        _time("received_at"),
        sa.Column("caller_unit", sa.String(length=200), nullable=False),
        sa.Column("caller_name", sa.String(length=100), nullable=False),
        sa.Column("caller_position", sa.String(length=100), nullable=False),
        sa.Column("caller_phone", sa.String(length=64), nullable=False),
        sa.Column("street", sa.String(length=32), nullable=True),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("recorder", sa.String(length=100), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("handling", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("close_reason", sa.String(length=2000), nullable=True),
        _time("settled_at", nullable=True),
        sa.Column("settled_by", sa.String(length=64), nullable=True),
        sa.Column("logged_by", sa.String(length=64), nullable=False),
        _time("created_at"),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_call_received_at", "duty_call", ["received_at"])
    op.create_index("ix_duty_call_status", "duty_call", ["status"])
    op.create_index("ix_duty_call_incident_id", "duty_call", ["incident_id"])
    op.create_table(
        "duty_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        _time("starts_at"),
        _time("ends_at"),
        sa.Column("leader", sa.String(length=100), nullable=False),
        sa.Column("officers", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_shift_starts_at", "duty_shift", ["starts_at"])
    op.create_table(
        "duty_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_shift_id", sa.Integer(), nullable=False),
        sa.Column("to_shift_id", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _time("built_at"),
        sa.Column("built_by", sa.String(length=64), nullable=False),
        sa.Column("outgoing_by", sa.String(length=64), nullable=True),
        _time("outgoing_at", nullable=True),
        sa.Column("incoming_by", sa.String(length=64), nullable=True),
        _time("incoming_at", nullable=True),
        sa.ForeignKeyConstraint(["from_shift_id"], ["duty_shift.id"]),
        sa.ForeignKeyConstraint(["to_shift_id"], ["duty_shift.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_handover_from_shift_id", "duty_handover", ["from_shift_id"])
    op.create_index("ix_duty_handover_to_shift_id", "duty_handover", ["to_shift_id"])


def downgrade() -> None:
    op.drop_table("duty_handover")
    op.drop_table("duty_shift")
    op.drop_table("duty_call")
