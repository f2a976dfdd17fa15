"""The console's small forms: one declarative list of fields per action, one renderer (the
template macro) and one parser, so the forms of fifteen actions are not fifteen templates.

A field left empty is not sent; the engine validates what is sent and its refusal is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from engine.errors import InvalidInput
from engine.plan import LEVELS, Plan
from web.present import Labels, my_open_obligations, open_deadlines

Kind = Literal["text", "textarea", "count", "condition", "street", "level", "recipient",
               "measure", "obligation", "names", "units"]


@dataclass(frozen=True)
class Field:
    name: str  # a dotted name ('sections.unit_overview') nests in the data
    label: str
    kind: Kind = "text"
    required: bool = False
    hint: str = ""


COUNTS = (Field("people_at_risk", "危及人数", "count"), Field("dead", "死亡", "count"),
          Field("missing", "失踪", "count"), Field("injured", "受伤", "count"),
          Field("economic_loss_yuan", "直接经济损失（元）", "count"))
NOTE = (Field("note", "说明", "textarea"),)

ACTION_FIELDS: dict[str, tuple[Field, ...]] = {
    "verify": (Field("condition", "核实后的房屋状况", "condition", hint="不变则不选"), *COUNTS,
               Field("address", "更正地址"), Field("description", "核实情况", "textarea")),
    "raise_level": (Field("level", "调整到级别", "level", hint="不选则按新事实定级"),
                    Field("condition", "新的房屋状况", "condition"), *COUNTS,
                    Field("reason", "理由", "textarea", hint="降低级别时必填")),
    "record_report": (Field("to", "报告对象", "recipient", required=True),
                      Field("channel", "方式", hint="电话、传真、系统、书面……"),
                      Field("content", "内容摘要", "textarea")),
    "use_emergency_power": (Field("measure", "措施", "measure", required=True),
                            Field("detail", "具体情况", "textarea", required=True)),
    "eliminate_danger": (Field("experts", "论证专家", "names", required=True, hint="每行一人"),
                         Field("appraisers", "鉴定技术人员", "names", required=True,
                               hint="每行一人")),
    "propose_termination": NOTE,
    "approve_termination": NOTE,
    "announce_termination": NOTE,
    "settle_obligation": (Field("obligation", "事项", "obligation", required=True),
                          Field("amount_yuan", "金额（元）", "count", required=True),
                          Field("how", "办理方式", required=True)),
    "start_investigation": (Field("members", "调查组成员单位", "units"),),
    "dismiss": (Field("reason", "撤销理由", "textarea", required=True),),
}

NAME_SPLIT = re.compile(r"[\n,，、;；]+")


def fields_for(plan: Plan, action: str) -> tuple[Field, ...]:
    if action == "submit_report":
        return tuple(Field(f"sections.{key}", f"{i}. {title}", "textarea", required=True)
                     for i, (key, title) in enumerate(
                         plan.investigation.report_sections.items.items(), start=1))
    return ACTION_FIELDS.get(action, ())


def choices(plan: Plan, field: Field, incident: dict[str, Any] | None,
            unit: str) -> list[tuple[str, str]]:
    """The options of a select or checkbox field, in the order a person expects them."""
    labels = Labels(plan)
    if field.kind == "condition":
        return [(c, v.name) for c, v in plan.conditions.items()]
    if field.kind == "street":
        return list(plan.streets.items.items())
    if field.kind == "level":
        return [(lv, plan.levels[lv].name) for lv in LEVELS]
    if field.kind == "measure":
        return [(c, m.name) for c, m in plan.emergency_powers.measures.items()]
    if field.kind == "recipient":
        waiting = [w for d in open_deadlines(incident or {"deadlines": []})
                   for w in d["waiting_on"]]
        known = {r for rule in plan.deadlines.values() for r in rule.recipients}
        ordered = list(dict.fromkeys([*waiting, *sorted(known)]))
        return [(r, labels.actor(r) + ("（待报告）" if r in waiting else "")) for r in ordered]
    if field.kind == "obligation":
        return [(str(o["id"]), f"第{o['id']}项：{o['detail']}")
                for o in my_open_obligations(incident or {"obligations": []}, unit)]
    if field.kind == "units":
        return [(c, a.name) for c, a in plan.actors.items()
                if a.member or c in plan.investigation.default_members]
    return []


def default_checked(plan: Plan, field: Field) -> list[str]:
    return list(plan.investigation.default_members) if field.kind == "units" else []


def _value(field: Field, form: Mapping[str, Any], getlist: Any) -> Any:
    if field.kind == "units":
        picked = [v for v in getlist(field.name) if v]
        return picked or None
    raw = form.get(field.name)
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    if field.kind == "count":
        if not text.isdigit():
            raise InvalidInput(f"{field.name}: 「{field.label}」须为非负整数")
        return int(text)
    if field.kind == "obligation":
        return int(text) if text.isdigit() else text
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


REPORT_FIELDS = (Field("address", "地址", required=True), Field("street", "街道", "street"),
                 Field("condition", "房屋状况", "condition"), *COUNTS,
                 Field("reporter", "报告人及电话"), Field("description", "情况描述", "textarea"))
