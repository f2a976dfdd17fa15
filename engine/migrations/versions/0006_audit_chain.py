"""tamper-evident timeline (seq, prev_mac, mac; audit_head); no signing keys in the database

Existing events get their per-incident seq in recorded order and no MAC: the key lives outside
the database, so they are chained by `python main.py audit seal` (run once after the upgrade).
The `secret` table held the generated session and acknowledgement-link keys; a copy of the
database was enough to forge a session, so it is dropped. Sessions signed with it end and
acknowledgement links already sent stop working (a warning says so).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op
from loguru import logger

import engine.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_mac", sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
    events = sa.table("timeline_event", sa.column("id", sa.Integer()),
                      sa.column("incident_id", sa.Integer()), sa.column("seq", sa.Integer()))
    numbered: list[dict[str, int]] = []
    counts: dict[int, int] = {}
    for event_id, incident_id in bind.execute(
            sa.select(events.c.id, events.c.incident_id).order_by(events.c.incident_id,
                                                                   events.c.id)):
        counts[incident_id] = counts.get(incident_id, 0) + 1
        numbered.append({"event_id": event_id, "number": counts[incident_id]})
    if numbered:
        bind.execute(events.update().where(events.c.id == sa.bindparam("event_id"))
                     .values(seq=sa.bindparam("number")), numbered)
        logger.warning("{} timeline events were recorded before the audit chain: run "
                       "`python main.py audit seal` once to chain them", len(numbered))
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_timeline_event_incident_id_seq",
                                          ["incident_id", "seq"])
    op.create_table(
        "audit_head",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    stored = bind.execute(sa.text("SELECT count(*) FROM secret")).scalar_one()
    if stored:
        logger.warning("the database held {} generated signing keys; they are dropped (keys "
                       "now live outside the database: FANGAN_SECRET_KEY or the key file). "
                       "Console sessions end and acknowledgement links already sent no longer "
                       "work", stored)
    op.drop_table("secret")


def downgrade() -> None:
    op.create_table(
        "secret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", engine.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.drop_table("audit_head")
    with op.batch_alter_table("timeline_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_timeline_event_incident_id_seq", type_="unique")
        batch_op.drop_column("mac")
        batch_op.drop_column("prev_mac")
        batch_op.drop_column("seq")
