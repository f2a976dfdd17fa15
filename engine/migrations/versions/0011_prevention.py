"""deadlines on subjects other than incidents; the danger-house register, patrols, appraisals,
warnings and their inspection tasks, shelters and evacuations, experts, rescue resources, the fund,
public-building checks and the drill calendar

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "house",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("community", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("owner_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("user_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("responsible", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("responsible_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("structure", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("floors", sa.Integer(), nullable=True),
        sa.Column("year_built", sa.Integer(), nullable=True),
        sa.Column("area_m2", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("use", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("appraisal_body", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("report_number", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("appraised_on", sa.Date(), nullable=True),
        sa.Column("disposition", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("remediation_due", sa.Date(), nullable=True),
        sa.Column("warden", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("warden_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("registered_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("registered_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("last_patrol_at", engine.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("house", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_house_grade"), ["grade"], unique=False)
        batch_op.create_index(batch_op.f("ix_house_street"), ["street"], unique=False)

    op.create_table(
        "subject_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("occasion", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("due_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("fired_at", engine.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "subject_kind",
            "subject_id",
            "code",
            "occasion",
            "kind",
            "step",
            name="uq_subject_alert_step",
        ),
    )
    with op.batch_alter_table("subject_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_alert_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "subject_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("occasion", sa.Integer(), nullable=False),
        sa.Column("started_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("due_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("reported", sa.JSON(), nullable=False),
        sa.Column("responsible", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("reminder_minutes_before", sa.JSON(), nullable=False),
        sa.Column("overdue_interval_minutes", sa.Float(), nullable=False),
        sa.Column("met_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("stopped_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("next_alert_at", engine.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "subject_kind", "subject_id", "code", "occasion", name="uq_subject_deadline_occasion"
        ),
    )
    with op.batch_alter_table("subject_deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_deadline_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_subject_deadline_next_alert_at"), ["next_alert_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subject_deadline_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "appraisal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("commissioned_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("commissioned_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("report_number", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("appraised_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", engine.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["house_id"],
            ["house.id"],
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("appraisal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appraisal_house_id"), ["house_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appraisal_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "house_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["house_id"],
            ["house.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("house_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_house_event_house_id"), ["house_id"], unique=False)

    op.create_table(
        "patrol",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("patroller", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("findings", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("major_hazard", sa.Boolean(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["house_id"],
            ["house.id"],
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("patrol", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_house_id"), ["house_id"], unique=False)

    # Warnings (§3.5), their inspection tasks, shelters (§6.4) and evacuations.
    op.create_table(
        "hazard_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("colour", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("streets", sa.JSON(), nullable=False),
        sa.Column("starts_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("ends_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("headline", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("identifier", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("recorded_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identifier", name="uq_hazard_warning_identifier"),
    )
    op.create_table(
        "shelter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "evacuation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shelter_id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=True),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("ended_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["house_id"],
            ["house.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shelter_id"],
            ["shelter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["hazard_warning.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("evacuation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evacuation_house_id"), ["house_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evacuation_shelter_id"), ["shelter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evacuation_warning_id"), ["warning_id"], unique=False)

    op.create_table(
        "inspection_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("due_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("done_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("inspector", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.ForeignKeyConstraint(
            ["house_id"],
            ["house.id"],
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["hazard_warning.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("warning_id", "house_id"),
    )
    with op.batch_alter_table("inspection_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_task_house_id"), ["house_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inspection_task_warning_id"), ["warning_id"], unique=False
        )

    # Resources (§6.2, §6.3): experts and their assignments, rescue resources, the fund.
    op.create_table(
        "expert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("employer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("expert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_field"), ["field"], unique=False)

    op.create_table(
        "fund_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("budget_yuan", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_at", engine.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "rescue_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("in_good_order", sa.Boolean(), nullable=False),
        sa.Column("checked_on", engine.models.UTCDateTime(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "expert_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("task", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("picked_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["expert.id"],
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("expert_id", "incident_id", "task"),
    )
    with op.batch_alter_table("expert_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expert_assignment_expert_id"), ["expert_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expert_assignment_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "fund_spending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("amount_yuan", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.ForeignKeyConstraint(
            ["year"],
            ["fund_year.year"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("fund_spending", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_spending_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fund_spending_year"), ["year"], unique=False)

    # Public-building checks (§3.3) and the drill calendar (§7.2).
    op.create_table(
        "public_building_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("building", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("findings", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("hazard", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("public_building_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_building_check_department"), ["department"], unique=False
        )

    op.create_table(
        "drill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("planned_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("about", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.alter_column("incident_id", existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    op.drop_table("drill")
    with op.batch_alter_table("public_building_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_building_check_department"))

    op.drop_table("public_building_check")
    with op.batch_alter_table("fund_spending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_spending_year"))
        batch_op.drop_index(batch_op.f("ix_fund_spending_incident_id"))

    op.drop_table("fund_spending")
    with op.batch_alter_table("expert_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_assignment_incident_id"))
        batch_op.drop_index(batch_op.f("ix_expert_assignment_expert_id"))

    op.drop_table("expert_assignment")
    op.drop_table("rescue_resource")
    op.drop_table("fund_year")
    with op.batch_alter_table("expert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_field"))

    op.drop_table("expert")
    with op.batch_alter_table("inspection_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_task_warning_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_task_house_id"))

    op.drop_table("inspection_task")
    with op.batch_alter_table("evacuation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evacuation_warning_id"))
        batch_op.drop_index(batch_op.f("ix_evacuation_shelter_id"))
        batch_op.drop_index(batch_op.f("ix_evacuation_house_id"))

    op.drop_table("evacuation")
    op.drop_table("shelter")
    op.drop_table("hazard_warning")
    # Messages about no incident cannot stay once every message must name one.
    op.execute(
        "DELETE FROM delivery_attempt WHERE delivery_id IN "
        "(SELECT id FROM delivery WHERE incident_id IS NULL)"
    )
    op.execute("DELETE FROM delivery WHERE incident_id IS NULL")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("about")

    with op.batch_alter_table("patrol", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_house_id"))

    op.drop_table("patrol")
    with op.batch_alter_table("house_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_house_event_house_id"))

    op.drop_table("house_event")
    with op.batch_alter_table("appraisal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appraisal_incident_id"))
        batch_op.drop_index(batch_op.f("ix_appraisal_house_id"))

    op.drop_table("appraisal")
    with op.batch_alter_table("subject_deadline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_deadline_subject_id"))
        batch_op.drop_index(batch_op.f("ix_subject_deadline_next_alert_at"))
        batch_op.drop_index(batch_op.f("ix_subject_deadline_due_at"))

    op.drop_table("subject_deadline")
    with op.batch_alter_table("subject_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_alert_subject_id"))

    op.drop_table("subject_alert")
    with op.batch_alter_table("house", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_house_street"))
        batch_op.drop_index(batch_op.f("ix_house_grade"))

    op.drop_table("house")
