"""What the console shows: Chinese labels, one-line summaries of timeline events, the dashboard's
urgency order and who may do what now. Pure functions over the engine's incident dicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from documents.formatting import cn_count, cn_yuan
from engine.authority import allowed_actors
from engine.plan import LEVELS, Level, Plan

STATES = {
    "reported": "已接报，待核实", "active": "应急响应中", "danger_eliminated": "险情已排除",
    "termination_proposed": "已提出终止", "termination_approved": "已同意终止",
    "terminated": "响应已终止", "investigating": "事件调查中", "closed": "已结案",
    "dismissed": "已撤销（报告不实）",
}

ACTIONS = {
    "verify": "现场核实", "activate": "启动应急响应", "raise_level": "调整响应级别",
    "record_report": "信息报送登记", "acknowledge": "签收通知",
    "use_emergency_power": "采取应急处置措施", "eliminate_danger": "确认险情已排除",
    "propose_termination": "提出终止响应", "approve_termination": "同意终止响应",
    "announce_termination": "宣布终止响应", "settle_obligation": "办结修复或补偿",
    "start_investigation": "启动事件调查", "submit_report": "提交调查报告", "close": "结案",
    "dismiss": "撤销（报告不实）", "amend_group": "调整现场工作组",
    "draft_statement": "起草信息发布稿", "approve_statement": "审核信息发布稿",
    "release_statement": "对外发布信息", "open_obligation": "登记善后事项",
}

EVENTS = {
    "reported": "接报登记", "deadline_started": "时限开始计时", "deadline_met": "时限已满足",
    "verified": "现场核实", "activated": "启动应急响应", "level_in_force": "响应级别生效",
    "level_raised": "提高响应级别", "level_lowered": "降低响应级别", "facts_updated": "更新事实",
    "notice_sent": "发出通知", "notice_acknowledged": "通知已签收",
    "notice_superseded": "通知已被替代（响应级别调整）",
    "acknowledgement_waits_ended": "通知不再等待签收",
    "report_recorded": "信息报送登记", "emergency_power_used": "采取应急处置措施",
    "danger_eliminated": "险情已排除", "propose_termination": "提出终止响应",
    "approve_termination": "同意终止响应", "announce_termination": "宣布终止响应",
    "obligation_settled": "修复或补偿已办结", "investigation_started": "启动事件调查",
    "report_submitted": "提交调查报告", "closed": "结案", "dismissed": "撤销（报告不实）",
    "alert_reminder": "到期提醒", "alert_overdue": "超时告警",
    "alert_resend": "通知超时未签收，转备用联系人", "onsite_command_formed": "成立现场指挥部",
    "group_amended": "调整现场工作组", "obligation_opened": "登记善后事项",
    "statement_drafted": "起草信息发布稿", "statement_approved": "信息发布稿已审核",
    "statement_released": "信息已对外发布",
}

DEADLINE_STATUS = {"pending": "计时中", "met": "已按时完成", "overdue": "已超时",
                   "met_late": "超时后完成"}
NOTICE_STATUS = {"sent": "待签收", "acknowledged": "已签收",
                 "escalated": "超时未签收，已转备用联系人", "informational": "告知，无需签收",
                 "withdrawn": "已撤回", "superseded": "已被替代"}
OBLIGATION_STATUS = {"open": "未办结", "settled": "已办结"}
STATEMENT_STATUS = {"draft": "待审核", "approved": "已审核，待发布", "released": "已发布",
                    "superseded": "已被新版本取代"}
FACTS = {
    "condition": "房屋状况", "street": "街道", "address": "地址", "dead": "死亡（人）",
    "missing": "失踪（人）", "injured": "受伤（人）", "economic_loss_yuan": "直接经济损失",
    "people_at_risk": "危及人数（人）", "discovered_at": "发现时间", "reporter": "报告人",
    "description": "情况描述",
}
# Facts recorded as null while nobody knows them: shown as 不详（待核实）, never as 0 or blank.
UNKNOWN_IS_NULL = frozenset({"dead", "missing", "injured", "people_at_risk"})
CONDITION_SHORT = {"hidden_danger": "安全隐患", "imminent_collapse": "随时可能倒塌",
                   "partial_collapse": "局部倒塌", "total_collapse": "整体倒塌"}
ACK_DEADLINE = "acknowledgement"  # the engine's name for notice re-sends (engine.timers)


# Latin level numerals as the console prints them: the Roman numerals Ⅰ Ⅱ Ⅲ Ⅳ (U+2160…).
ROMAN = {"I": "\u2160", "II": "\u2161", "III": "\u2162", "IV": "\u2163"}
LATIN_LEVEL = re.compile(r"(?<![A-Za-z])(IV|III|II|I)(?=级)")


def roman(text: str) -> str:
    """'II级应急响应' → 'Ⅱ级应急响应': one way of writing levels on every screen (the plan's
    text mixes both)."""
    return LATIN_LEVEL.sub(lambda m: ROMAN[m.group(1)], text)


# The label tables, by the names the templates use.
TABLES = {"STATES": STATES, "ACTIONS": ACTIONS, "EVENTS": EVENTS, "FACTS": FACTS,
          "DEADLINE_STATUS": DEADLINE_STATUS, "NOTICE_STATUS": NOTICE_STATUS,
          "OBLIGATION_STATUS": OBLIGATION_STATUS, "STATEMENT_STATUS": STATEMENT_STATUS,
          "CONDITION_SHORT": CONDITION_SHORT}


class Labels:
    """Chinese names of the plan's codes, for templates."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.zone = ZoneInfo(plan.plan.timezone)

    def actor(self, code: str | None) -> str:
        if code is None:
            return ""
        if code == "system":
            return "系统"
        return self.plan.actor_name(code)

    def actors(self, codes: list[str]) -> str:
        return "、".join(self.actor(c.split(":")[0]) + ("（备用联系人）" if ":" in c else "")
                        for c in codes)

    def street(self, code: str) -> str:
        return self.plan.streets.items.get(code, code)

    def condition(self, code: str) -> str:
        found = self.plan.conditions.get(code)
        return found.name if found else code

    def grade(self, code: str | None) -> str:
        return self.plan.grading.grade_name(code) or "不分级"

    def level(self, code: str | None) -> str:
        if code is None:
            return ""
        info = self.plan.levels.get(code)  # type: ignore[call-overload]
        return roman(info.name if info is not None else str(code))

    def deadline(self, code: str) -> str:
        if code == ACK_DEADLINE:
            return "通知签收"
        rule = self.plan.deadlines.get(code)
        return roman(rule.name) if rule else code

    def notice_kind(self, kind: str) -> str:
        if kind.startswith("activation_"):
            return f"{self.level(kind.removeprefix('activation_'))}启动通知"
        if kind.startswith("group_"):
            code = kind.removeprefix("group_")
            group = next((g for g in self.plan.onsite_groups.groups if g.code == code), None)
            return f"现场指挥部·{group.name if group else code}"
        if kind == "city_request":
            return "请求市指挥部启动市级响应"
        return kind

    def measure(self, code: str) -> str:
        found = self.plan.emergency_powers.measures.get(code)
        return found.name if found else code

    def escalation(self, code: str, step: int) -> str:
        """'第2级：区指挥部办公室主任' — who the overdue alert has reached."""
        rule = self.plan.deadlines.get(code)
        if step <= 0 or rule is None:
            return ""
        chain = rule.escalation
        who = self.actor(chain[min(step, len(chain)) - 1])
        return f"{who}（最高一级）" if step >= len(chain) else f"第{step}级：{who}"

    def time(self, iso: str | None, with_date: bool = True) -> str:
        if not iso:
            return "—"
        value = datetime.fromisoformat(iso).astimezone(self.zone)
        clock = value.strftime("%H:%M")
        return f"{value.month}月{value.day}日 {clock}" if with_date else clock

    def fact_value(self, name: str, value: Any) -> str:
        if name == "economic_loss_yuan":
            return cn_yuan(value)
        if name in UNKNOWN_IS_NULL:
            return cn_count(value, "")
        if value is None or value == "":
            return "—"
        if name == "condition":
            return self.condition(str(value))
        if name == "street":
            return self.street(str(value))
        if name == "discovered_at":
            return self.time(str(value))
        return str(value)

    def changes(self, changes: dict[str, Any]) -> str:
        return "；".join(f"{FACTS.get(k, k)} {self.fact_value(k, v.get('from'))} → "
                        f"{self.fact_value(k, v.get('to'))}" for k, v in changes.items())

    def group_summary(self, events: list[dict[str, Any]]) -> str:
        """A burst of notices or deadlines at one instant, in one line."""
        if events[0]["kind"] == "notice_sent":
            units = list(dict.fromkeys(e["data"].get("unit", "") for e in events))
            more = f"等 {len(units)} 个单位" if len(units) > 4 else ""
            return f"{len(events)}份通知：{self.actors(units[:4])}{more}"
        return "；".join(self.summary(e) for e in events)

    def summary(self, event: dict[str, Any]) -> str:
        """One line saying what a timeline event was about, in Chinese."""
        handler = _SUMMARIES.get(event["kind"])
        return handler(self, event.get("data") or {}) if handler else ""


def _classification(labels: Labels, data: dict[str, Any]) -> str:
    c = data.get("classification") or {}
    scope = "；超出区级响应范围" if c.get("exceeds_district_scope") else ""
    return f"{labels.grade(c.get('grade'))}，{labels.level(c.get('response_level'))}{scope}"


def _level_change(labels: Labels, data: dict[str, Any]) -> str:
    text = (f"{labels.level(data.get('from'))} → {labels.level(data.get('to'))}："
            f"{data.get('reason', '')}")
    return text + (f"（{labels.changes(data['changes'])}）" if data.get("changes") else "")


def _verified(labels: Labels, data: dict[str, Any]) -> str:
    changes = labels.changes(data.get("changes") or {}) or "事实无更正"
    return f"{changes}；{_classification(labels, data)}"


def _report(labels: Labels, data: dict[str, Any]) -> str:
    parts = [f"已报告{labels.actor(data.get('to'))}", data.get("channel"), data.get("content")]
    return "，".join(p for p in parts if p)


def _names(_: Labels, data: dict[str, Any]) -> str:
    return (f"专家：{'、'.join(data.get('experts', []))}；"
            f"鉴定人员：{'、'.join(data.get('appraisers', []))}")


def _deadline(labels: Labels, data: dict[str, Any]) -> str:
    status = DEADLINE_STATUS.get(data.get("status", ""))
    return labels.deadline(data.get("deadline", "")) + (f"：{status}" if status else
                                                       f"（{data.get('clause', '')}）")


def _unit_notice(labels: Labels, data: dict[str, Any]) -> str:
    kind = data.get("kind") or data.get("notice_kind") or ""
    return f"{labels.actor(data.get('unit'))}：{labels.notice_kind(kind)}"


def _level(labels: Labels, data: dict[str, Any]) -> str:
    duty = f"：{data['duty']}" if data.get("duty") else ""
    return labels.level(data.get("level")) + duty


def _power(labels: Labels, data: dict[str, Any]) -> str:
    return f"{labels.measure(data.get('measure', ''))}：{data.get('detail', '')}"


def _settled(_: Labels, data: dict[str, Any]) -> str:
    return f"第{data.get('obligation')}项，{data.get('amount_yuan')}元，{data.get('how', '')}"


def _members(labels: Labels, data: dict[str, Any]) -> str:
    return "成员：" + labels.actors(list(data.get("members", [])))


def _sections(_: Labels, data: dict[str, Any]) -> str:
    return f"共{len(data.get('sections', []))}部分"


def _note(_: Labels, data: dict[str, Any]) -> str:
    return str(data.get("note") or data.get("reason") or "")


def _alert(labels: Labels, data: dict[str, Any]) -> str:
    step = f"（第{data.get('step')}次）" if data.get("step") else ""
    late = "（补报）" if data.get("after_response") else ""
    return (f"{labels.deadline(data.get('deadline', ''))}{late}{step} → "
            f"{labels.actors(list(data.get('recipients', [])))}")


def _statement(_: Labels, data: dict[str, Any]) -> str:
    text = f"：{data['text']}" if data.get("text") else ""
    return f"第{data.get('statement')}号发布稿（第{data.get('version')}版）{text}"


def _obligation(labels: Labels, data: dict[str, Any]) -> str:
    return (f"第{data.get('obligation')}项 {data.get('name', '')}，"
            f"{labels.actor(data.get('owner'))}承办：{data.get('detail', '')}")


def _group(labels: Labels, data: dict[str, Any]) -> str:
    parts = [str(data.get("group_name", ""))]
    if data.get("added"):
        parts.append("增加 " + labels.actors(list(data["added"])))
    if data.get("removed"):
        parts.append("减少 " + labels.actors(list(data["removed"])))
    if data.get("leader_name"):
        parts.append(f"组长 {data['leader_name']}")
    return "，".join(p for p in parts if p)


def _groups(labels: Labels, data: dict[str, Any]) -> str:
    return f"{len(data.get('groups', []))}个工作组（{data.get('clause', '')}）"


_SUMMARIES: dict[str, Callable[[Labels, dict[str, Any]], str]] = {
    "reported": _classification, "verified": _verified,
    "level_raised": _level_change, "level_lowered": _level_change, "facts_updated": _level_change,
    "deadline_started": _deadline, "deadline_met": _deadline,
    "activated": _level, "level_in_force": _level,
    "notice_sent": _unit_notice, "notice_acknowledged": _unit_notice, "alert_resend": _unit_notice,
    "notice_superseded": _unit_notice,
    "alert_reminder": _alert, "alert_overdue": _alert,
    "report_recorded": _report, "emergency_power_used": _power, "danger_eliminated": _names,
    "propose_termination": _note, "approve_termination": _note, "announce_termination": _note,
    "obligation_settled": _settled, "investigation_started": _members,
    "report_submitted": _sections, "dismissed": _note,
    "statement_drafted": _statement, "statement_approved": _statement,
    "statement_released": _statement, "obligation_opened": _obligation,
    "group_amended": _group, "onsite_command_formed": _groups,
}


GROUPED_EVENTS = frozenset({"notice_sent", "deadline_started"})


def compact_timeline(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newest first, with a burst of notices sent at one instant shown as one entry (a level I
    activation sends dozens): each entry gets `group`, the events it stands for."""
    out: list[dict[str, Any]] = []
    for event in reversed(events):
        last = out[-1] if out else None
        if (last is not None and event["kind"] in GROUPED_EVENTS
                and last["kind"] == event["kind"] and last["at"] == event["at"]):
            last["group"].append(event)
            continue
        out.append({**event, "group": [event]})
    return out


def notice_counts(incident: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for notice in incident["notices"]:
        key = "flagged" if notice["flagged"] else notice["status"]
        counts[key] = counts.get(key, 0) + 1
    return counts


def open_deadlines(incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in incident["deadlines"]
            if d["met_at"] is None and d["stopped_at"] is None]


def urgency_key(incident: dict[str, Any]) -> tuple[int, str, int, int]:
    """Most overdue / soonest due first; incidents without a running deadline after them,
    highest level first. ISO times of one zone sort as text."""
    running = sorted(d["due_at"] for d in open_deadlines(incident))
    level_rank = -LEVELS.index(incident["response_level"]) if incident["response_level"] in LEVELS \
        else 0
    if running:
        return (0, running[0], level_rank, incident["id"])
    return (1, "", level_rank, -incident["id"])


def by_urgency(incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(incidents, key=urgency_key)


def others_waiting(plan: Plan, incident: dict[str, Any], unit: str) -> list[tuple[str, str]]:
    """Available actions this unit may not take, with who may: '启动应急响应：区指挥部'."""
    labels = Labels(plan)
    out = []
    for action in incident["available_actions"]:
        allowed = who_may(plan, incident, action)
        if allowed is None or unit in allowed or not allowed:
            continue
        names = labels.actors(allowed[:3]) + (f"等 {len(allowed)} 个单位" if len(allowed) > 3
                                               else "")
        out.append((action, names))
    return out


def my_pending_notices(incident: dict[str, Any], unit: str) -> list[dict[str, Any]]:
    return [n for n in incident["notices"]
            if n["unit"] == unit and n["status"] in ("sent", "escalated")]


def open_obligations(incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in incident["obligations"] if o["status"] == "open"]


def who_may(plan: Plan, incident: dict[str, Any], action: str) -> list[str] | None:
    """The units that may take `action` now, by the rules the engine enforces; None: anyone."""
    if action == "acknowledge":
        return list(dict.fromkeys(n["unit"] for n in incident["notices"]
                                  if n["status"] in ("sent", "escalated")))
    level: Level = incident["response_level"]
    if action == "activate":
        return allowed_actors(plan, action, None, target_level=level)
    return allowed_actors(plan, action, level)


def may_take(plan: Plan, incident: dict[str, Any], unit: str, action: str) -> bool:
    allowed = who_may(plan, incident, action)
    return allowed is None or unit in allowed


def actions_for(plan: Plan, incident: dict[str, Any], unit: str) -> list[str]:
    """The incident's available actions that this unit may take (available ∩ allowed)."""
    return [a for a in incident["available_actions"] if may_take(plan, incident, unit, a)]


def actions_key(plan: Plan, incident: dict[str, Any], unit: str) -> str:
    """Changes exactly when the actions panel would render differently, so the live refresh
    replaces the panel (and any half-typed form) only when it has to."""
    parts = [incident["state"], incident["response_level"], *actions_for(plan, incident, unit),
             *(f"n{n['id']}" for n in my_pending_notices(incident, unit)),
             *(f"o{o['id']}" for o in open_obligations(incident)),
             *(f"s{st['number']}.{st['version']}{st['status']}"
               for st in incident.get("statements") or []),
             *(w for d in open_deadlines(incident) for w in d["waiting_on"])]
    return "|".join(parts)


def button_text(action: str) -> str:
    """A submit button's words: 确认 and the action, but never 确认确认险情已排除."""
    label = ACTIONS.get(action, action)
    return label if label.startswith("确认") else f"确认{label}"
