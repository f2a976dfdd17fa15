"""The incident as the outside world sees it (SPEC §5): plain JSON-ready dicts, local times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine import deadlines as dl
from engine.models import (
    DeadlineRow,
    InvestigationReport,
    Notice,
    Obligation,
    OnsiteGroup,
    ReportVersion,
    Statement,
    TimelineEvent,
)
from engine.plan import Plan
from engine.record import to_deadline
from engine.schemas import json_money
from engine.snapshot import Snapshot
from engine.timeutil import local_iso


def _t(value: datetime | None, zone: ZoneInfo) -> str | None:
    return None if value is None else local_iso(value, zone)


def deadline_view(
    row: DeadlineRow, plan: Plan, now: datetime, zone: ZoneInfo, step: int, backfilled: bool
) -> dict[str, Any]:
    deadline = to_deadline(row)
    rule = plan.deadlines[row.code]
    late = dl.lateness(deadline, now)
    return {
        "code": row.code,
        "due_at": _t(row.due_at, zone),
        "status": dl.status(deadline, now),
        "met_at": _t(row.met_at, zone),
        "occasion": row.occasion,
        "name": rule.name,
        "clause": rule.clause,
        "local_policy": rule.local_policy,
        "started_at": _t(row.started_at, zone),
        "waiting_on": list(deadline.waiting_on()) if deadline.met_at is None else [],
        "stopped_at": _t(row.stopped_at, zone),
        "response_ended_at": _t(row.response_ended_at, zone),
        "late_minutes": None if late is None else round(late.total_seconds() / 60, 1),
        "escalation_step": step,
        "backfilled": backfilled,
    }


def notice_view(notice: Notice, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    flagged = (
        notice.status != "acknowledged"
        and notice.ack_due_at is not None
        and now >= notice.ack_due_at
    )
    return {
        "unit": notice.unit,
        "kind": notice.kind,
        "status": notice.status,
        "id": notice.id,
        "occasion": notice.occasion,
        "level": notice.level,
        "sent_at": _t(notice.sent_at, zone),
        "ack_due_at": _t(notice.ack_due_at, zone),
        "acknowledged_at": _t(notice.acknowledged_at, zone),
        "acknowledged_by": notice.acknowledged_by,
        "resent_at": _t(notice.resent_at, zone),
        "flagged": flagged,
    }


def obligation_view(obligation: Obligation, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": obligation.id,
        "kind": obligation.kind,
        "status": obligation.status,
        "owner": obligation.owner,
        "detail": obligation.detail,
        "opened_at": _t(obligation.opened_at, zone),
        "settled_at": _t(obligation.settled_at, zone),
        "amount_yuan": json_money(obligation.amount_yuan),
        "how": obligation.how,
    }


def event_view(event: TimelineEvent, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "at": _t(event.at, zone),
        "recorded_at": _t(event.recorded_at, zone),
        "actor": event.actor,
        "person": event.person,
        "kind": event.kind,
        "data": event.data,
        "on_duty": event.on_duty,
    }


def group_view(group: OnsiteGroup, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "code": group.code,
        "name": group.name,
        "lead": group.lead,
        "leader_name": group.leader_name,
        "members": group.members,
        "formed_at": _t(group.formed_at, zone),
    }


def statement_view(statement: Statement, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "number": statement.number,
        "version": statement.version,
        "status": statement.status,
        "text": statement.text,
        "drafted_by": statement.drafted_by,
        "drafted_at": _t(statement.drafted_at, zone),
        "approved_by": statement.approved_by,
        "approved_at": _t(statement.approved_at, zone),
        "released_by": statement.released_by,
        "released_at": _t(statement.released_at, zone),
    }


def measures_view(timeline: Sequence[TimelineEvent], zone: ZoneInfo) -> list[dict[str, Any]]:
    """The emergency powers used (§2.2.1 2), read back from the timeline that records them."""
    return [
        {
            "measure": e.data["measure"],
            "name": e.data["name"],
            "detail": e.data["detail"],
            "clause": e.data.get("clause"),
            "obligation": e.data.get("obligation"),
            "at": _t(e.at, zone),
            "actor": e.actor,
        }
        for e in timeline
        if e.kind == "emergency_power_used"
    ]


def investigation_view(
    report: InvestigationReport | None,
    plan: Plan,
    zone: ZoneInfo,
    draft_sections: dict[str, str] | None,
    versions: Sequence[ReportVersion] = (),
) -> dict[str, Any] | None:
    """The §5.1 group and its report; `draft_sections` is the pre-filled text to edit and
    submit while the report is not in yet."""
    if report is None:
        return None
    return {
        "lead": plan.investigation.lead,
        "members": report.members,
        "started_at": _t(report.started_at, zone),
        "submitted_at": _t(report.submitted_at, zone),
        "sections": report.sections,
        "draft_sections": draft_sections,
        "versions": [
            {
                "version": v.version,
                "submitted_at": _t(v.submitted_at, zone),
                "submitted_by": v.submitted_by,
                "reason": v.reason,
                "sections": v.sections,
            }
            for v in versions
        ],
    }


def incident_view(
    snapshot: Snapshot,
    available_actions: list[str],
    draft_sections: dict[str, str] | None = None,
) -> dict[str, Any]:
    incident, plan, now = snapshot.incident, snapshot.plan, snapshot.now
    zone = ZoneInfo(plan.plan.timezone)
    backfilled = snapshot.backfilled
    return {
        "id": incident.id,
        "state": incident.state,
        "condition": incident.condition,
        "grade": incident.grade,
        "response_level": incident.response_level,
        "exceeds_district_scope": incident.exceeds_district_scope,
        "street": incident.street,
        "address": incident.address,
        "discovered_at": _t(incident.discovered_at, zone),
        "reported_at": _t(incident.reported_at, zone),
        "verified_at": _t(incident.verified_at, zone),
        "activated_at": _t(incident.activated_at, zone),
        "drill": incident.drill,
        "dead": incident.dead,
        "missing": incident.missing,
        "injured": incident.injured,
        "economic_loss_yuan": json_money(incident.economic_loss_yuan),
        "people_at_risk": incident.people_at_risk,
        "reporter": incident.reporter,
        "description": incident.description,
        "deadlines": [
            deadline_view(
                d,
                plan,
                now,
                zone,
                snapshot.steps.get((d.code, d.occasion), 0),
                (d.code, d.occasion) in backfilled,
            )
            for d in snapshot.deadlines
        ],
        "notices": [notice_view(n, now, zone) for n in snapshot.notices],
        "obligations": [obligation_view(o, zone) for o in snapshot.obligations],
        "groups": [group_view(g, zone) for g in snapshot.groups],
        "measures": measures_view(snapshot.events, zone),
        "statements": [statement_view(s, zone) for s in snapshot.statements],
        "investigation": investigation_view(
            snapshot.investigation, plan, zone, draft_sections, snapshot.report_versions
        ),
        "timeline": [event_view(e, zone) for e in snapshot.events],
        "available_actions": available_actions,
    }
