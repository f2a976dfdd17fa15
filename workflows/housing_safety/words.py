"""The one vocabulary of the housing-safety workflow: every word a person reads for its codes.

The console, the notices and the investigation report all name states, actions, events, facts
and statuses from these tables, so a term is written once, in the plan's own words, and cannot
drift between screens and documents. Kernel codes (deadline and notice statuses) are named here
too: what a person reads is the workflow's to say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from engine.lifecycle import Vocabulary
from engine.plan import Plan

STATES = {
    "reported": "已接报，待核实",
    "active": "应急响应中",
    "danger_eliminated": "险情已排除",
    "termination_proposed": "已提出终止",
    "termination_approved": "已同意终止",
    "terminated": "响应已终止",
    "investigating": "事件调查中",
    "closed": "已结案",
    "dismissed": "已撤销（报告不实）",
    "merged": "已并入原事件（重复报告）",
}

ACTIONS = {
    "verify": "现场核实",
    "activate": "启动应急响应",
    "raise_level": "调整响应级别",
    "record_report": "信息报送登记",
    "submit_info_report": "报送信息报告（首报、续报、终报）",
    "acknowledge": "签收通知",
    "use_emergency_power": "采取应急处置措施",
    "eliminate_danger": "确认险情已排除",
    "propose_termination": "提出终止响应",
    "approve_termination": "同意终止响应",
    "announce_termination": "宣布终止响应",
    "settle_obligation": "办结修复或补偿",
    "start_investigation": "启动事件调查",
    "submit_report": "提交调查报告",
    "close": "结案",
    "dismiss": "撤销（报告不实）",
    "merge": "并入原事件（重复报告）",
    "amend_group": "调整现场工作组",
    "draft_statement": "起草信息发布稿",
    "approve_statement": "审核信息发布稿",
    "release_statement": "对外发布信息",
    "open_obligation": "登记善后事项",
}

EVENTS = {
    "reported": "接报登记",
    "deadline_started": "时限开始计时",
    "deadline_met": "时限已满足",
    "verified": "现场核实",
    "activated": "启动应急响应",
    "level_in_force": "响应级别生效",
    "level_raised": "提高响应级别",
    "level_lowered": "降低响应级别",
    "facts_updated": "更新事实",
    "notice_sent": "发出通知",
    "notice_acknowledged": "通知已签收",
    "notice_superseded": "通知已被替代（响应级别调整）",
    "acknowledgement_waits_ended": "通知不再等待签收",
    "report_recorded": "信息报送登记",
    "info_report_sent": "报送信息报告",
    "emergency_power_used": "采取应急处置措施",
    "danger_eliminated": "险情已排除",
    "propose_termination": "提出终止响应",
    "approve_termination": "同意终止响应",
    "announce_termination": "宣布终止响应",
    "obligation_settled": "修复或补偿已办结",
    "investigation_started": "启动事件调查",
    "report_submitted": "提交调查报告",
    "closed": "结案",
    "dismissed": "撤销（报告不实）",
    "merged": "并入原事件（重复报告）",
    "duplicate_merged": "重复报告并入本事件",
    "alert_reminder": "到期提醒",
    "alert_overdue": "超时告警",
    "alert_resend": "通知超时未签收，转备用联系人",
    "onsite_command_formed": "成立现场指挥部",
    "group_amended": "调整现场工作组",
    "obligation_opened": "登记善后事项",
    "statement_drafted": "起草信息发布稿",
    "statement_approved": "信息发布稿已审核",
    "statement_released": "信息已对外发布",
}

DEADLINE_STATUS = {
    "pending": "计时中",
    "met": "已按时完成",
    "overdue": "已超时",
    "met_late": "超时后完成",
}
NOTICE_STATUS = {
    "sent": "待签收",
    "acknowledged": "已签收",
    "escalated": "超时未签收，已转备用联系人",
    "informational": "告知，无需签收",
    "withdrawn": "已撤回",
    "superseded": "已被替代",
}
OBLIGATION_STATUS = {"open": "未办结", "settled": "已办结"}
STATEMENT_STATUS = {
    "draft": "待审核",
    "approved": "已审核，待发布",
    "released": "已发布",
    "superseded": "已被新版本取代",
}
FACTS = {
    "condition": "险情类型",
    "street": "所在街道",
    "address": "地址",
    "dead": "死亡人数",
    "missing": "失踪人数",
    "injured": "受伤人数",
    "economic_loss_yuan": "直接经济损失",
    "people_at_risk": "危及人数",
    "discovered_at": "发现时间",
    "reporter": "报告人",
    "description": "情况描述",
}
CONDITION_SHORT = {
    "hidden_danger": "安全隐患",
    "imminent_collapse": "随时可能倒塌",
    "partial_collapse": "局部倒塌",
    "total_collapse": "整体倒塌",
}

# The reasons the engine and the workflow record as codes (a timeline's `reason`).
REASONS = {
    "discovery_corrected": "发现时间更正",
    "response_ended": "应急响应结束",
    "closed": "结案",
    "dismissed": "撤销",
    "merged": "重复报告并入原事件",
    "verified_raise": "核实后事实要求提高响应级别",
    "raise": "新情况要求提高响应级别",
}

REFUSALS = {
    "report_final": "调查报告已提交，不能再次提交或覆盖；如需更正，请以 correction: true 并写明 "
    "reason 提交更正版本，原版本保留 (the report was already submitted: submit a "
    "correction with correction: true and a reason)",
    "nothing_to_correct": "尚无已提交的调查报告可更正，请先提交 (no submitted report to "
    "correct: submit_report without correction first)",
}

# The duty desk (§3.5 值班制度): the call log and the handover sheet.
CALL_STATUS = {
    "open": "待处理",
    "incident": "已立事件",
    "attached": "已并入事件",
    "closed": "已办结（无需立事件）",
}
CALL_FIELDS = {
    "received_at": "来电时间",
    "caller_unit": "来电单位",
    "caller_name": "来电人",
    "caller_position": "职务",
    "caller_phone": "联系电话",
    "street": "所在街道",
    "place": "地点",
    "content": "来电内容",
    "recorder": "记录人",
    "instruction": "领导批示",
    "handling": "处理情况",
    "close_reason": "办结理由",
}
DELIVERY_STATUS = {
    "pending": "待发送",
    "sending": "发送中",
    "dead": "多次发送失败",
    "delivered": "已送达",
}
# What a message about no incident is about (`Delivery.about` is "kind:id"), as the sheet says.
SUBJECTS = {
    "house": "危险房屋",
    "public_check": "公共建筑检查",
    "warning": "预警",
}
HANDOVER_SECTIONS = {
    "open_incidents": "在办事件",
    "overdue": "已超时事项",
    "due_next_shift": "下一班次结束前到期的时限",
    "unacknowledged": "未签收的通知",
    "undelivered": "未送达的消息",
    "instructions_pending": "领导批示尚未落实",
    "open_calls": "未办结的来电",
}

# The label tables, by the names the templates use.
TABLES = {
    "STATES": STATES,
    "ACTIONS": ACTIONS,
    "EVENTS": EVENTS,
    "FACTS": FACTS,
    "DEADLINE_STATUS": DEADLINE_STATUS,
    "NOTICE_STATUS": NOTICE_STATUS,
    "OBLIGATION_STATUS": OBLIGATION_STATUS,
    "STATEMENT_STATUS": STATEMENT_STATUS,
    "CONDITION_SHORT": CONDITION_SHORT,
    "REASONS": REASONS,
}


def reason(code: str | None) -> str:
    """A recorded reason in words (older records hold the words themselves)."""
    return REASONS.get(code or "", code or "")


def notice_kind(plan: Plan, kind: str) -> str:
    """The name of a notice kind, e.g. `group_medical` → 现场指挥部医疗急救组任务通知."""
    if kind.startswith("activation_"):
        level = plan.levels.get(kind.removeprefix("activation_"))  # type: ignore[call-overload]
        return f"{level.name if level else kind}启动通知"
    if kind.startswith("group_"):
        code = kind.removeprefix("group_")
        group = next((g.name for g in plan.onsite_groups.groups if g.code == code), code)
        return f"现场指挥部{group}任务通知"
    return {
        "city_request": "请求市级响应的报告",
        "termination": "应急响应结束通知",
        "info_initial": "信息报告（首报）",
        "info_progress": "信息报告（续报）",
        "info_final": "信息报告（终报）",
    }.get(kind, kind)


def proxy_note(plan: Plan, proxy: dict[str, Any]) -> str:
    """代录: who recorded a body's decision, from what, conveyed by whom (R11)."""
    source = plan.proxy.sources.get(proxy.get("source", ""), proxy.get("source", ""))
    reference = f"（{proxy['reference']}）" if proxy.get("reference") else ""
    return (
        f"（代录：{plan.actor_name(proxy.get('recorded_by', ''))}据{source}{reference}记录，"
        f"{proxy.get('conveyed_by', '')}转达）"
    )


class Names(Protocol):
    """What a one-line summary needs to name codes (the console's labels provide it)."""

    def actor(self, code: str | None) -> str: ...
    def actors(self, codes: list[str]) -> str: ...
    def grade(self, code: str | None) -> str: ...
    def level(self, code: str | None) -> str: ...
    def deadline(self, code: str) -> str: ...
    def notice_kind(self, kind: str) -> str: ...
    def measure(self, code: str) -> str: ...
    def changes(self, changes: dict[str, Any]) -> str: ...


# -- one line for each kind of timeline event (the console's timeline) -------------------------


def _classification(labels: Names, data: dict[str, Any]) -> str:
    c = data.get("classification") or {}
    scope = "；超出区级响应范围" if c.get("exceeds_district_scope") else ""
    return f"{labels.grade(c.get('grade'))}，{labels.level(c.get('response_level'))}{scope}"


def _level_change(labels: Names, data: dict[str, Any]) -> str:
    text = (
        f"{labels.level(data.get('from'))} → {labels.level(data.get('to'))}："
        f"{data.get('reason', '')}"
    )
    return text + (f"（{labels.changes(data['changes'])}）" if data.get("changes") else "")


def _verified(labels: Names, data: dict[str, Any]) -> str:
    changes = labels.changes(data.get("changes") or {}) or "事实无更正"
    return f"{changes}；{_classification(labels, data)}"


def _report(labels: Names, data: dict[str, Any]) -> str:
    parts = [f"已报告{labels.actor(data.get('to'))}", data.get("channel"), data.get("content")]
    return "，".join(p for p in parts if p)


def _info_report(labels: Names, data: dict[str, Any]) -> str:
    channel = f"（{data['channel']}）" if data.get("channel") else ""
    return f"{data.get('title', '')} → {labels.actor(data.get('to'))}{channel}"


def _names(_: Names, data: dict[str, Any]) -> str:
    return (
        f"专家：{'、'.join(data.get('experts', []))}；"
        f"鉴定人员：{'、'.join(data.get('appraisers', []))}"
    )


def _deadline(labels: Names, data: dict[str, Any]) -> str:
    status = DEADLINE_STATUS.get(data.get("status", ""))
    return labels.deadline(data.get("deadline", "")) + (
        f"：{status}" if status else f"（{data.get('clause', '')}）"
    )


def _unit_notice(labels: Names, data: dict[str, Any]) -> str:
    kind = data.get("kind") or data.get("notice_kind") or ""
    return f"{labels.actor(data.get('unit'))}：{labels.notice_kind(kind)}"


def _level(labels: Names, data: dict[str, Any]) -> str:
    duty = f"：{data['duty']}" if data.get("duty") else ""
    return labels.level(data.get("level")) + duty


def _power(labels: Names, data: dict[str, Any]) -> str:
    return f"{labels.measure(data.get('measure', ''))}：{data.get('detail', '')}"


def _settled(_: Names, data: dict[str, Any]) -> str:
    return f"第{data.get('obligation')}项，{data.get('amount_yuan')}元，{data.get('how', '')}"


def _members(labels: Names, data: dict[str, Any]) -> str:
    return "成员：" + labels.actors(list(data.get("members", [])))


def _sections(_: Names, data: dict[str, Any]) -> str:
    return f"共{len(data.get('sections', []))}部分"


def _note(_: Names, data: dict[str, Any]) -> str:
    return str(data.get("note") or data.get("reason") or "")


def _alert(labels: Names, data: dict[str, Any]) -> str:
    step = f"（第{data.get('step')}次）" if data.get("step") else ""
    late = "（补报）" if data.get("after_response") else ""
    return (
        f"{labels.deadline(data.get('deadline', ''))}{late}{step} → "
        f"{labels.actors(list(data.get('recipients', [])))}"
    )


def _statement(_: Names, data: dict[str, Any]) -> str:
    text = f"：{data['text']}" if data.get("text") else ""
    return f"第{data.get('statement')}号发布稿（第{data.get('version')}版）{text}"


def _obligation(labels: Names, data: dict[str, Any]) -> str:
    return (
        f"第{data.get('obligation')}项 {data.get('name', '')}，"
        f"{labels.actor(data.get('owner'))}承办：{data.get('detail', '')}"
    )


def _group(labels: Names, data: dict[str, Any]) -> str:
    parts = [str(data.get("group_name", ""))]
    if data.get("added"):
        parts.append("增加 " + labels.actors(list(data["added"])))
    if data.get("removed"):
        parts.append("减少 " + labels.actors(list(data["removed"])))
    if data.get("leader_name"):
        parts.append(f"组长 {data['leader_name']}")
    return "，".join(p for p in parts if p)


def _groups(labels: Names, data: dict[str, Any]) -> str:
    return f"{len(data.get('groups', []))}个工作组（{data.get('clause', '')}）"


def _merged(_: Names, data: dict[str, Any]) -> str:
    reason = f"：{data['reason']}" if data.get("reason") else ""
    return f"并入事件{data.get('into')}{reason}"


def _duplicate(_: Names, data: dict[str, Any]) -> str:
    facts = data.get("facts") or {}
    reporter = f"，报告人{data['reporter']}" if data.get("reporter") else ""
    return f"事件{data.get('duplicate')}（{facts.get('address', '')}{reporter}）并入本事件"


SUMMARIES: dict[str, Callable[[Names, dict[str, Any]], str]] = {
    "reported": _classification,
    "verified": _verified,
    "level_raised": _level_change,
    "level_lowered": _level_change,
    "facts_updated": _level_change,
    "deadline_started": _deadline,
    "deadline_met": _deadline,
    "activated": _level,
    "level_in_force": _level,
    "notice_sent": _unit_notice,
    "notice_acknowledged": _unit_notice,
    "alert_resend": _unit_notice,
    "notice_superseded": _unit_notice,
    "alert_reminder": _alert,
    "alert_overdue": _alert,
    "report_recorded": _report,
    "info_report_sent": _info_report,
    "emergency_power_used": _power,
    "danger_eliminated": _names,
    "propose_termination": _note,
    "approve_termination": _note,
    "announce_termination": _note,
    "obligation_settled": _settled,
    "investigation_started": _members,
    "report_submitted": _sections,
    "dismissed": _note,
    "merged": _merged,
    "duplicate_merged": _duplicate,
    "statement_drafted": _statement,
    "statement_approved": _statement,
    "statement_released": _statement,
    "obligation_opened": _obligation,
    "group_amended": _group,
    "onsite_command_formed": _groups,
}


def duty_names(on_duty: dict[str, Any] | None) -> str:
    """The shift on duty when an event happened (§3.5): its leader on duty (带班领导) and its
    officers; '' when the roster had no shift then."""
    if not on_duty:
        return ""
    leader = on_duty.get("leader") or ""
    officers = "、".join(on_duty.get("officers") or [])
    parts = (f"带班领导{leader}" if leader else "", f"值班员{officers}" if officers else "")
    return "；".join(p for p in parts if p)


def on_duty_note(on_duty: dict[str, Any] | None) -> str:
    names = duty_names(on_duty)
    return f"值班：{names}" if names else ""


VOCABULARY = Vocabulary(
    tables=TABLES,
    summaries=SUMMARIES,
    notice_kind=notice_kind,
    proxy_note=proxy_note,
    on_duty_note=on_duty_note,
)
