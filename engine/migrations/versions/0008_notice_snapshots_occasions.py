"""notice snapshots, occasions of deadlines and notices, response end on deadlines

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Unique keys that gain the occasion: table → (old columns, new name, new columns).
KEYS = {
    "deadline": (["incident_id", "code"], "uq_deadline_occasion",
                 ["incident_id", "code", "occasion"]),
    "notice": (["incident_id", "unit", "kind"], "uq_notice_occasion",
               ["incident_id", "unit", "kind", "occasion"]),
    "fired_alert": (["incident_id", "deadline", "kind", "step", "unit", "notice"],
                    "uq_fired_alert_occasion",
                    ["incident_id", "deadline", "occasion", "kind", "step", "unit", "notice"]),
}
# SQLite keeps the old keys unnamed: batch mode names them by this convention to drop them.
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _old_key_name(table: str, columns: list[str]) -> str:
    """The old key's name as the database knows it (PostgreSQL named it), else by CONVENTION."""
    for key in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if key["column_names"] == columns and key["name"]:
            return str(key["name"])
    return f"uq_{table}_{'_'.join(columns)}"


def _rekey(table: str, old: list[str], name: str, new: list[str]) -> None:
    old_name = _old_key_name(table, old)
    with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
        batch.drop_constraint(old_name, type_="unique")
        batch.create_unique_constraint(name, new)


def upgrade() -> None:
    for table in KEYS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("occasion", sa.Integer(), nullable=False,
                                       server_default="1"))
    with op.batch_alter_table("deadline") as batch:
        batch.add_column(sa.Column("response_ended_at", engine.models.UTCDateTime(),
                                   nullable=True))
    with op.batch_alter_table("notice") as batch:
        batch.add_column(sa.Column("snapshot", sa.JSON(), nullable=True))
    for table, (old, name, new) in KEYS.items():
        _rekey(table, old, name, new)


def downgrade() -> None:
    for table, (old, name, new) in KEYS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="unique")
            batch.create_unique_constraint(f"uq_{table}_{'_'.join(old)}", old)
            batch.drop_column("occasion")
    with op.batch_alter_table("notice") as batch:
        batch.drop_column("snapshot")
    with op.batch_alter_table("deadline") as batch:
        batch.drop_column("response_ended_at")
