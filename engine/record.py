"""One incident's record within one transaction: its row, timeline, deadlines and notices.

Workflow effects call these methods; the caller commits the session once, so an action's state
change and every event it causes land together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from engine import deadlines as dl
from engine import escalation
from engine.models import (
    DeadlineRow,
    FactRevision,
    FiredAlert,
    Incident,
    Notice,
    Obligation,
    TimelineEvent,
)
from engine.notices import NoticeRenderer
from engine.outbox import Outbox
from engine.plan import Level, Plan
from engine.schemas import json_money
from engine.timeutil import as_utc

FACT_FIELDS = (
    "condition",
    "street",
    "address",
    "dead",
    "missing",
    "injured",
    "economic_loss_yuan",
    "people_at_risk",
    "discovered_at",
    "reporter",
    "description",
)


R = TypeVar("R", bound=SQLModel)


def to_deadline(row: DeadlineRow) -> dl.Deadline:
    return dl.Deadline(
        code=row.code,
        started_at=row.started_at,
        due_at=row.due_at,
        recipients=tuple(row.recipients),
        reported={k: as_utc(datetime.fromisoformat(v)) for k, v in row.reported.items()},
        met_at=row.met_at,
        stopped_at=row.stopped_at,
        occasion=row.occasion,
    )


def backfills(
    rows: Iterable[DeadlineRow], timeline: Iterable[TimelineEvent]
) -> dict[tuple[str, int], datetime]:
    """The deadlines (code, occasion) met only by a backfilled report, each with when
    that report was recorded. Read from the timeline, the one record of both the overdue alerts
    and when the deadline was met."""
    met: dict[tuple[str, int], datetime] = {}
    alerted: dict[tuple[str, int], datetime] = {}
    for event in timeline:
        key = (str(event.data.get("deadline")), int(event.data.get("occasion") or 1))
        if event.kind == "deadline_met":
            met[key] = event.recorded_at
        elif event.kind == "alert_overdue":
            alerted[key] = min(event.recorded_at, alerted.get(key, event.recorded_at))
    return {
        (row.code, row.occasion): met[(row.code, row.occasion)]
        for row in rows
        if dl.backfilled(
            to_deadline(row),
            met.get((row.code, row.occasion)),
            alerted.get((row.code, row.occasion)),
        )
    }


def alert_policy(plan: Plan, code: str) -> escalation.AlertPolicy:
    rule = plan.deadlines[code]
    return escalation.AlertPolicy(
        reminder_minutes_before=tuple(plan.alerts.reminder_minutes_before),
        overdue_interval_minutes=plan.alerts.overdue_interval_minutes,
        responsible=rule.responsible,
        chain=tuple(rule.escalation),
    )


def fired_steps(
    session: Session, incident_id: int, code: str, occasion: int
) -> set[tuple[str, int]]:
    rows = session.exec(
        select(FiredAlert.kind, FiredAlert.step).where(
            FiredAlert.incident_id == incident_id,
            FiredAlert.deadline == code,
            FiredAlert.occasion == occasion,
        )
    ).all()
    return {(kind, step) for kind, step in rows}


class IncidentRecord:
    """The model the lifecycle machine drives: `state` reads and writes the incident row."""

    def __init__(
        self,
        session: Session,
        plan: Plan,
        incident: Incident,
        now: datetime,
        outbox: Outbox | None = None,
    ) -> None:
        self.session = session
        self.plan = plan
        self.incident = incident
        self.now = now
        self.outbox = outbox
        self._renderer = outbox.renderer if outbox is not None else None
        # (unit, kind) → the occasions issued and whether one of them still stands (not
        # superseded); loaded once per action.
        self._issued: dict[tuple[str, str], tuple[int, bool]] | None = None
        # Set when a desk records this action on a body's behalf (R11): every event the action
        # logs for that body carries it, so the record shows who recorded it and from what.
        self.proxy: dict[str, Any] | None = None

    @property
    def renderer(self) -> NoticeRenderer:
        """The notice texts (made on first use: reading a record renders nothing)."""
        if self._renderer is None:
            self._renderer = NoticeRenderer(self.plan)
        return self._renderer

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
        return self.incident.response_level

    # -- timeline -------------------------------------------------------------------------

    def log(
        self,
        kind: str,
        actor: str,
        at: datetime,
        data: dict[str, Any] | None = None,
        person: str | None = None,
    ) -> None:
        data = data or {}
        if self.proxy is not None and actor == self.proxy["for"]:
            data = {**data, "proxy": self.proxy}
        self.session.add(
            TimelineEvent(
                incident_id=self.id,
                at=at,
                recorded_at=self.now,
                actor=actor,
                person=person,
                kind=kind,
                data=data,
            )
        )

    def revise_facts(
        self, changes: dict[str, Any], action: str, actor: str, at: datetime
    ) -> dict[str, Any]:
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
            self.session.add(
                FactRevision(
                    incident_id=self.id,
                    action=action,
                    actor=actor,
                    at=at,
                    recorded_at=self.now,
                    changes=diff,
                )
            )
        return diff

    # -- deadlines ------------------------------------------------------------------------

    def deadline_rows(self) -> list[DeadlineRow]:
        """Every deadline of the incident, each occasion its own row, in the order started."""
        return list(
            self.session.exec(
                select(DeadlineRow)
                .where(DeadlineRow.incident_id == self.id)
                .order_by(col(DeadlineRow.id))
            )
        )

    def start_deadline(
        self, code: str, started_at: datetime, again: bool = False
    ) -> DeadlineRow | None:
        """Start the deadline once; a second start of the same code is a no-op, unless `again`:
        a new occasion of it (R2: the city HQ is asked again on a raise to I)."""
        occasions = [row.occasion for row in self.deadline_rows() if row.code == code]
        if occasions and not again:
            return None
        occasion = max(occasions, default=0) + 1
        deadline = dl.start(self.plan.deadlines[code], code, started_at, occasion)
        row = DeadlineRow(
            incident_id=self.id,
            code=code,
            occasion=occasion,
            started_at=started_at,
            due_at=deadline.due_at,
            recipients=list(deadline.recipients),
        )
        row.next_alert_at = escalation.next_alert_at(deadline, alert_policy(self.plan, code), set())
        self.session.add(row)
        self.session.flush()
        self.log(
            "deadline_started",
            "system",
            started_at,
            {
                "deadline": code,
                "occasion": occasion,
                "due_at": deadline.due_at.isoformat(),
                "clause": self.plan.deadlines[code].clause,
            },
        )
        return row

    def _retime_from_discovery(self) -> None:
        """A corrected discovery time moves the deadlines counted from it (§4.2: 1 hour)."""
        for row in self.deadline_rows():
            rule = self.plan.deadlines[row.code]
            if rule.from_ != "discovered_at":
                continue
            row.started_at = self.incident.discovered_at
            row.due_at = row.started_at + timedelta(minutes=rule.within_minutes)
            row.next_alert_at = escalation.next_alert_at(
                to_deadline(row),
                alert_policy(self.plan, row.code),
                fired_steps(self.session, self.id, row.code, row.occasion),
            )
            self.session.add(row)
            self.log(
                "deadline_retimed",
                "system",
                self.now,
                {
                    "deadline": row.code,
                    "due_at": row.due_at.isoformat(),
                    "reason": "discovery_corrected",
                },
            )

    def record_report(self, recipient: str, at: datetime) -> list[str]:
        """Meet every open deadline (every open occasion) waiting on `recipient`; returns the
        codes now met."""
        met: list[str] = []
        for row in self.deadline_rows():
            before = to_deadline(row)
            after = dl.record_report(before, recipient, at)
            if after is before:
                continue
            row.reported = {k: v.isoformat() for k, v in after.reported.items()}
            row.met_at = after.met_at
            if after.met_at is not None:
                row.next_alert_at = None
                met.append(row.code)
                self.log(
                    "deadline_met",
                    "system",
                    after.met_at,
                    {
                        "deadline": row.code,
                        "occasion": row.occasion,
                        "status": dl.status(after, self.now),
                    },
                )
            self.session.add(row)
        return list(dict.fromkeys(met))

    def end_waits(self, at: datetime, reason: str) -> None:
        """No notice waits for its acknowledgement any longer: no more re-sends (R4)."""
        ended = []
        for notice in self.notices():
            if notice.ack_due_at is not None and notice.status in ("sent", "escalated"):
                notice.ack_due_at = None
                self.session.add(notice)
                ended.append(notice.id)
        if ended:
            self.log(
                "acknowledgement_waits_ended", "system", at, {"notices": ended, "reason": reason}
            )

    def end_response(self, at: datetime) -> None:
        """The response is over (terminated): acknowledgement waits end, but reports still owed
        stay owed until made, and their alerts now say they are owed late (R4)."""
        self.end_waits(at, "response_ended")
        for row in self.deadline_rows():
            if row.met_at is None and row.stopped_at is None and row.response_ended_at is None:
                row.response_ended_at = at
                self.session.add(row)

    def stop_timers(self, at: datetime, reason: str) -> None:
        """Ended (e.g. closed or dismissed): deadlines stop where they are, notices stop
        waiting. `reason` is a code the workflow's vocabulary names."""
        self.end_waits(at, reason)
        for row in self.deadline_rows():
            if row.met_at is None and row.stopped_at is None:
                row.stopped_at = at
                row.next_alert_at = None
                self.session.add(row)

    # -- notices and obligations --------------------------------------------------------

    def notices(self) -> list[Notice]:
        return list(
            self.session.exec(
                select(Notice).where(Notice.incident_id == self.id).order_by(col(Notice.id))
            )
        )

    def notify(
        self,
        unit: str,
        kind: str,
        at: datetime,
        data: dict[str, Any],
        needs_ack: bool = True,
        occasion: int | None = None,
    ) -> Notice | None:
        """Issue a notice once per (unit, kind) while one stands (a superseded one is issued
        again, as the next occasion); `occasion` issues that occasion whatever stands (each
        request to the city HQ is its own). Acknowledgement is due after the policy's wait; the
        text is fixed now (`Notice.snapshot`)."""
        if self._issued is None:
            self._issued = {}
            for n in self.notices():
                last, standing = self._issued.get((n.unit, n.kind), (0, False))
                self._issued[(n.unit, n.kind)] = (
                    max(last, n.occasion),
                    standing or n.status != "superseded",
                )
        last, standing = self._issued.get((unit, kind), (0, False))
        if occasion is None:
            if standing:
                return None
            occasion = last + 1
        self._issued[(unit, kind)] = (max(last, occasion), True)
        ack_due = at + timedelta(minutes=self.plan.alerts.acknowledgement_minutes)
        notice = Notice(
            incident_id=self.id,
            unit=unit,
            kind=kind,
            occasion=occasion,
            level=self.incident.response_level,
            data=data,
            sent_at=at,
            ack_due_at=ack_due if needs_ack else None,
            status="sent" if needs_ack else "informational",
            snapshot=self.renderer.snapshot(kind, self.incident, unit, data, at),
        )
        self.session.add(notice)
        self.session.flush()
        self.log(
            "notice_sent",
            "system",
            at,
            {"unit": unit, "kind": kind, "notice": notice.id, "occasion": occasion},
        )
        if self.outbox is not None:
            self.outbox.notice(self.session, self.incident, notice)
        return notice

    def supersede(self, level: str, at: datetime, actor: str) -> None:
        """A level change: the notices of `level` still waiting for an acknowledgement are
        superseded (no more re-sends; the new level's notices replace them). Acknowledged ones
        stay acknowledged."""
        for notice in self.notices():
            if notice.level == level and notice.status in ("sent", "escalated"):
                notice.status = "superseded"
                notice.ack_due_at = None
                self.session.add(notice)
                if self._issued is not None:
                    last, _ = self._issued[(notice.unit, notice.kind)]
                    self._issued[(notice.unit, notice.kind)] = (last, False)
                self.log(
                    "notice_superseded",
                    actor,
                    at,
                    {"unit": notice.unit, "kind": notice.kind, "notice": notice.id, "level": level},
                )

    def obligations(self) -> list[Obligation]:
        return self.rows(Obligation, col(Obligation.id))

    # -- the workflow's own rows ----------------------------------------------------------

    def peer(self, incident_id: int) -> IncidentRecord | None:
        """Another incident this action writes to as well (the original a duplicate folds
        into), locked like the acting one; None if there is no such incident."""
        query = select(Incident).where(Incident.id == incident_id).with_for_update(key_share=True)
        incident = self.session.exec(query).first()
        if incident is None:
            return None
        return IncidentRecord(self.session, self.plan, incident, self.now, self.outbox)

    def rows(self, model: type[R], *order: Any, **where: Any) -> list[R]:
        """This incident's rows of `model` whose columns equal `where`, in `order`: the
        workflow reads its tables through the record, never through the session."""
        key = "incident_id"
        query = select(model).where(getattr(model, key) == self.id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(self.session.exec(query.order_by(*order)))

    def row(self, model: type[R]) -> R | None:
        """The incident's one row of a table keyed by the incident (e.g. its report)."""
        return self.session.get(model, self.id)

    def add(self, row: SQLModel, *, flush: bool = False) -> None:
        """Record a new or changed row in the action's transaction (`flush`: give it its id)."""
        self.session.add(row)
        if flush:
            self.session.flush()


def plain(value: Any) -> Any:
    """A value as the JSON of the timeline holds it (times as ISO text, money as a number)."""
    if isinstance(value, datetime):
        return value.isoformat()
    return json_money(value) if isinstance(value, Decimal) else value
