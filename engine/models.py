"""Database tables (SQLModel). Portable SQL only: the same schema runs on SQLite and PostgreSQL.

Times are stored as UTC and always come back timezone-aware (`UTCDateTime`). The timeline is
append-only: rows of `TimelineEvent` are never updated or deleted by the engine, and
chained so that a change made behind its back shows (`engine.audit`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from engine.inputs import ADDRESS_LENGTH, DESCRIPTION_LENGTH, REPORTER_LENGTH
from engine.plan import Level


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC and returns them aware (SQLite keeps no offset)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


Money = sa.Numeric(16, 2, asdecimal=True)
"""Yuan with fen, exact (SPEC R1: money is decimal)."""


def _time(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _json(default: Any) -> Any:
    return Field(
        default_factory=lambda: type(default)(), sa_column=sa.Column(sa.JSON(), nullable=False)
    )


class Incident(SQLModel, table=True):
    # The list side's filters and per-page counts (engine.summaries; migration 0010).
    __table_args__ = (
        sa.Index("ix_incident_response_level", "response_level", "id"),
        sa.Index("ix_incident_street", "street", "id"),
        sa.Index("ix_incident_drill_state", "drill", "state", "id"),
        sa.Index("ix_incident_reported_at", "reported_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(index=True, max_length=32)
    condition: str = Field(max_length=32)
    grade: str | None = Field(default=None, max_length=32)
    response_level: Level = Field(sa_type=sa.String(4))
    exceeds_district_scope: bool = False
    street: str = Field(max_length=32)
    address: str = Field(max_length=ADDRESS_LENGTH)
    discovered_at: datetime = _time()
    reported_at: datetime = _time()
    verified_at: datetime | None = _time(nullable=True)
    activated_at: datetime | None = _time(nullable=True)
    drill: bool = False
    # Facts nobody knows yet are NULL, not 0 (SPEC R1); grading reads them as 0.
    dead: int | None = None
    missing: int | None = None
    injured: int | None = None
    economic_loss_yuan: Decimal | None = Field(default=None, sa_type=Money)
    people_at_risk: int | None = None
    reporter: str | None = Field(default=None, max_length=REPORTER_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_LENGTH)
    created_at: datetime = _time()


class FactRevision(SQLModel, table=True):
    """A correction of an incident's facts: the values before and after, by whom and when."""

    __tablename__ = "fact_revision"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    action: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    at: datetime = _time()
    recorded_at: datetime = _time()
    changes: dict[str, Any] = _json({})


class TimelineEvent(SQLModel, table=True):
    """One event of an incident's timeline, chained to the one before it (`engine.audit`):
    `seq`, `prev_mac` and `mac` are filled in when the event is written."""

    __tablename__ = "timeline_event"
    __table_args__ = (
        sa.UniqueConstraint("incident_id", "seq", name="uq_timeline_event_incident_id_seq"),
    )
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = _time()
    recorded_at: datetime = _time()
    actor: str = Field(max_length=64)
    person: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=64)
    data: dict[str, Any] = _json({})
    # Who was on duty when it happened, as the workflow's roster says (`engine.onduty`); None
    # when no roster covers the time (or for events recorded before the column existed).
    on_duty: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(), nullable=True)
    )
    seq: int | None = Field(default=None, sa_column=sa.Column(sa.Integer(), nullable=False))
    # NULL only for events recorded before the chain existed, until `audit seal`.
    prev_mac: str | None = Field(default=None, max_length=64)
    mac: str | None = Field(default=None, max_length=64)


class AuditHead(SQLModel, table=True):
    """The end of one incident's chain: its last seq and MAC, and a MAC over both (`tag`), so
    events deleted from the end are seen too. Locked by every writer of the incident's events."""

    __tablename__ = "audit_head"
    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    seq: int
    mac: str = Field(max_length=64)
    tag: str = Field(max_length=64)


class DeadlineRow(SQLModel, table=True):
    __tablename__ = "deadline"
    __table_args__ = (
        sa.Index("ix_deadline_open_due", "incident_id", "met_at", "stopped_at", "due_at"),
        sa.UniqueConstraint("incident_id", "code", "occasion", name="uq_deadline_occasion"),
    )
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    code: str = Field(max_length=64)
    # Each occasion the plan calls for the same report is its own deadline (R2: a raise to I
    # asks the city HQ again even when an earlier request was met): 1, 2, … per code.
    occasion: int = 1
    started_at: datetime = _time()
    due_at: datetime = _time(index=True)
    recipients: list[str] = _json([])
    reported: dict[str, str] = _json({})
    met_at: datetime | None = _time(nullable=True)
    stopped_at: datetime | None = _time(nullable=True)
    # When the response ended while this deadline was still owed: its alerts say the report is
    # owed late (R4).
    response_ended_at: datetime | None = _time(nullable=True)
    # Denormalised for the scheduler: the next instant this deadline owes an alert.
    next_alert_at: datetime | None = _time(nullable=True, index=True)


class FiredAlert(SQLModel, table=True):
    """One row per alert ever sent; the unique key is what makes 'never twice' hold."""

    __tablename__ = "fired_alert"
    __table_args__ = (
        sa.Index("ix_fired_alert_incident_kind", "incident_id", "kind"),
        sa.UniqueConstraint(
            "incident_id",
            "deadline",
            "occasion",
            "kind",
            "step",
            "unit",
            "notice",
            name="uq_fired_alert_occasion",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    deadline: str = Field(max_length=64)
    occasion: int = 1  # the deadline's occasion (`DeadlineRow.occasion`)
    kind: str = Field(max_length=16)
    step: int
    unit: str = Field(default="", max_length=64)
    # The notice a re-send is about (0 for deadline alerts: NULLs would never collide).
    notice: int = 0
    recipients: list[str] = _json([])
    due_at: datetime = _time()
    fired_at: datetime = _time()


class Notice(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_notice_incident_status", "incident_id", "status"),
        sa.UniqueConstraint("incident_id", "unit", "kind", "occasion", name="uq_notice_occasion"),
    )
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    unit: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    # A superseded notice is issued again as occasion 2, 3, …; so is each request to the city.
    occasion: int = 1
    # sent → acknowledged | escalated (re-sent) | superseded (by a level change) | withdrawn;
    # `informational` when no acknowledgement is asked.
    status: str = Field(default="sent", max_length=16)
    level: str | None = Field(default=None, max_length=4)
    data: dict[str, Any] = _json({})
    # What the notice said when issued (`NoticeRenderer.snapshot`): the facts and names it
    # quoted and its subject and body. Every later copy shows this, never the live incident.
    # NULL only for notices issued before snapshots were kept.
    snapshot: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(), nullable=True)
    )
    sent_at: datetime = _time()
    ack_due_at: datetime | None = _time(nullable=True, index=True)
    acknowledged_at: datetime | None = _time(nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=200)
    resent_at: datetime | None = _time(nullable=True)


class Obligation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str = Field(max_length=64)
    owner: str = Field(max_length=64)
    status: str = Field(default="open", max_length=16)
    detail: str = Field(default="", max_length=4000)
    opened_at: datetime = _time()
    settled_at: datetime | None = _time(nullable=True)
    amount_yuan: Decimal | None = Field(default=None, sa_type=Money)
    how: str | None = Field(default=None, max_length=4000)


class InvestigationReport(SQLModel, table=True):
    __tablename__ = "investigation_report"
    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    members: list[str] = _json([])
    sections: dict[str, str] = _json({})
    started_at: datetime = _time()
    # The first submission; `sections` always holds the latest version (ReportVersion).
    submitted_at: datetime | None = _time(nullable=True)


class ReportVersion(SQLModel, table=True):
    """One submitted version of the §5.2 report, never changed once written (SPEC R9): a
    correction is the next version, and every earlier one stays readable."""

    __tablename__ = "investigation_report_version"
    __table_args__ = (sa.UniqueConstraint("incident_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    version: int
    sections: dict[str, str] = _json({})
    submitted_at: datetime = _time()
    submitted_by: str = Field(max_length=64)
    reason: str | None = Field(default=None, max_length=4000)


class Delivery(SQLModel, table=True):
    """The outbox: one message to one contact on one channel, written in the same transaction
    as the event that causes it, delivered later by the worker (`engine.outbox`)."""

    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.Index("ix_delivery_incident_status", "incident_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # NULL for a message about a subject other than an incident (`engine.subjects`): `about`.
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    about: str | None = Field(default=None, max_length=64)
    notice_id: int | None = Field(default=None, foreign_key="notice.id")
    # Who it is for: a unit or role code, and which of its contacts (primary/backup/duty).
    recipient: str = Field(max_length=64)
    contact_role: str = Field(default="primary", max_length=16)
    channel: str = Field(max_length=32)
    address: str = Field(default="", max_length=500)
    kind: str = Field(max_length=64)
    subject: str = Field(max_length=500)
    body: str = Field(sa_type=sa.Text)
    # Alerts are written unrendered (a catch-up after an outage may owe thousands; the deciding
    # transaction stays short): the worker renders them from this before the first send.
    template: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(), nullable=True)
    )
    idempotency_key: str = Field(max_length=200)
    # pending → delivered | dead (retries exhausted); `sending` while a worker holds it.
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _time(index=True)
    lease_until: datetime | None = _time(nullable=True)
    last_error: str | None = Field(default=None, max_length=2000)
    provider_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = _time()
    delivered_at: datetime | None = _time(nullable=True)


class DeliveryAttempt(SQLModel, table=True):
    """Every try of a delivery: triggered, then delivered or failed with the channel's error."""

    __tablename__ = "delivery_attempt"
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    at: datetime = _time()
    outcome: str = Field(max_length=16)
    error_code: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=2000)


class OnsiteGroup(SQLModel, table=True):
    """A group of the on-site command (§4.3.2), formed on II/I and amendable by the commander."""

    __tablename__ = "onsite_group"
    __table_args__ = (sa.UniqueConstraint("incident_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    lead: str = Field(max_length=64)
    leader_name: str | None = Field(default=None, max_length=200)
    members: list[str] = _json([])
    formed_at: datetime = _time()


class Statement(SQLModel, table=True):
    """A public statement (§4.3.3): every version kept; draft → approved → released."""

    __table_args__ = (sa.UniqueConstraint("incident_id", "number", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    number: int
    version: int
    text: str = Field(sa_type=sa.Text)
    status: str = Field(default="draft", max_length=16)
    drafted_by: str = Field(max_length=64)
    drafted_at: datetime = _time()
    approved_by: str | None = Field(default=None, max_length=64)
    approved_at: datetime | None = _time(nullable=True)
    released_by: str | None = Field(default=None, max_length=64)
    released_at: datetime | None = _time(nullable=True)


class SchedulerLease(SQLModel, table=True):
    """Which `serve` runs the timers and the delivery worker, and until when (`engine.leader`);
    `until` is seconds since the epoch on the database's own clock."""

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=200)
    until: float
