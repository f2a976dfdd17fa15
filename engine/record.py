"""One incident's record within one transaction: its row, timeline, deadlines and notices.

Workflow effects call these methods; the caller commits the session once, so an action's state
change and every event it causes land together or not at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from engine import deadlines as dl
from engine import escalation
from engine.classify import Facts
from engine.models import (
    DeadlineRow,
    FactRevision,
    FiredAlert,
    Incident,
    Notice,
    Obligation,
    TimelineEvent,
)
from engine.outbox import Outbox
from engine.plan import Level, Plan
from engine.schemas import json_money
from engine.timeutil import as_utc

FACT_FIELDS = ("condition", "street", "address", "dead", "missing", "injured",
               "economic_loss_yuan", "people_at_risk", "discovered_at", "reporter", "description")


def to_deadline(row: DeadlineRow) -> dl.Deadline:
    return dl.Deadline(
        code=row.code, started_at=row.started_at, due_at=row.due_at,
        recipients=tuple(row.recipients),
        reported={k: as_utc(datetime.fromisoformat(v)) for k, v in row.reported.items()},
        met_at=row.met_at, stopped_at=row.stopped_at,
    )


def alert_policy(plan: Plan, code: str) -> escalation.AlertPolicy:
    rule = plan.deadlines[code]
    return escalation.AlertPolicy(
        reminder_minutes_before=tuple(plan.alerts.reminder_minutes_before),
        overdue_interval_minutes=plan.alerts.overdue_interval_minutes,
        responsible=rule.responsible, chain=tuple(rule.escalation))


def fired_steps(session: Session, incident_id: int, code: str) -> set[tuple[str, int]]:
    rows = session.exec(select(FiredAlert.kind, FiredAlert.step).where(
        FiredAlert.incident_id == incident_id, FiredAlert.deadline == code)).all()
    return {(kind, step) for kind, step in rows}


class IncidentRecord:
    """The model the lifecycle machine drives: `state` reads and writes the incident row."""

    def __init__(self, session: Session, plan: Plan, incident: Incident, now: datetime,
                 outbox: Outbox | None = None) -> None:
        self.session = session
        self.plan = plan
        self.incident = incident
        self.now = now
        self.outbox = outbox
        self._issued: set[tuple[str, str]] | None = None  # (unit, kind) of notices, loaded once

    @property
    def id(self) -> int:
        assert self.incident.id is not None
        return self.incident.id

    @property
    def state(self) -> str:
        return self.incident.state

    @state.setter
    def state(self, value: str) -> None:
        self.incident.state = value

    @property
    def level(self) -> Level:
        level: Level = self.incident.response_level  # type: ignore[assignment]
        return level

    def facts(self) -> Facts:
        i = self.incident
        return Facts.recorded(i.condition, dead=i.dead, missing=i.missing,
                              economic_loss_yuan=i.economic_loss_yuan,
                              people_at_risk=i.people_at_risk)

    # -- timeline -------------------------------------------------------------------------

    def log(self, kind: str, actor: str, at: datetime, data: dict[str, Any] | None = None,
            person: str | None = None) -> None:
        self.session.add(TimelineEvent(incident_id=self.id, at=at, recorded_at=self.now,
                                       actor=actor, person=person, kind=kind, data=data or {}))

    def revise_facts(self, changes: dict[str, Any], action: str, actor: str,
                     at: datetime) -> dict[str, Any]:
        """Apply corrected facts; keep the before/after values. Returns what really changed."""
        diff: dict[str, Any] = {}
        for name, value in changes.items():
            old = getattr(self.incident, name)
            if old != value:
                diff[name] = {"from": plain(old), "to": plain(value)}
                setattr(self.incident, name, value)
        if "discovered_at" in diff:
            self._retime_from_discovery()
        if diff:
            self.session.add(FactRevision(incident_id=self.id, action=action, actor=actor,
                                          at=at, recorded_at=self.now, changes=diff))
        return diff

    # -- deadlines ------------------------------------------------------------------------

    def deadline_rows(self) -> dict[str, DeadlineRow]:
        rows = self.session.exec(select(DeadlineRow).where(DeadlineRow.incident_id == self.id))
        return {row.code: row for row in rows}

    def start_deadline(self, code: str, started_at: datetime) -> DeadlineRow | None:
        """Start the deadline once; a second start of the same code is a no-op."""
        if code in self.deadline_rows():
            return None
        deadline = dl.start(self.plan.deadlines[code], code, started_at)
        row = DeadlineRow(incident_id=self.id, code=code, started_at=started_at,
                          due_at=deadline.due_at, recipients=list(deadline.recipients))
        row.next_alert_at = escalation.next_alert_at(deadline, alert_policy(self.plan, code),
                                                     set())
        self.session.add(row)
        self.log("deadline_started", "system", started_at,
                 {"deadline": code, "due_at": deadline.due_at.isoformat(),
                  "clause": self.plan.deadlines[code].clause})
        return row

    def _retime_from_discovery(self) -> None:
        """A corrected discovery time moves the deadlines counted from it (§4.2: 1 hour)."""
        for row in self.deadline_rows().values():
            rule = self.plan.deadlines[row.code]
            if rule.from_ != "discovered_at":
                continue
            row.started_at = self.incident.discovered_at
            row.due_at = row.started_at + timedelta(minutes=rule.within_minutes)
            row.next_alert_at = escalation.next_alert_at(
                to_deadline(row), alert_policy(self.plan, row.code),
                fired_steps(self.session, self.id, row.code))
            self.session.add(row)
            self.log("deadline_retimed", "system", self.now,
                     {"deadline": row.code, "due_at": row.due_at.isoformat(),
                      "reason": "发现时间更正"})

    def record_report(self, recipient: str, at: datetime) -> list[str]:
        """Meet every open deadline waiting on `recipient`; returns the codes now met."""
        met: list[str] = []
        for row in self.deadline_rows().values():
            before = to_deadline(row)
            after = dl.record_report(before, recipient, at)
            if after is before:
                continue
            row.reported = {k: v.isoformat() for k, v in after.reported.items()}
            row.met_at = after.met_at
            if after.met_at is not None:
                row.next_alert_at = None
                met.append(row.code)
                self.log("deadline_met", "system", after.met_at,
                         {"deadline": row.code, "status": dl.status(after, self.now)})
            self.session.add(row)
        return met

    def stop_timers(self, at: datetime) -> None:
        """Dismissed or closed: deadlines stop where they are, notices stop waiting."""
        for row in self.deadline_rows().values():
            if row.met_at is None and row.stopped_at is None:
                row.stopped_at = at
                row.next_alert_at = None
                self.session.add(row)
        for notice in self.notices():
            if notice.ack_due_at is not None and notice.status == "sent":
                notice.ack_due_at = None
                self.session.add(notice)

    # -- notices and obligations --------------------------------------------------------

    def notices(self) -> list[Notice]:
        return list(self.session.exec(select(Notice).where(Notice.incident_id == self.id)
                                      .order_by(col(Notice.id))))

    def notify(self, unit: str, kind: str, at: datetime, data: dict[str, Any],
               needs_ack: bool = True) -> Notice | None:
        """Issue a notice once per (unit, kind); acknowledgement is due after the policy's wait."""
        if self._issued is None:
            self._issued = {(n.unit, n.kind) for n in self.notices()}
        if (unit, kind) in self._issued:
            return None
        self._issued.add((unit, kind))
        ack_due = at + timedelta(minutes=self.plan.alerts.acknowledgement_minutes)
        notice = Notice(incident_id=self.id, unit=unit, kind=kind,
                        level=self.incident.response_level, data=data, sent_at=at,
                        ack_due_at=ack_due if needs_ack else None,
                        status="sent" if needs_ack else "informational")
        self.session.add(notice)
        self.session.flush()
        self.log("notice_sent", "system", at, {"unit": unit, "kind": kind, "notice": notice.id})
        if self.outbox is not None:
            self.outbox.notice(self.session, self.incident, notice)
        return notice

    def obligations(self) -> list[Obligation]:
        return list(self.session.exec(select(Obligation).where(Obligation.incident_id == self.id)
                                      .order_by(col(Obligation.id))))


def plain(value: Any) -> Any:
    """A value as the JSON of the timeline holds it (times as ISO text, money as a number)."""
    if isinstance(value, datetime):
        return value.isoformat()
    return json_money(value) if isinstance(value, Decimal) else value
