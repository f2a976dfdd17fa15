"""unknown facts are NULL, money is decimal, the investigation report keeps its versions

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(16, 2)
COUNTS = ("dead", "missing", "injured", "people_at_risk")


def upgrade() -> None:
    # Existing rows keep their values: a recorded 0 cannot be told apart from an unknown one.
    with op.batch_alter_table("incident", schema=None) as batch_op:
        for name in COUNTS:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("economic_loss_yuan", existing_type=sa.BigInteger(),
                              type_=MONEY, nullable=True)
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        batch_op.alter_column("amount_yuan", existing_type=sa.BigInteger(), type_=MONEY,
                              existing_nullable=True)
    op.create_table(
        "investigation_report_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("submitted_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "version"),
    )
    with op.batch_alter_table("investigation_report_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investigation_report_version_incident_id"),
                              ["incident_id"], unique=False)
    # A report submitted before versions existed becomes version 1.
    op.execute(
        "INSERT INTO investigation_report_version "
        "(incident_id, version, sections, submitted_at, submitted_by) "
        "SELECT incident_id, 1, sections, submitted_at, 'district_hq' "
        "FROM investigation_report WHERE submitted_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("investigation_report_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_report_version_incident_id"))
    op.drop_table("investigation_report_version")
    op.execute("UPDATE obligation SET amount_yuan = ROUND(amount_yuan)")
    with op.batch_alter_table("obligation", schema=None) as batch_op:
        batch_op.alter_column("amount_yuan", existing_type=MONEY, type_=sa.BigInteger(),
                              existing_nullable=True)
    for name in COUNTS:
        op.execute(f"UPDATE incident SET {name} = 0 WHERE {name} IS NULL")
    op.execute("UPDATE incident SET economic_loss_yuan = 0 WHERE economic_loss_yuan IS NULL")
    op.execute("UPDATE incident SET economic_loss_yuan = ROUND(economic_loss_yuan)")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        for name in COUNTS:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("economic_loss_yuan", existing_type=MONEY,
                              type_=sa.BigInteger(), nullable=False)
