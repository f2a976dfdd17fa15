"""The incident as the outside world sees it (SPEC §5): plain JSON-ready dicts, local times."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine import deadlines as dl
from engine.models import DeadlineRow, Incident, Notice, Obligation, TimelineEvent
from engine.plan import Plan
from engine.record import to_deadline
from engine.timeutil import local_iso


def _t(value: datetime | None, zone: ZoneInfo) -> str | None:
    return None if value is None else local_iso(value, zone)


def deadline_view(row: DeadlineRow, plan: Plan, now: datetime, zone: ZoneInfo,
                  step: int) -> dict[str, Any]:
    deadline = to_deadline(row)
    rule = plan.deadlines[row.code]
    late = dl.lateness(deadline, now)
    return {
        "code": row.code, "due_at": _t(row.due_at, zone), "status": dl.status(deadline, now),
        "met_at": _t(row.met_at, zone), "name": rule.name, "clause": rule.clause,
        "local_policy": rule.local_policy, "started_at": _t(row.started_at, zone),
        "waiting_on": list(deadline.waiting_on()) if deadline.met_at is None else [],
        "stopped_at": _t(row.stopped_at, zone),
        "late_minutes": None if late is None else round(late.total_seconds() / 60, 1),
        "escalation_step": step,
    }


def notice_view(notice: Notice, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    flagged = (notice.status != "acknowledged" and notice.ack_due_at is not None
               and now >= notice.ack_due_at)
    return {
        "unit": notice.unit, "kind": notice.kind, "status": notice.status, "id": notice.id,
        "sent_at": _t(notice.sent_at, zone), "ack_due_at": _t(notice.ack_due_at, zone),
        "acknowledged_at": _t(notice.acknowledged_at, zone),
        "acknowledged_by": notice.acknowledged_by, "resent_at": _t(notice.resent_at, zone),
        "flagged": flagged,
    }


def obligation_view(obligation: Obligation, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": obligation.id, "kind": obligation.kind, "status": obligation.status,
        "owner": obligation.owner, "detail": obligation.detail,
        "opened_at": _t(obligation.opened_at, zone), "settled_at": _t(obligation.settled_at, zone),
        "amount_yuan": obligation.amount_yuan, "how": obligation.how,
    }


def event_view(event: TimelineEvent, zone: ZoneInfo) -> dict[str, Any]:
    return {"at": _t(event.at, zone), "recorded_at": _t(event.recorded_at, zone),
            "actor": event.actor, "person": event.person, "kind": event.kind, "data": event.data}


def incident_view(
    incident: Incident,
    plan: Plan,
    now: datetime,
    *,
    deadlines: list[DeadlineRow],
    steps: dict[str, int],
    notices: list[Notice],
    obligations: list[Obligation],
    timeline: list[TimelineEvent],
    available_actions: list[str],
) -> dict[str, Any]:
    zone = ZoneInfo(plan.plan.timezone)
    return {
        "id": incident.id, "state": incident.state, "condition": incident.condition,
        "grade": incident.grade, "response_level": incident.response_level,
        "exceeds_district_scope": incident.exceeds_district_scope,
        "street": incident.street, "address": incident.address,
        "discovered_at": _t(incident.discovered_at, zone),
        "reported_at": _t(incident.reported_at, zone),
        "verified_at": _t(incident.verified_at, zone),
        "activated_at": _t(incident.activated_at, zone),
        "drill": incident.drill,
        "dead": incident.dead, "missing": incident.missing, "injured": incident.injured,
        "economic_loss_yuan": incident.economic_loss_yuan,
        "people_at_risk": incident.people_at_risk, "reporter": incident.reporter,
        "description": incident.description,
        "deadlines": [deadline_view(d, plan, now, zone, steps.get(d.code, 0))
                      for d in sorted(deadlines, key=lambda d: d.due_at)],
        "notices": [notice_view(n, now, zone) for n in notices],
        "obligations": [obligation_view(o, zone) for o in obligations],
        "timeline": [event_view(e, zone) for e in timeline],
        "available_actions": available_actions,
    }
