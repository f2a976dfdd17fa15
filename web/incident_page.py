"""What the incident page adds to the record for a tired officer: the next step for their unit
and by when, status words in the plan's terms, deadlines pending first, notices grouped by unit
with each channel's delivery state. Pure functions over the engine's incident dicts, except
`deliveries`, which reads the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from engine.contacts import Directory
from engine.models import Delivery
from engine.plan import Plan
from engine.service import IncidentService
from web.present import Labels, Rules, my_pending_notices

CHANNEL_KINDS = {
    "console": "值班台",
    "sms": "短信",
    "smtp": "邮件",
    "dingtalk": "钉钉",
    "feishu": "飞书",
    "wecom": "企业微信",
}
DELIVERY_STATUS = {
    "pending": "待发送",
    "sending": "发送中",
    "delivered": "已送达",
    "dead": "发送失败",
}
CONTACT_ROLES = {"primary": "主联系人", "backup": "备用联系人"}
# Which of a unit's notices speaks for the unit in the grouped list: the most pressing first.
NOTICE_RANK = {
    "flagged": 0,
    "sent": 1,
    "escalated": 1,
    "acknowledged": 2,
    "informational": 3,
    "withdrawn": 4,
    "superseded": 4,
}


@dataclass(frozen=True)
class Step:
    """One thing to do: its words, the action that does it, its deadline (ISO) if it has one,
    and what its form starts with."""

    text: str
    action: str | None
    due_at: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    mine: bool = True


def _latest_statuses(incident: dict[str, Any]) -> set[str]:
    latest: dict[int, dict[str, Any]] = {}
    for st in incident.get("statements") or []:
        if st["number"] not in latest or st["version"] > latest[st["number"]]["version"]:
            latest[st["number"]] = st
    return {st["status"] for st in latest.values()}


def applies(incident: dict[str, Any], action: str) -> bool:
    """Whether an action the state allows has anything to act on yet: no 办结 without an open
    item, no 审核 without a draft, no 发布 without an approved text."""
    if action == "settle_obligation":
        return any(o["status"] == "open" for o in incident["obligations"])
    if action == "approve_statement":
        return "draft" in _latest_statuses(incident)
    if action == "release_statement":
        return "approved" in _latest_statuses(incident)
    return True


def _handles(plan: Plan, unit: str, responsible: str) -> bool:
    """A unit answers for a deadline it is responsible for, or one of the party it acts for
    (the duty desk acts for 区房管局), or of a party acting for it."""
    mine = plan.actors.get(unit)
    theirs = plan.actors.get(responsible)
    return (
        unit == responsible
        or (mine is not None and mine.acts_for == responsible)
        or (theirs is not None and theirs.acts_for == unit)
    )


def next_steps(rules: Rules, incident: dict[str, Any], unit: str) -> list[Step]:
    """This unit's steps, the most pressing first: notices to acknowledge and reports owed, by
    deadline; then the plan's next action. When the unit has none, one step saying whom the
    incident waits on (`mine=False`)."""
    plan, labels = rules.plan, rules.labels
    names = labels.words.tables["ACTIONS"]
    timed: list[Step] = []
    pending = my_pending_notices(incident, unit)
    if pending:  # one step however many: one acknowledgement takes them all
        more = f"等 {len(pending)} 份" if len(pending) > 1 else ""
        due = min((n["ack_due_at"] for n in pending if n.get("ack_due_at")), default=None)
        timed.append(
            Step(f"签收{labels.notice_kind(pending[0]['kind'])}{more}", "acknowledge", due)
        )
    for d in incident["deadlines"]:
        rule = plan.deadlines.get(d["code"])
        if (
            d["met_at"] is None
            and d["stopped_at"] is None
            and d["waiting_on"]
            and rule is not None
            and _handles(plan, unit, rule.responsible)
        ):
            name = labels.deadline(d["code"])
            report = (
                name if name.startswith("向") else f"{name}：向{labels.actors(d['waiting_on'])}报告"
            )
            timed.append(
                Step(
                    f"{report}，然后作信息报送登记",
                    "record_report",
                    d["due_at"],
                    {"to": d["waiting_on"][0]},
                )
            )
    timed.sort(key=lambda s: s.due_at or "")
    mine = set(rules.actions_for(incident, unit))
    main = rules.workflow.next_actions(incident)
    steps = timed + [Step(names.get(a, a), a) for a in main if a in mine]
    if steps:
        return steps
    for action in main:
        allowed = rules.who_may(incident, action) or []
        if allowed:
            return [
                Step(
                    f"等待{labels.actors(allowed[:3])}{names.get(action, action)}",
                    None,
                    mine=False,
                )
            ]
    return []


def level_words(labels: Labels, incident: dict[str, Any]) -> tuple[str, str]:
    """The level badge's words and its css: before activation the level is only proposed
    (拟启动Ⅱ级响应), so it must not read as a response running."""
    name = labels.level(incident["response_level"])
    if incident["state"] == "reported":
        return f"拟启动{name.replace('应急响应', '响应')}", "level-proposed"
    if incident["state"] in ("dismissed", "merged") or incident.get("activated_at") is None:
        return "未启动响应", "level-none"
    return name, ""


def state_words(labels: Labels, incident: dict[str, Any]) -> str:
    """The state in the plan's words; a verified report awaits its activation, not a check."""
    if incident["state"] == "reported" and incident.get("verified_at"):
        return "已核实，待启动响应"
    return str(labels.words.tables["STATES"].get(incident["state"], incident["state"]))


def deadlines_in_order(incident: dict[str, Any]) -> list[dict[str, Any]]:
    """Running deadlines first (soonest due first), then the met and stopped ones."""

    def key(d: dict[str, Any]) -> tuple[int, str]:
        running = d["met_at"] is None and d["stopped_at"] is None
        return (0, d["due_at"]) if running else (1, d["met_at"] or d["stopped_at"] or "")

    return sorted(incident["deadlines"], key=key)


def _rank(notice: dict[str, Any]) -> int:
    return NOTICE_RANK.get("flagged" if notice["flagged"] else notice["status"], 5)


def notices_by_unit(
    incident: dict[str, Any], sent: dict[int, list[dict[str, str]]]
) -> list[dict[str, Any]]:
    """One row per unit: its notices (most pressing first), each with its messages per channel;
    units that still owe an acknowledgement first."""
    units: dict[str, list[dict[str, Any]]] = {}
    for notice in incident["notices"]:
        units.setdefault(notice["unit"], []).append(
            {**notice, "deliveries": sent.get(notice["id"], [])}
        )
    rows: list[dict[str, Any]] = []
    for unit, notices in units.items():
        notices.sort(key=_rank)
        rows.append(
            {
                "unit": unit,
                "notices": notices,
                "rank": _rank(notices[0]),
                "pending": [n for n in notices if n["status"] in ("sent", "escalated")],
            }
        )
    rows.sort(key=lambda r: int(r["rank"]))
    return rows


def channel_name(directory: Directory, channel: str) -> str:
    kind = str(directory.channels.get(channel, {}).get("kind", channel))
    if channel == directory.drill_channel:
        return "演练通道"
    return CHANNEL_KINDS.get(kind, channel)


def deliveries(service: IncidentService, incident_id: int) -> dict[int, list[dict[str, str]]]:
    """The messages sent for each notice of an incident (first send and re-sends), in words."""
    labels = Labels(service.plan, service.workflow.words)
    with service.reading() as session:
        rows = session.exec(
            select(Delivery)
            .where(Delivery.incident_id == incident_id, col(Delivery.notice_id).is_not(None))
            .order_by(col(Delivery.id))
        ).all()
    out: dict[int, list[dict[str, str]]] = {}
    for row in rows:
        assert row.notice_id is not None
        when = row.delivered_at.isoformat() if row.delivered_at else None
        out.setdefault(row.notice_id, []).append(
            {
                "channel": channel_name(service.directory, row.channel),
                "role": CONTACT_ROLES.get(row.contact_role, row.contact_role),
                "status": row.status,
                "status_text": DELIVERY_STATUS.get(row.status, row.status),
                "when": labels.time(when, False) if when else "",
                "error": row.last_error or "",
            }
        )
    return out
