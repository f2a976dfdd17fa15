"""Notice texts: Jinja2 templates in `templates/notices/`, rendered from the incident record once,
when a notice is issued, and kept with it (`Notice.snapshot`).

Each kind has `<template>.subject.j2` and `<template>.body.j2`. Undefined variables are errors
(StrictUndefined), never blanks: a notice that cannot say what it must is not sent half-written.
Drill notices carry the drill mark in the subject and on the first line (§7.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from documents.formatting import cn_count, cn_datetime_text, cn_place, cn_yuan
from documents.model import DRILL_LINE, DRILL_MARK
from documents.text import tidy
from engine.models import Incident, Notice
from engine.plan import Plan
from engine.timeutil import as_utc

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def template_for(kind: str) -> str:
    """Notice kinds → template names: `activation_II` → activation, `group_medical` → …"""
    if kind.startswith("activation_"):
        return "activation"
    if kind.startswith("group_"):
        return "group_assignment"
    return kind


def place(plan: Plan, incident: Incident, *, with_district: bool = False) -> str:
    """The incident's street and address (and district), each once, as the plan's documents
    write a place."""
    return cn_place(
        incident.address,
        plan.streets.items[incident.street],
        plan.plan.district,
        with_district=with_district,
    )


def incident_context(plan: Plan, incident: Incident) -> dict[str, Any]:
    """What templates read of the incident; facts come written out, unknown ones as
    unknown (SPEC R1: documents.formatting.UNKNOWN), so no template prints a missing fact as 0."""
    zone = ZoneInfo(plan.plan.timezone)
    level = incident.response_level
    return {
        "id": incident.id,
        "address": incident.address,
        "street": incident.street,
        "street_name": plan.streets.items[incident.street],
        "place": place(plan, incident),
        "place_in_district": place(plan, incident, with_district=True),
        "condition_name": plan.conditions[incident.condition].name,
        "grade_name": plan.grading.grade_name(incident.grade),
        "level": level,
        "level_name": plan.levels[level].name,
        "dead": cn_count(incident.dead),
        "missing": cn_count(incident.missing),
        "injured": cn_count(incident.injured),
        "people_at_risk": cn_count(incident.people_at_risk),
        "economic_loss": cn_yuan(incident.economic_loss_yuan),
        "reporter": incident.reporter,
        "description": incident.description,
        "drill": incident.drill,
        "discovered_text": cn_datetime_text(as_utc(incident.discovered_at), zone),
        "reported_text": cn_datetime_text(as_utc(incident.reported_at), zone),
    }


class NoticeRenderer:
    def __init__(self, plan: Plan, templates: Path = TEMPLATES) -> None:
        self.plan = plan
        self.zone = ZoneInfo(plan.plan.timezone)
        self.env = Environment(
            loader=FileSystemLoader(str(templates)),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            auto_reload=False,
        )
        self.env.filters["name"] = plan.actor_name  # unit/role code → its Chinese name

    def _unit(self, code: str) -> dict[str, str | None]:
        actor = self.plan.actors.get(code)
        return {
            "code": code,
            "name": self.plan.actor_name(code),
            "duties": actor.duties if actor else None,
            "duties_clause": actor.duties_clause if actor else None,
        }

    def fixed_context(
        self, incident: Incident, recipient: str, sent_at: datetime
    ) -> dict[str, Any]:
        """What a notice quotes of the record and the directory at `sent_at` (plain JSON): the
        incident's facts and level, the recipient and its duties."""
        return {
            "incident": incident_context(self.plan, incident),
            "unit": self._unit(recipient),
            "sent_text": cn_datetime_text(as_utc(sent_at), self.zone),
        }

    def render(
        self,
        kind: str,
        incident: Incident,
        recipient: str,
        data: dict[str, Any],
        sent_at: datetime,
        ack_url: str | None = None,
        *,
        mark_drill: bool = True,
    ) -> Rendered:
        """Subject and body from the live record; `mark_drill=False` leaves the drill marks to
        a printed form that places them itself."""
        text = self._render(kind, self.fixed_context(incident, recipient, sent_at), data, ack_url)
        return mark_drill_text(text) if incident.drill and mark_drill else text

    def render_about(
        self, kind: str, recipient: str, data: dict[str, Any], sent_at: datetime
    ) -> Rendered:
        """A message about no incident (a subject's, `engine.subjects`): its template reads
        only the recipient, the time and `data`."""
        fixed = {
            "incident": None,
            "unit": self._unit(recipient),
            "sent_text": cn_datetime_text(as_utc(sent_at), self.zone),
        }
        return self._render(kind, fixed, data, None)

    def snapshot(
        self, kind: str, incident: Incident, recipient: str, data: dict[str, Any], sent_at: datetime
    ) -> dict[str, Any]:
        """What a notice says as it is issued, kept with it (R5: a notice is a snapshot)."""
        fixed = self.fixed_context(incident, recipient, sent_at)
        text = self._render(kind, fixed, data, None)
        return {**fixed, "drill": incident.drill, "subject": text.subject, "body": text.body}

    def issued(
        self,
        notice: Notice,
        incident: Incident,
        ack_url: str | None = None,
        *,
        mark_drill: bool = True,
    ) -> Rendered:
        """What `notice` said when it was issued, whatever the incident has become since; with
        `ack_url`, the same text with its acknowledgement link (the first send)."""
        snap = notice.snapshot
        if snap is None:  # issued before snapshots were kept: the record is all there is
            return self.render(
                notice.kind,
                incident,
                notice.unit,
                notice.data,
                notice.sent_at,
                ack_url,
                mark_drill=mark_drill,
            )
        text = (
            Rendered(snap["subject"], snap["body"])
            if ack_url is None
            else self._render(notice.kind, snap, notice.data, ack_url)
        )
        return mark_drill_text(text) if snap["drill"] and mark_drill else text

    def _render(
        self, kind: str, fixed: dict[str, Any], data: dict[str, Any], ack_url: str | None
    ) -> Rendered:
        context = {
            "plan": self.plan.plan,
            "issuer": self.plan.plan.issuer,
            "incident": fixed["incident"],
            "unit": fixed["unit"],
            "sent_text": fixed["sent_text"],
            "data": data,
            "ack_url": ack_url,
            # What the plan does not say is printed as the engine's (local policy), never as
            # a clause: the text for units without a duty, and the groups whose lead is ours.
            "no_duty_text": self.plan.no_duty_text.text,
            "lead_is_local": any(
                kind == f"group_{g.code}" and g.lead_local_policy
                for g in self.plan.onsite_groups.groups
            ),
        }
        name = template_for(kind)
        subject = tidy(self.env.get_template(f"notices/{name}.subject.j2").render(context).strip())
        body = tidy(self.env.get_template(f"notices/{name}.body.j2").render(context).strip())
        return Rendered(subject, body)


def mark_drill_text(text: Rendered) -> Rendered:
    """A drill's notice says so in its subject and on its first line (§7.2)."""
    return Rendered(f"{DRILL_MARK}{text.subject}", f"{DRILL_MARK}{DRILL_LINE}\n{text.body}")
