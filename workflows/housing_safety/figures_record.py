"""Reads a period's record for the figures (`figures.py`) in four set-based queries — the
incidents, their deadlines, their notices, the first instant of each milestone — whatever the
number of incidents: never one query (or one incident view) per incident."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, func, select

from engine.db import reading
from engine.models import DeadlineRow, Incident, Notice, TimelineEvent
from engine.plan import LEVELS, Plan
from engine.record import to_deadline
from engine.subjects import SubjectDeadline
from engine.subjects import to_deadline as subject_deadline
from engine.timeutil import as_utc
from workflows.housing_safety.figures import (
    IncidentFact,
    NoticeFact,
    Period,
    Summary,
    compute,
    parse_period,
)
from workflows.housing_safety.figures_register import (
    HouseFact,
    PatrolFact,
    register_figures,
)
from workflows.housing_safety.figures_view import register_json, summary_json
from workflows.housing_safety.patrol_alerts import HOUSE, PATROL
from workflows.housing_safety.prevention_config import prevention
from workflows.housing_safety.prevention_tables import House

# The timeline event that marks each milestone (the workflow's own event kinds).
MILESTONE_EVENTS = {
    "verified": "verified",
    "activated": "activated",
    "danger_eliminated": "danger_eliminated",
    "announce_termination": "terminated",
    "closed": "closed",
}


def load(db: sa.Engine, period: Period) -> list[IncidentFact]:
    """The incidents reported in the period (drills too: `compute` keeps them apart)."""
    where = [
        col(Incident.reported_at) >= period.start,
        col(Incident.reported_at) < period.end,
        # A duplicate folded into another incident is that incident (R11): not counted.
        col(Incident.state) != "merged",
    ]
    if period.street is not None:
        where.append(col(Incident.street) == period.street)
    if period.level is not None:
        where.append(col(Incident.response_level) == period.level)
    chosen = select(Incident.id).where(*where)
    with reading(db) as session:
        incidents = session.execute(
            sa.select(
                *map(
                    col,
                    (
                        Incident.id,
                        Incident.street,
                        Incident.response_level,
                        Incident.reported_at,
                        Incident.drill,
                        Incident.address,
                    ),
                )
            )
            .where(*where)
            .order_by(col(Incident.id))
        ).all()
        deadlines = defaultdict(list)
        for row in session.exec(
            select(DeadlineRow)
            .where(col(DeadlineRow.incident_id).in_(chosen))
            .order_by(col(DeadlineRow.incident_id), col(DeadlineRow.id))
        ):
            deadlines[row.incident_id].append(to_deadline(row))
        notices = defaultdict(list)
        for n in session.execute(
            sa.select(
                *map(
                    col,
                    (
                        Notice.incident_id,
                        Notice.unit,
                        Notice.kind,
                        Notice.sent_at,
                        Notice.ack_due_at,
                        Notice.acknowledged_at,
                        Notice.resent_at,
                        Notice.status,
                    ),
                )
            )
            .where(col(Notice.incident_id).in_(chosen))
            .order_by(col(Notice.id))
        ):
            notices[n[0]].append(NoticeFact(n[1], n[2], n[3], n[4], n[5], n[6] is not None, n[7]))
        milestones: dict[int, dict[str, datetime]] = defaultdict(dict)
        for incident_id, kind, first in session.exec(
            select(TimelineEvent.incident_id, TimelineEvent.kind, func.min(TimelineEvent.at))
            .where(
                col(TimelineEvent.incident_id).in_(chosen),
                col(TimelineEvent.kind).in_(MILESTONE_EVENTS),
            )
            .group_by(col(TimelineEvent.incident_id), col(TimelineEvent.kind))
        ):
            milestones[incident_id][MILESTONE_EVENTS[kind]] = as_utc(first)
    return [
        IncidentFact(
            i,
            street,
            level,
            reported_at,
            drill,
            address,
            milestones.get(i, {}),
            tuple(deadlines.get(i, ())),
            tuple(notices.get(i, ())),
        )
        for i, street, level, reported_at, drill, address in incidents
        if i is not None
    ]


def load_register(db: sa.Engine, period: Period) -> tuple[list[HouseFact], list[PatrolFact]]:
    """The register as it stood at the period's end, and its houses' patrol deadlines due in
    the period: two queries."""
    with reading(db) as session:
        houses = [
            HouseFact(i, street, grade)
            for i, street, grade in session.execute(
                sa.select(col(House.id), col(House.street), col(House.grade))
                .where(col(House.registered_at) < period.end)
                .order_by(col(House.id))
            )
            if i is not None
        ]
        patrols = [
            PatrolFact(row.subject_id, street, subject_deadline(row))
            for row, street in session.execute(
                sa.select(SubjectDeadline, col(House.street))
                .join(House, col(House.id) == col(SubjectDeadline.subject_id))
                .where(
                    col(SubjectDeadline.subject_kind) == HOUSE,
                    col(SubjectDeadline.code) == PATROL,
                    col(SubjectDeadline.due_at) >= period.start,
                    col(SubjectDeadline.due_at) < period.end,
                )
                .order_by(col(SubjectDeadline.id))
            )
        ]
    return houses, patrols


def summary(db: sa.Engine, plan: Plan, period: Period, as_of: datetime) -> Summary:
    """The figures of a period as the record stands at `as_of`."""
    return compute(
        load(db, period),
        period,
        as_of,
        codes=list(plan.deadlines),
        streets=list(plan.streets.items),
        levels=list(reversed(LEVELS)),
    )


def ask(
    db: sa.Engine,
    plan: Plan,
    now: datetime,
    start: str | None,
    end: str | None,
    street: str | None,
    level: str | None,
    names: tuple[str, str, str, str] = ("from", "to", "street", "level"),
) -> tuple[Summary, dict[str, Any]]:
    """A caller's question — period, street, level, as given — and its answer: the figures
    and their JSON. Bad values are refused naming the option (`names`)."""
    zone = ZoneInfo(plan.plan.timezone)
    period = parse_period(
        start,
        end,
        zone,
        default_year=now.astimezone(zone).year,
        street=street,
        level=level,
        streets=plan.streets.items,
        levels=LEVELS,
        names=names,
    )
    found = summary(db, plan, period, now)
    houses, patrols = load_register(db, period)
    register = register_figures(
        houses,
        patrols,
        period,
        now,
        grades=list(prevention(plan).appraisal_grades.items),
        streets=list(plan.streets.items),
    )
    return found, {**summary_json(found, plan), "register": register_json(register, plan)}
