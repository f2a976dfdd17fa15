"""The console's small forms: the workflow declares each action's fields (`Workflow.forms`),
one renderer (the template macro) and one parser draw and read them all, so the forms of
fifteen actions are not fifteen templates.

A field left empty is not sent; the engine validates what is sent and its refusal is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from engine.errors import InvalidInput
from engine.lifecycle import FormField as Field
from engine.lifecycle import Workflow
from engine.plan import LEVELS, Plan
from web.present import Labels, my_pending_notices, open_deadlines, open_obligations

Kind = Literal[
    "text",
    "textarea",
    "count",
    "money",
    "condition",
    "street",
    "level",
    "recipient",
    "measure",
    "obligation",
    "obligation_kind",
    "names",
    "units",
    "unit",
    "group",
    "statement_any",
    "statement_draft",
    "statement_approved",
    "my_notice",
    "pool",
    "info_kind",
]
SELECTS = frozenset(
    {
        "condition",
        "street",
        "level",
        "recipient",
        "measure",
        "obligation",
        "obligation_kind",
        "unit",
        "group",
        "statement_any",
        "statement_draft",
        "statement_approved",
        "my_notice",
        "info_kind",
    }
)


# Free-text fields that deserve more than one line when a form is built from a payload model.
LONG_TEXT = frozenset({"text", "detail", "reason", "note", "content", "description", "how"})
INTEGER_IDS = frozenset({"obligation", "statement"})

MONEY = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
NAME_SPLIT = re.compile(r"[\n,，、;；]+")


def fields_for(plan: Plan, workflow: Workflow, action: str) -> tuple[Field, ...]:
    """The action's form: as the workflow declares it, or else built from its payload model
    (fields named by the vocabulary's facts), so an action added to the workflow gets a usable
    (if plain) form without a change here."""
    if action == "submit_report":
        return tuple(
            Field(f"sections.{key}", f"{i}. {title}", "textarea", required=True)
            for i, (key, title) in enumerate(
                plan.investigation.report_sections.items.items(), start=1
            )
        )
    payload: type[BaseModel] | None = next(
        (t.payload for t in workflow.transitions if t.action == action), None
    )
    if action in workflow.forms or payload is None:
        return tuple(workflow.forms.get(action, ()))
    names = workflow.words.tables["FACTS"]
    return tuple(
        _field_from_model(name, info, names) for name, info in payload.model_fields.items()
    )


def _field_from_model(name: str, info: FieldInfo, names: Mapping[str, str]) -> Field:
    annotation = str(info.annotation)
    kind: Kind = (
        "count"
        if annotation.startswith("int")
        else "names"
        if annotation.startswith("list")
        else "textarea"
        if name in LONG_TEXT
        else "text"
    )
    return Field(name, names.get(name, name), kind, required=info.is_required())


def _latest_statements(incident: dict[str, Any] | None) -> dict[int, dict[str, Any]]:
    latest: dict[int, dict[str, Any]] = {}
    for st in (incident or {}).get("statements") or []:
        if st["number"] not in latest or st["version"] > latest[st["number"]]["version"]:
            latest[st["number"]] = st
    return latest


def choices(
    plan: Plan,
    labels: Labels,
    field: Field,
    incident: dict[str, Any] | None,
    unit: str,
    extra: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """The options of a select or checkbox field, in the order a person expects them."""
    kind = field.kind
    if kind == "condition":
        return [(c, v.name) for c, v in plan.conditions.items()]
    if kind == "street":
        return list(plan.streets.items.items())
    if kind == "level":
        return [(lv, plan.levels[lv].name) for lv in LEVELS]
    if kind == "measure":
        return [(c, m.name) for c, m in plan.emergency_powers.measures.items()]
    if kind == "group":
        return [(g.code, g.name) for g in plan.onsite_groups.groups]
    if kind == "unit":
        return [(c, a.name) for c, a in plan.actors.items()]
    if kind == "obligation_kind":
        from_powers = {
            m.obligation.kind: m.obligation.name
            for m in plan.emergency_powers.measures.values()
            if m.obligation
        }
        return list({**(extra or {}), **from_powers}.items())
    if kind.startswith("statement_"):
        wanted = {"statement_draft": "draft", "statement_approved": "approved"}.get(kind)
        return [
            (str(n), f"第{n}号（第{st['version']}版）：{st['text'][:30]}")
            for n, st in sorted(_latest_statements(incident).items())
            if wanted is None or st["status"] == wanted
        ]
    if kind == "recipient":
        waiting = [
            w for d in open_deadlines(incident or {"deadlines": []}) for w in d["waiting_on"]
        ]
        known = {r for rule in plan.deadlines.values() for r in rule.recipients}
        ordered = list(dict.fromkeys([*waiting, *sorted(known)]))
        return [(r, plan.actor_name(r) + ("（待报告）" if r in waiting else "")) for r in ordered]
    if kind == "info_kind":
        return [(str(k), str(v)) for k, v in (plan.information_reports.get("kinds") or {}).items()]
    if kind == "my_notice":
        return list(
            dict.fromkeys(
                (n["kind"], labels.notice_kind(n["kind"]))
                for n in my_pending_notices(incident or {"notices": []}, unit)
            )
        )
    if kind == "obligation":
        return [
            (str(o["id"]), f"第{o['id']}项：{o['detail']}")
            for o in open_obligations(incident or {"obligations": []})
        ]
    if kind == "units":
        return [
            (c, a.name)
            for c, a in plan.actors.items()
            if a.member or c in plan.investigation.default_members
        ]
    return []


def default_checked(plan: Plan, field: Field) -> list[str]:
    return list(plan.investigation.default_members) if field.name == "members" else []


@dataclass(frozen=True)
class FormKit:
    """What the templates need to draw an incident's action forms for one unit."""

    plan: Plan
    workflow: Workflow
    incident: dict[str, Any] | None
    unit: str
    # The options of a `pool` field (the expert pool: id, label) and those already picked.
    pool: tuple[tuple[str, str], ...] = ()
    pool_picked: tuple[str, ...] = ()

    def fields(self, action: str) -> tuple[Field, ...]:
        return fields_for(self.plan, self.workflow, action)

    def choices(self, field: Field) -> list[tuple[str, str]]:
        if field.kind == "pool":
            return list(self.pool)
        # The aftermath items people may open by hand (§5.3, config `aftermath`).
        labels = Labels(self.plan, self.workflow.words)
        return choices(
            self.plan, labels, field, self.incident, self.unit, self.plan.aftermath.kinds
        )

    def checked(self, field: Field) -> list[str]:
        if field.kind == "pool":
            return list(self.pool_picked)
        return default_checked(self.plan, field)

    @staticmethod
    def is_select(field: Field) -> bool:
        return field.kind in SELECTS


def _value(field: Field, form: Mapping[str, Any], getlist: Any) -> Any:
    if field.kind == "units":
        picked = [v for v in getlist(field.name) if v]
        return picked or None
    if field.kind == "pool":  # ids; anything else is sent as typed for the engine to refuse
        ids = [int(v) if v.isascii() and v.isdigit() else v for v in getlist(field.name) if v]
        return ids or None
    raw = form.get(field.name)
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    # ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses.
    digits = text.isascii() and text.isdigit()
    if field.kind == "count":
        if not digits:
            raise InvalidInput(f"{field.name}: 须为非负整数（如 0、3、120）")
        return int(text)
    if field.kind == "money":
        if not MONEY.fullmatch(text):
            raise InvalidInput(f"{field.name}: 须为金额（元），最多两位小数")
        return text  # the engine reads a numeric string exactly (SPEC R1)
    if field.name in INTEGER_IDS:
        return int(text) if digits else text
    if field.kind == "names":
        return [n.strip() for n in NAME_SPLIT.split(text) if n.strip()]
    return text


def parse(fields: tuple[Field, ...], form: Mapping[str, Any], getlist: Any) -> dict[str, Any]:
    """Form fields → the engine's data dict (dotted names nest; empty fields are left out)."""
    data: dict[str, Any] = {}
    for field in fields:
        value = _value(field, form, getlist)
        if value is None:
            continue
        target = data
        *parents, leaf = field.name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return data


def local_instant(value: str | None, zone: ZoneInfo, name: str) -> str | None:
    """A datetime-local input (no offset) read in the plan's time zone → ISO with offset."""
    if not value or not value.strip():
        return None
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{name}: 时间格式不对（{value}）") from exc
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=zone)
    return naive.isoformat()


# The engine's reasons (English, for the CLI and API) in the officer's words. `{time}` is the
# instant the reason quotes, shown in local time.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Street scope (web/scope.py, web/accounts.py).
    (
        re.compile(
            r"^incident (?P<n>\d+) is in street '(?P<street>[a-z_]+)'; "
            r"this account acts for street '(?P<mine>[a-z_]+)' only"
        ),
        "事件 #{n} 在{street}，本账号只能查看和处理{mine}的事件（属地管理，§1.3）",
    ),
    (
        re.compile(r"this account acts for street '(?P<mine>[a-z_]+)' only"),
        "本账号只能查看和处理{mine}的事件（属地管理，§1.3）",
    ),
    (re.compile(r"required for an account of"), "必须选择（街道办事处的账号属于一个街道）"),
    (re.compile(r"only a street office's account has a street"), "只有街道办事处的账号才选择街道"),
    (re.compile(r"unknown street"), "不是本区的街道"),
    (re.compile(r"is later than the engine's clock \((?P<time>[^)]+)\)"), "不能晚于现在（{time}）"),
    (re.compile(r"is later than the action's time"), "不能晚于实际发生时间"),
    (re.compile(r"is later than reported_at"), "不能晚于接报时间"),
    (re.compile(r"is earlier than the incident's discovery"), "不能早于事件的发现时间"),
    (re.compile(r"required to lower a response level"), "降低响应级别时必须填写"),
    (
        re.compile(r"name an expert or pick one from the pool"),
        "请从专家库中选择专家，或填写专家库以外的专家姓名",
    ),
    (re.compile(r"unknown expert (?P<n>\d+) \(not in the pool\)"), "专家库中没有编号为 {n} 的专家"),
    (re.compile(r"expert \d+ \((?P<name>[^)]+)\) is not available"), "专家{name}暂不可用"),
    (re.compile(r"^required"), "必须填写"),
    # The resources page (§6.2–§6.4).
    (re.compile(r"must be one of"), "不是可选的值，请从列表中选择"),
    (re.compile(r"not a phone number"), "不是有效的电话号码（数字、空格或 -）"),
    (re.compile(r"should have at least 1 character"), "必须填写"),
    (re.compile(r"should be a valid integer"), "须为整数"),
    (re.compile(r"at most two decimal places"), "最多两位小数（分）"),
    (re.compile(r"must be a finite number of yuan|should be a valid decimal"), "须为金额（元）"),
    (re.compile(r"no fund is recorded for (?P<n>\d+)"), "{n}年尚未记录应急启动资金，请先记录"),
    (re.compile(r"the fund is recorded by"), "本单位不能记录应急资金（由区财政局或区房管局记录）"),
    (re.compile(r"must be (?P<n>\d+) or more \(people sheltered"), "不能少于现有在住人数（{n}人）"),
    (re.compile(r"^no incident (?P<n>\d+)"), "事件 #{n} 不存在"),
    (re.compile(r"at most (?P<n>\d+) characters"), "最多 {n} 个字"),
    (re.compile(r"must be (?P<n>[0-9.]+) or more"), "不能小于 {n}"),
    (re.compile(r"must be (?P<n>[0-9.]+) or less"), "不能大于 {n}"),
    (re.compile(r"NUL character"), "含有不能保存的字符"),
    (re.compile(r"^unknown"), "不是可选的值，请从列表中选择"),
    (re.compile(r"needs a UTC offset"), "时间格式不对"),
    (re.compile(r"give the new facts or the level"), "请填写新的事实，或选择要调整到的级别"),
    (
        re.compile(r"give add_units, remove_units or leader_name"),
        "请选择增加或减少的单位，或填写组长姓名",
    ),
    (re.compile(r"is missing or empty"), "必须填写（§5.2 要求报告六个部分齐全）"),
    (re.compile(r"still has a gap"), "还有标注【待补充】的空缺，请补全或删去"),
    (
        re.compile(r"obligation\(s\) [0-9, ]+ still open"),
        "还有未办结的修复或补偿事项（§5.3），请先办结",
    ),
    (re.compile(r"needs an investigation"), "须先启动事件调查并提交调查报告（§5.1、§5.2）"),
    (re.compile(r"investigation report has not been submitted"), "调查报告尚未提交（§5.2）"),
    (re.compile(r"has no unacknowledged notice"), "没有待签收的通知"),
    (re.compile(r"is already settled"), "该事项已办结"),
    # Information reports (workflows/housing_safety/info_reports.py, §4.2).
    (re.compile(r"was already made: it is the last"), "已向该单位报送终报，不能再报送"),
    (re.compile(r"was already made; send a"), "已向该单位报送首报，请报送续报"),
    (re.compile(r"\(initial\) to .* yet: it comes first"), "尚未向该单位报送首报，请先报送首报"),
    (re.compile(r"only once the response has ended"), "应急响应结束后才能报送终报"),
    (
        re.compile(r"is not possible while the incident is '(?P<state>[a-z_]+)'"),
        "事件当前为「{state}」，不能执行此操作",
    ),
    (re.compile(r"only (?P<who>.+) may$"), "只有{who}可以执行此操作"),
    (re.compile(r"acknowledgement link has expired"), "确认链接已过期"),
    (re.compile(r"^incident (?P<n>\d+) does not exist"), "事件 #{n} 不存在"),
    (re.compile(r"must be at least (?P<n>\d+) characters"), "至少 {n} 位"),
    (re.compile(r"2-64 letters, digits"), "须为 2–64 位英文字母、数字或 . _ -"),
    (re.compile(r"is already taken"), "已被占用，请换一个"),
    (re.compile(r"last active administrator"), "最后一位启用的管理员不能停用或取消管理员"),
    # The duty desk (workflows/housing_safety/duty.py).
    (re.compile(r"not a duty officer of the outgoing shift"), "不是交班班次的值班员"),
    (re.compile(r"not a duty officer of the incoming shift"), "不是接班班次的值班员"),
    (re.compile(r"the outgoing officer confirms first"), "须由交班值班员先确认"),
    (re.compile(r"officer already confirmed"), "已经确认过"),
    (re.compile(r"overlaps the shift"), "与已有班次的时间重叠"),
    (re.compile(r"must be later than starts_at"), "须晚于开始时间"),
    (re.compile(r"at least one duty officer"), "至少须有一名值班员"),
    (re.compile(r"an officer is named twice"), "同一值班员填写了两次"),
    (re.compile(r"is no longer open"), "事件已不在处置中"),
    (re.compile(r"the call names no street"), "来电未说明街道，请选择事件所在街道"),
    (re.compile(r"give the instruction, the handling or both"), "请填写领导批示或处理情况"),
    (re.compile(r"must start when or after from_shift ends"), "须在交班班次结束时或之后开始"),
)
CJK = re.compile(r"[\u4e00-\u9fff]")
# Fields the engine names that the forms ask under another heading.
ENGINE_NAMES = {
    "place": "地点",
    "content": "来电内容",
    "recorder": "记录人",
    "officer": "值班员",
    "officers": "值班员",
    "side": "交接方",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "received_at": "来电时间",
    "instruction": "领导批示",
    "note": "备注",
    "call": "来电",
    "incident": "事件",
    "handover": "交接单",
    "discovered_at": "发现时间",
    "reported_at": "接报时间",
    "at": "实际发生时间",
    "data": "",
    "input": "",
    "password": "密码",
    "username": "用户名",
    "display_name": "姓名",
    "unit": "所属单位",
    "street": "街道",
    "name": "令牌名称",
    "actor": "",
}


@dataclass(frozen=True)
class FieldError:
    """A refusal placed beside its field: `name` is the form field (None: the whole form),
    `text` names the field and says why, in Chinese."""

    name: str | None
    text: str


def field_error(message: str, fields: tuple[Field, ...], labels: Labels | None) -> FieldError:
    """An engine or form refusal ('data.people_at_risk: must be 0 or more') → the field it is
    about and a Chinese sentence naming it; a message without a field stays whole."""
    where, sep, reason = message.partition(": ")
    if not sep or " " in where:
        return FieldError(None, _reason(message, labels))
    name = where.removeprefix("data.")
    by_name = {f.name: f for f in fields}
    facts = labels.words.tables["FACTS"] if labels is not None else {}
    label = by_name[name].label if name in by_name else ENGINE_NAMES.get(name, facts.get(name))
    text = _reason(reason, labels)
    if label is None:  # a field no form shows: say which, in the engine's name
        return FieldError(None, f"{name}：{text}")
    return FieldError(
        name if name in by_name or label else None, f"「{label}」{text}" if label else text
    )


GENERIC = "输入有误，请检查后重试"


def _reason(reason: str, labels: Labels | None, fallback: str = GENERIC) -> str:
    for pattern, words in REASONS:
        found = pattern.search(reason)
        if found:
            values = found.groupdict()
            if "time" in values and labels is not None:
                values["time"] = labels.time(values["time"])
            if "state" in values and labels is not None:
                states = labels.words.tables["STATES"]
                values["state"] = states.get(values["state"], values["state"])
            for key in ("street", "mine"):
                if key in values and labels is not None:
                    values[key] = labels.street(values[key])
            if "who" in values:  # '区指挥部 (district_hq)': the name is enough
                values["who"] = re.sub(r" \([a-z_]+\)", "", values["who"])
            return words.format(**values)
    return reason if CJK.search(reason) else fallback


# The user form (users.html): named here so a refusal finds its field.
USER_FIELDS = (
    Field("username", "用户名", required=True),
    Field("display_name", "姓名", required=True),
    Field("unit", "所属单位", "unit", required=True),
    Field("street", "所属街道", "street"),
    Field("password", "初始密码", required=True),
)
