"""§4.2 信息报送: the information reports (首报, 续报一/二/…, 终报) drafted from the record.

A report says what the national rule asks of it (config `information_reports.basis`): the time to
the minute, the place, the condition, the casualties including the missing, the initial loss,
the measures taken, the trend and the next steps. The draft is made of the record's facts only;
a fact nobody knows yet is written 不详, never invented. The officer edits the text and sends it
(`submit_info_report`); the numbering rule below is the same for the draft and the refusal.

Numbering is per recipient (local policy): each recipient gets one 首报, then 续报 numbered by
the progress reports it already had, and one 终报 once the response has ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col

from documents.formatting import UNKNOWN, cn_count, cn_datetime_text, cn_numeral, cn_place, cn_yuan
from engine.errors import FanganError, InvalidInput, PreconditionFailed
from engine.lifecycle import ActionContext
from engine.models import TimelineEvent
from engine.plan import Plan
from engine.record import plain
from workflows.housing_safety import words
from workflows.housing_safety.info_reports_config import KINDS, config
from workflows.housing_safety.payloads import SubmitInfoReport
from workflows.housing_safety.states import next_actions

EVENT = "info_report_sent"
# The response has ended (§4.4): only then is a final report possible.
ENDED_STATES = frozenset({"terminated", "investigating", "closed"})
# The course of the response a report tells (timeline kinds, in the record's words).
MILESTONES = (
    "verified",
    "activated",
    "level_raised",
    "onsite_command_formed",
    "emergency_power_used",
    "danger_eliminated",
    "announce_termination",
)


@dataclass(frozen=True)
class Made:
    """One information report already made (read from the timeline)."""

    kind: str
    number: int | None
    to: str
    at: str


@dataclass(frozen=True)
class Draft:
    kind: str
    number: int | None  # the progress report's number (续报一 is 1); None for 首报 and 终报
    title: str  # 首报, 续报一, 终报
    to: str
    sections: list[tuple[str, str]]

    @property
    def text(self) -> str:
        return "\n".join(
            f"{cn_numeral(n)}、{label}：{body}" for n, (label, body) in enumerate(self.sections, 1)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "title": self.title,
            "to": self.to,
            "sections": [{"label": label, "text": body} for label, body in self.sections],
            "text": self.text,
        }


# -- the numbering rule ----------------------------------------------------------------------


def made_from(timeline: Sequence[dict[str, Any]]) -> list[Made]:
    """The reports made, from timeline events (views or rows as dicts)."""
    return [
        Made(e["data"]["kind"], e["data"].get("number"), e["data"]["to"], str(e.get("at")))
        for e in timeline
        if e["kind"] == EVENT
    ]


def title(plan: Plan, kind: str, number: int | None) -> str:
    names = config(plan).kinds
    name: str = getattr(names, kind)
    return f"{name}{cn_numeral(number)}" if number else name


def next_number(
    plan: Plan, made: Sequence[Made], kind: str, to: str, state: str, prefix: str = "data."
) -> int | None:
    """The number the next report of `kind` to `to` takes, or the refusal naming why not: one
    首报, 续报 only after it, one 终报 only once the response ended."""
    if kind not in KINDS:
        raise InvalidInput(
            f"{prefix}kind: unknown report kind '{kind}' (known: {', '.join(KINDS)})"
        )
    names = config(plan).kinds
    mine = [m for m in made if m.to == to]
    kinds = [m.kind for m in mine]
    who = plan.actor_name(to)
    if kind == "initial":
        if "initial" in kinds:
            raise PreconditionFailed(
                f"{prefix}kind: the {names.initial} to {who} ({to}) was already made; "
                f"send a {names.progress} (progress)"
            )
        return None
    if "initial" not in kinds:
        raise PreconditionFailed(
            f"{prefix}kind: no {names.initial} (initial) to {who} ({to}) yet: it comes first"
        )
    if "final" in kinds:
        raise PreconditionFailed(
            f"{prefix}kind: the {names.final} to {who} ({to}) was already made: it is the last"
        )
    if kind == "final":
        if state not in ENDED_STATES:
            raise PreconditionFailed(
                f"{prefix}kind: a {names.final} (final) only once the response has ended "
                f"(the incident is '{state}')"
            )
        return None
    return kinds.count("progress") + 1


# -- the draft -------------------------------------------------------------------------------


def draft(plan: Plan, incident: dict[str, Any], kind: str, to: str, prefix: str = "") -> Draft:
    """The report of `kind` to `to` drafted from an incident view (SPEC §5), refused as the
    action would refuse it. Pure: the view is all it reads."""
    known = sorted({r for rule in plan.deadlines.values() for r in rule.recipients})
    if to not in known:
        raise InvalidInput(f"{prefix}to: unknown recipient '{to}' (known: {', '.join(known)})")
    timeline = incident.get("timeline", [])
    made = made_from(timeline)
    number = next_number(plan, made, kind, to, incident["state"], prefix)
    since = next((m.at for m in reversed(made) if m.to == to), None)
    sections = [
        ("事件发生时间", _time(incident.get("discovered_at"))),
        ("事件发生地点", _place(plan, incident)),
        ("事件现场情况", _condition(plan, incident)),
        ("人员伤亡（含失踪）", _casualties(incident)),
        ("初步估计的直接经济损失", cn_yuan(incident.get("economic_loss_yuan"))),
    ]
    if kind == "progress":
        sections.append(("上次报告以来的新情况", _course(plan, timeline, since)))
    sections += [
        ("已经采取的措施", _course(plan, timeline, None)),
        ("事件发展趋势", _trend(incident)),
        ("下一步工作", _next_steps(plan, incident, kind)),
    ]
    if kind == "initial":
        sections.insert(0, ("报告来源", incident.get("reporter") or UNKNOWN))
    return Draft(kind, number, title(plan, kind, number), to, sections)


def _time(value: str | None) -> str:
    return UNKNOWN if not value else cn_datetime_text(datetime.fromisoformat(value))


def _place(plan: Plan, incident: dict[str, Any]) -> str:
    street = plan.streets.items.get(incident.get("street") or "", "")
    return cn_place(incident.get("address") or UNKNOWN, street, plan.plan.district)


def _condition(plan: Plan, incident: dict[str, Any]) -> str:
    condition = plan.conditions.get(incident.get("condition") or "")
    parts = [condition.name if condition else UNKNOWN]
    grade = plan.grading.grade_name(incident.get("grade"))
    if grade:
        parts.append(f"初判为{grade}房屋安全突发事件")
    if incident.get("activated_at"):
        parts.append(f"已启动{plan.levels[incident['response_level']].name}")
    text = "，".join(parts) + "。"
    if incident.get("description"):
        text += str(incident["description"])
    return text


def _casualties(incident: dict[str, Any]) -> str:
    return (
        f"死亡{cn_count(incident.get('dead'))}，失踪{cn_count(incident.get('missing'))}，"
        f"受伤{cn_count(incident.get('injured'))}；危及{cn_count(incident.get('people_at_risk'))}"
    )


def _milestone(plan: Plan, event: dict[str, Any]) -> str:
    d, who = event["data"], plan.actor_name(event["actor"])
    kind = event["kind"]
    if kind == "verified":
        return f"{who}完成现场核实"
    if kind == "activated":
        return f"{who}启动{plan.levels[d['level']].name}"
    if kind == "level_raised":
        return f"响应级别提高至{plan.levels[d['to']].name}"
    if kind == "onsite_command_formed":
        return f"成立现场指挥部，下设{len(d.get('groups', []))}个工作组"
    if kind == "emergency_power_used":
        return f"{who}采取{d.get('name', '')}（{d.get('detail', '')}）"
    if kind == "danger_eliminated":
        return "经专家和鉴定技术人员论证，危险因素已排除"
    return f"{who}宣布{plan.levels[d['level']].name}结束"


def _course(plan: Plan, timeline: Sequence[dict[str, Any]], since: str | None) -> str:
    """The response's steps recorded (after `since`, if given), each with its minute."""
    items = [
        f"{_time(e['at'])}，{_milestone(plan, e)}"
        for e in timeline
        if e["kind"] in MILESTONES and (since is None or str(e["at"]) > since)
    ]
    return "；".join(items) + "。" if items else UNKNOWN


def _trend(incident: dict[str, Any]) -> str:
    """What the record says of the trend: only that the danger is gone, once it is."""
    if incident["state"] in {"danger_eliminated", "termination_proposed", "termination_approved"}:
        return "危险因素已排除，正在履行响应终止程序"
    if incident["state"] in ENDED_STATES:
        return "危险因素已排除，应急响应已结束"
    return UNKNOWN


def _next_steps(plan: Plan, incident: dict[str, Any], kind: str) -> str:
    """The procedure's next steps and the reports still owed, as the record has them."""
    steps = [words.ACTIONS.get(a, a) for a in next_actions(incident)]
    owed = [
        f"按时限向{'、'.join(plan.actor_name(r) for r in d['waiting_on'])}报告"
        for d in incident.get("deadlines", [])
        if d.get("waiting_on")
    ]
    if kind != "final":
        owed.append(f"及时续报事件进展，响应结束后报送{config(plan).kinds.final}")
    items = list(dict.fromkeys([*steps, *owed]))
    return "；".join(items) + "。" if items else UNKNOWN


# -- the action: submit_info_report ----------------------------------------------------------


@dataclass(frozen=True)
class Numbered:
    """What the guard found: the report's number and title."""

    number: int | None
    title: str


def report_in_sequence(ctx: ActionContext) -> None:
    """Guard: the kind is known and its turn has come for that recipient (as the draft says)."""
    payload: SubmitInfoReport = ctx.payload
    events = ctx.record.rows(TimelineEvent, col(TimelineEvent.id), kind=EVENT)
    made = [Made(e.data["kind"], e.data.get("number"), e.data["to"], plain(e.at)) for e in events]
    number = next_number(ctx.plan, made, payload.kind, payload.to, ctx.record.state)
    ctx.hand(Numbered(number, title(ctx.plan, payload.kind, number)))


def info_report_sent(ctx: ActionContext) -> None:
    """The edited text goes to the recipient as a notice, the report is recorded as made (the
    deadlines waiting on that recipient are met) and the timeline names its kind and number."""
    payload: SubmitInfoReport = ctx.payload
    numbered = ctx.take(Numbered)
    notice = ctx.record.notify(
        payload.to,
        f"info_{payload.kind}",
        ctx.at,
        {"title": numbered.title, "number": numbered.number, "text": payload.text},
        needs_ack=False,
        occasion=numbered.number or 1,
    )
    ctx.record.log(
        EVENT,
        ctx.actor,
        ctx.at,
        {
            "kind": payload.kind,
            "number": numbered.number,
            "title": numbered.title,
            "to": payload.to,
            "channel": payload.channel,
            "notice": notice.id if notice is not None else None,
            "text": payload.text,
        },
        person=ctx.person,
    )
    ctx.record.record_report(payload.to, ctx.at)


# -- the console's form ----------------------------------------------------------------------


def prefill(
    plan: Plan, incident: dict[str, Any], action: str, picked: Mapping[str, str]
) -> dict[str, Any]:
    """The report form's start (the workflow's `prefill` hook): the kind and recipient picked,
    or else the recipient a deadline waits on and the report whose turn it is; the draft's text
    to edit. Out of turn, the text is left empty (sending it is refused, saying why)."""
    if action != "submit_info_report":
        return {}
    waiting = [w for d in incident.get("deadlines", []) for w in d.get("waiting_on", [])]
    recipients = [r for rule in plan.deadlines.values() for r in rule.recipients]
    to = picked.get("to") or next(iter([*waiting, *recipients]))
    made = [m.kind for m in made_from(incident.get("timeline", [])) if m.to == to]
    kind = picked.get("kind") or (
        "initial"
        if "initial" not in made
        else "final"
        if incident["state"] in ENDED_STATES
        else "progress"
    )
    try:
        text = draft(plan, incident, kind, to).text
    except FanganError:
        text = ""
    return {"to": to, "kind": kind, "text": text}
