"""indexes for the list side: every filter of `engine.summaries` and its per-page counts

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# name → (table, columns). Plain CREATE INDEX: no table is rebuilt, no row is touched.
INDEXES = {
    "ix_incident_response_level": ("incident", ["response_level", "id"]),
    "ix_incident_street": ("incident", ["street", "id"]),
    "ix_incident_drill_state": ("incident", ["drill", "state", "id"]),
    "ix_incident_reported_at": ("incident", ["reported_at"]),
    # The next open deadline of an incident (lanes, urgency order, the overdue filter).
    "ix_deadline_open_due": ("deadline", ["incident_id", "met_at", "stopped_at", "due_at"]),
    "ix_notice_incident_status": ("notice", ["incident_id", "status"]),
    "ix_delivery_incident_status": ("delivery", ["incident_id", "status"]),
    "ix_fired_alert_incident_kind": ("fired_alert", ["incident_id", "kind"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
