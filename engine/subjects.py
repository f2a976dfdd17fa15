"""Deadlines on a subject other than an incident, in the same timer engine.

A workflow may need a durable deadline on a thing it keeps itself (a registered object that is
due some periodic action). Such a deadline is a `SubjectDeadline`: the subject is named by a kind
and an id the workflow owns; the row carries its own alert policy (set from the configuration
when it starts), so the kernel knows nothing of what the subject is. `engine.timers.catch_up`
brings these deadlines up to an instant with the same pure rules as the incidents' deadlines
(`engine.escalation`): reminders, overdue escalation, coalesced catch-up, and a `SubjectAlert`
row unique per subject, deadline, occasion, kind and step, so nothing fires twice.

What an alert says and to whom it is written is the workflow's: it hands a writer for each of its
subject kinds (`Workflow.subject_alerts`). An alert owed to a kind with no writer in this process
is left owed (not fired, not lost) until a process that knows the kind catches up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from loguru import logger
from sqlmodel import Field, Session, SQLModel, col, select

from engine import deadlines as dl
from engine import escalation
from engine.deadlines import Deadline
from engine.models import _json, _time
from engine.outbox import Outbox
from engine.plan import Plan


class SubjectDeadline(SQLModel, table=True):
    __tablename__ = "subject_deadline"
    __table_args__ = (
        sa.UniqueConstraint(
            "subject_kind", "subject_id", "code", "occasion", name="uq_subject_deadline_occasion"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=32)
    subject_id: int = Field(index=True)
    code: str = Field(max_length=64)
    occasion: int = 1
    started_at: datetime = _time()
    due_at: datetime = _time(index=True)
    recipients: list[str] = _json([])
    reported: dict[str, str] = _json({})
    responsible: str = Field(max_length=64)
    chain: list[str] = _json([])
    reminder_minutes_before: list[float] = _json([])
    overdue_interval_minutes: float
    met_at: datetime | None = _time(nullable=True)
    stopped_at: datetime | None = _time(nullable=True)
    next_alert_at: datetime | None = _time(nullable=True, index=True)


class SubjectAlert(SQLModel, table=True):
    """One row per alert ever fired on a subject's deadline: the key makes 'never twice' hold."""

    __tablename__ = "subject_alert"
    __table_args__ = (
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
    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=32)
    subject_id: int = Field(index=True)
    code: str = Field(max_length=64)
    occasion: int = 1
    kind: str = Field(max_length=16)
    step: int
    recipients: list[str] = _json([])
    due_at: datetime = _time()
    fired_at: datetime = _time()


Handler = Callable[
    [Session, Plan, SubjectDeadline, escalation.DueAlert, datetime, Outbox | None], None
]


def policy(row: SubjectDeadline) -> escalation.AlertPolicy:
    return escalation.AlertPolicy(
        reminder_minutes_before=tuple(row.reminder_minutes_before),
        overdue_interval_minutes=row.overdue_interval_minutes,
        responsible=row.responsible,
        chain=tuple(row.chain),
    )


def to_deadline(row: SubjectDeadline) -> Deadline:
    return Deadline(
        code=row.code,
        started_at=row.started_at,
        due_at=row.due_at,
        recipients=tuple(row.recipients),
        reported={k: datetime.fromisoformat(v) for k, v in row.reported.items()},
        met_at=row.met_at,
        stopped_at=row.stopped_at,
        occasion=row.occasion,
    )


@dataclass(frozen=True)
class Start:
    """What a new subject deadline needs: when it is due and its alert policy."""

    kind: str
    subject_id: int
    code: str
    started_at: datetime
    due_at: datetime
    recipients: tuple[str, ...]
    policy: escalation.AlertPolicy


def start(session: Session, spec: Start) -> SubjectDeadline:
    """Open the next occasion of a subject's deadline (its first alert time set at once)."""
    last = session.exec(
        select(sa.func.max(SubjectDeadline.occasion)).where(
            SubjectDeadline.subject_kind == spec.kind,
            SubjectDeadline.subject_id == spec.subject_id,
            SubjectDeadline.code == spec.code,
        )
    ).one()
    row = SubjectDeadline(
        subject_kind=spec.kind,
        subject_id=spec.subject_id,
        code=spec.code,
        occasion=(last or 0) + 1,
        started_at=spec.started_at,
        due_at=spec.due_at,
        recipients=list(spec.recipients),
        responsible=spec.policy.responsible,
        chain=list(spec.policy.chain),
        reminder_minutes_before=list(spec.policy.reminder_minutes_before),
        overdue_interval_minutes=spec.policy.overdue_interval_minutes,
    )
    row.next_alert_at = escalation.next_alert_at(to_deadline(row), spec.policy, set())
    session.add(row)
    return row


def open_deadlines(
    session: Session, kind: str, subject_id: int, code: str | None = None
) -> list[SubjectDeadline]:
    query = select(SubjectDeadline).where(
        SubjectDeadline.subject_kind == kind,
        SubjectDeadline.subject_id == subject_id,
        col(SubjectDeadline.met_at).is_(None),
        col(SubjectDeadline.stopped_at).is_(None),
    )
    if code is not None:
        query = query.where(SubjectDeadline.code == code)
    return list(session.exec(query.order_by(col(SubjectDeadline.id))))


def meet(
    session: Session, kind: str, subject_id: int, code: str, at: datetime
) -> list[SubjectDeadline]:
    """Meet every open deadline `code` of the subject at `at`; no alert is owed after it."""
    rows = open_deadlines(session, kind, subject_id, code)
    for row in rows:
        row.met_at, row.next_alert_at = at, None
        session.add(row)
    return rows


def record_report(
    session: Session, kind: str, subject_id: int, code: str, recipient: str, at: datetime
) -> list[SubjectDeadline]:
    """A report to `recipient` at `at`: each open deadline `code` waiting on it is met once
    every recipient has had one (`engine.deadlines.record_report`)."""
    touched = []
    for row in open_deadlines(session, kind, subject_id, code):
        after = dl.record_report(to_deadline(row), recipient, at)
        if after.reported == to_deadline(row).reported:
            continue
        row.reported = {k: v.isoformat() for k, v in after.reported.items()}
        row.met_at = after.met_at
        if after.met_at is not None:
            row.next_alert_at = None
        session.add(row)
        touched.append(row)
    return touched


def stop(session: Session, kind: str, subject_id: int, at: datetime) -> None:
    """Stop every open deadline of the subject (it no longer needs them)."""
    for row in open_deadlines(session, kind, subject_id):
        row.stopped_at, row.next_alert_at = at, None
        session.add(row)


def catch_up(
    session: Session,
    plan: Plan,
    until: datetime,
    outbox: Outbox | None,
    handlers: Mapping[str, Handler],
) -> list[tuple[SubjectDeadline, escalation.DueAlert]]:
    """Fire, in the caller's transaction, every alert owed at `until` on subject deadlines of
    kinds this process has a handler for."""
    rows = list(
        session.exec(
            select(SubjectDeadline).where(
                col(SubjectDeadline.next_alert_at).is_not(None),
                col(SubjectDeadline.next_alert_at) <= until,
                col(SubjectDeadline.met_at).is_(None),
                col(SubjectDeadline.stopped_at).is_(None),
                col(SubjectDeadline.subject_kind).in_(sorted(handlers)),
            )
        )
    )
    out: list[tuple[SubjectDeadline, escalation.DueAlert]] = []
    for row in rows:
        fired = {
            (kind, step)
            for kind, step in session.exec(
                select(SubjectAlert.kind, SubjectAlert.step).where(
                    SubjectAlert.subject_kind == row.subject_kind,
                    SubjectAlert.subject_id == row.subject_id,
                    SubjectAlert.code == row.code,
                    SubjectAlert.occasion == row.occasion,
                )
            )
        }
        deadline, rules = to_deadline(row), policy(row)
        alert = escalation.due_alert(deadline, rules, until, fired)
        if alert is not None:
            session.add(
                SubjectAlert(
                    subject_kind=row.subject_kind,
                    subject_id=row.subject_id,
                    code=row.code,
                    occasion=row.occasion,
                    kind=alert.kind,
                    step=alert.step,
                    recipients=list(alert.recipients),
                    due_at=alert.at,
                    fired_at=until,
                )
            )
            handlers[row.subject_kind](session, plan, row, alert, until, outbox)
            fired.add((alert.kind, alert.step))
            out.append((row, alert))
        row.next_alert_at = escalation.next_alert_at(deadline, rules, fired)
        session.add(row)
    unknown = session.exec(
        select(sa.func.count())
        .select_from(SubjectDeadline)
        .where(
            col(SubjectDeadline.next_alert_at) <= until,
            col(SubjectDeadline.met_at).is_(None),
            col(SubjectDeadline.stopped_at).is_(None),
            col(SubjectDeadline.subject_kind).not_in(sorted(handlers)),
        )
    ).one()
    if unknown:
        logger.warning(
            "{} subject deadline(s) owe an alert of a kind this process does not handle; left owed",
            unknown,
        )
    return out


def next_wake(session: Session, handlers: Mapping[str, Handler]) -> datetime | None:
    """The earliest instant a subject deadline of a handled kind owes an alert (one of a kind
    nobody here handles must not keep the scheduler awake)."""
    at: datetime | None = session.exec(
        select(sa.func.min(SubjectDeadline.next_alert_at)).where(
            col(SubjectDeadline.met_at).is_(None),
            col(SubjectDeadline.stopped_at).is_(None),
            col(SubjectDeadline.subject_kind).in_(sorted(handlers)),
        )
    ).one()
    return at
