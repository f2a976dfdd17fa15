"""Durable timers: reminders, overdue escalation and acknowledgement re-sends, from the database.

The database is the only source of truth. Every open deadline row carries `next_alert_at`, the
next instant it owes an alert; every unacknowledged notice carries `ack_due_at`. `catch_up(until)`
brings all of them up to an instant, exactly as a restarted engine would: it decides each alert
with the pure rules of `engine.escalation` and writes the `FiredAlert` row (unique per incident,
deadline and its occasion, kind, step and unit) in the same transaction, so no alert is ever
sent twice, even when two processes catch up at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from loguru import logger
from sqlmodel import Session, col, select

from engine import audit, escalation, onduty, subjects
from engine.db import reading
from engine.errors import Conflict
from engine.models import DeadlineRow, Delivery, FiredAlert, Incident, Notice, TimelineEvent
from engine.outbox import Outbox
from engine.plan import Plan
from engine.record import alert_policy, to_deadline
from engine.timeutil import local_iso

ACK_DEADLINE = "acknowledgement"
ATTEMPTS = 5


@dataclass(frozen=True)
class Fired:
    incident_id: int
    deadline: str
    kind: str
    step: int
    recipients: tuple[str, ...]
    at: datetime
    fired_at: datetime
    unit: str = ""
    notice: int = 0
    occasion: int = 1
    # A deadline on a subject other than an incident (`engine.subjects`): "kind:id", and
    # `incident_id` is 0.
    subject: str = ""

    def as_dict(self, zone: ZoneInfo) -> dict[str, Any]:
        out: dict[str, Any] = {
            "incident_id": self.incident_id,
            "deadline": self.deadline,
            "kind": self.kind,
            "step": self.step,
            "recipients": list(self.recipients),
            "at": local_iso(self.at, zone),
        }
        if self.subject:
            del out["incident_id"]
            out["subject"] = self.subject
        if self.unit:
            out["unit"] = self.unit
        if self.notice:
            out["notice"] = self.notice
        if self.occasion > 1:
            out["occasion"] = self.occasion
        return out


DeadlineKey = tuple[int, str, int]  # incident, deadline code, occasion


def _fired_by_deadline(
    session: Session, incident_ids: set[int]
) -> dict[DeadlineKey, set[tuple[str, int]]]:
    fired: dict[DeadlineKey, set[tuple[str, int]]] = defaultdict(set)
    ids = sorted(incident_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            sa.select(
                col(FiredAlert.incident_id),
                col(FiredAlert.deadline),
                col(FiredAlert.occasion),
                col(FiredAlert.kind),
                col(FiredAlert.step),
            ).where(col(FiredAlert.incident_id).in_(chunk))
        )
        for incident_id, deadline, occasion, kind, step in rows:
            fired[(incident_id, deadline, occasion)].add((kind, step))
    return fired


@dataclass
class Batch:
    """Rows a catch-up writes, inserted together (one executemany per table) at the end:
    thousands of alerts after a long outage must not cost thousands of ORM flushes. The timeline
    rows are chained (`engine.audit`) in the same transaction, their MACs computed here."""

    fired: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    next_alerts: list[dict[str, Any]] = field(default_factory=list)

    def record(self, fired: Fired, now: datetime, data: dict[str, Any]) -> None:
        self.fired.append(
            {
                "incident_id": fired.incident_id,
                "deadline": fired.deadline,
                "occasion": fired.occasion,
                "kind": fired.kind,
                "step": fired.step,
                "unit": fired.unit,
                "notice": fired.notice,
                "recipients": list(fired.recipients),
                "due_at": fired.at,
                "fired_at": now,
            }
        )
        late = (now - fired.at).total_seconds()
        self.events.append(
            {
                "incident_id": fired.incident_id,
                "at": now,
                "recorded_at": now,
                "actor": "system",
                "person": None,
                "kind": f"alert_{fired.kind}",
                "data": {
                    "deadline": fired.deadline,
                    "occasion": fired.occasion,
                    "step": fired.step,
                    "recipients": list(fired.recipients),
                    "due_at": fired.at.isoformat(),
                    "late_seconds": round(late, 3),
                    **data,
                },
            }
        )

    def write(self, session: Session) -> None:
        onduty.stamp_rows(session, self.events)
        audit.chain_rows(session, self.events)
        for model, rows in (
            (FiredAlert, self.fired),
            (TimelineEvent, self.events),
            (Delivery, self.deliveries),
        ):
            if rows:
                session.execute(sa.insert(model), rows)
        if self.next_alerts:
            session.execute(sa.update(DeadlineRow), self.next_alerts)


def _drill_flags(session: Session, ids: set[int]) -> dict[int, bool]:
    """Incident id → whether it is a drill: all an alert's message rows need of it."""
    found: dict[int, bool] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        for incident_id, drill in session.exec(
            select(Incident.id, Incident.drill).where(
                col(Incident.id).in_(ordered[start : start + 500])
            )
        ):
            assert incident_id is not None
            found[incident_id] = drill
    return found


def _deadline_alerts(
    session: Session, plan: Plan, until: datetime, outbox: Outbox | None, batch: Batch
) -> list[Fired]:
    rows = list(
        session.exec(
            select(DeadlineRow).where(
                col(DeadlineRow.next_alert_at).is_not(None),
                col(DeadlineRow.next_alert_at) <= until,
                col(DeadlineRow.met_at).is_(None),
                col(DeadlineRow.stopped_at).is_(None),
            )
        )
    )
    fired_sets = _fired_by_deadline(session, {row.incident_id for row in rows})
    drills = _drill_flags(session, {row.incident_id for row in rows}) if outbox else {}
    out: list[Fired] = []
    for row in rows:
        deadline = to_deadline(row)
        policy = alert_policy(plan, row.code)
        fired = fired_sets[(row.incident_id, row.code, row.occasion)]
        alert = escalation.due_alert(deadline, policy, until, fired)
        if alert is not None:
            done = Fired(
                row.incident_id,
                row.code,
                alert.kind,
                alert.step,
                alert.recipients,
                alert.at,
                until,
                occasion=row.occasion,
            )
            # Owed after the response ended: the report is still due, as a late report (R4).
            after_response = row.response_ended_at is not None
            batch.record(
                done,
                until,
                {"deadline_due_at": row.due_at.isoformat(), "after_response": after_response},
            )
            if outbox is not None:
                incident = (row.incident_id, drills[row.incident_id])
                batch.deliveries += outbox.alert(
                    incident,
                    deadline,
                    alert.kind,
                    alert.step,
                    alert.recipients,
                    until,
                    after_response,
                )
            fired = fired | {(alert.kind, alert.step)}
            out.append(done)
        batch.next_alerts.append(
            {"id": row.id, "next_alert_at": escalation.next_alert_at(deadline, policy, fired)}
        )
    return out


def _ack_resends(
    session: Session, until: datetime, outbox: Outbox | None, batch: Batch
) -> list[Fired]:
    notices = list(
        session.exec(
            select(Notice).where(
                Notice.status == "sent",
                col(Notice.ack_due_at).is_not(None),
                col(Notice.ack_due_at) <= until,
            )
        )
    )
    out: list[Fired] = []
    for notice in notices:
        assert notice.ack_due_at is not None and notice.id is not None
        done = Fired(
            notice.incident_id,
            ACK_DEADLINE,
            "resend",
            1,
            (f"{notice.unit}:backup",),
            notice.ack_due_at,
            until,
            unit=notice.unit,
            notice=notice.id,
        )
        batch.record(
            done, until, {"unit": notice.unit, "notice": notice.id, "notice_kind": notice.kind}
        )
        notice.status = "escalated"
        notice.resent_at = until
        session.add(notice)
        if outbox is not None:
            incident = session.get(Incident, notice.incident_id)
            assert incident is not None
            batch.deliveries += outbox.resend(incident, notice, until)
        out.append(done)
    return out


def catch_up(
    db: sa.Engine,
    plan: Plan,
    until: datetime,
    outbox: Outbox | None = None,
    handlers: Mapping[str, subjects.Handler] | None = None,
) -> list[Fired]:
    """Fire every alert owed at `until` (coalesced) in one transaction; retried on a write race,
    which the unique key turns into a no-op for whatever the other process already sent."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with Session(db, expire_on_commit=False) as session:
                batch = Batch()
                # Nothing is written before the batch takes its incidents' chain heads (the
                # order `act` takes them in too: head first, then deadlines and notices).
                with session.no_autoflush:
                    fired = _deadline_alerts(session, plan, until, outbox, batch) + _ack_resends(
                        session, until, outbox, batch
                    )
                batch.write(session)
                fired += [
                    Fired(
                        0,
                        row.code,
                        alert.kind,
                        alert.step,
                        alert.recipients,
                        alert.at,
                        until,
                        occasion=row.occasion,
                        subject=f"{row.subject_kind}:{row.subject_id}",
                    )
                    for row, alert in subjects.catch_up(
                        session, plan, until, outbox, handlers or {}
                    )
                ]
                session.commit()
                return sorted(fired, key=lambda f: (f.at, f.incident_id, f.deadline))
        except (sa.exc.IntegrityError, sa.exc.OperationalError, Conflict) as exc:
            if attempt == ATTEMPTS:
                raise
            logger.warning("catch-up raced another writer ({}); retrying", type(exc).__name__)
    raise AssertionError("unreachable")


def next_wake(
    db: sa.Engine, handlers: Mapping[str, subjects.Handler] | None = None
) -> datetime | None:
    """The earliest instant any timer is owed, for the scheduler to wake at."""
    with reading(db) as session:
        deadline_at = session.exec(
            select(sa.func.min(DeadlineRow.next_alert_at)).where(
                col(DeadlineRow.met_at).is_(None), col(DeadlineRow.stopped_at).is_(None)
            )
        ).one()
        ack_at = session.exec(
            select(sa.func.min(Notice.ack_due_at)).where(Notice.status == "sent")
        ).one()
        subject_at = subjects.next_wake(session, handlers or {})
    candidates: list[datetime] = [t for t in (deadline_at, ack_at, subject_at) if t is not None]
    return min(candidates, default=None)
