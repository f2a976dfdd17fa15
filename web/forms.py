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
from web.present import open_deadlines, open_obligations

Kind = Literal["text", "textarea", "count", "money", "condition", "street", "level", "recipient",
               "measure", "obligation", "obligation_kind", "names", "units", "unit", "group",
               "statement_any", "statement_draft", "statement_approved"]
SELECTS = frozenset({"condition", "street", "level", "recipient", "measure", "obligation",
                     "obligation_kind", "unit", "group", "statement_any", "statement_draft",
                     "statement_approved"})


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
        return tuple(Field(f"sections.{key}", f"{i}. {title}", "textarea", required=True)
                     for i, (key, title) in enumerate(
                         plan.investigation.report_sections.items.items(), start=1))
    payload: type[BaseModel] | None = next(
        (t.payload for t in workflow.transitions if t.action == action), None)
    if action in workflow.forms or payload is None:
        return tuple(workflow.forms.get(action, ()))
    names = workflow.words.tables["FACTS"]
    return tuple(_field_from_model(name, info, names)
                 for name, info in payload.model_fields.items())


def _field_from_model(name: str, info: FieldInfo, names: Mapping[str, str]) -> Field:
    annotation = str(info.annotation)
    kind: Kind = ("count" if annotation.startswith("int") else
                  "names" if annotation.startswith("list") else
                  "textarea" if name in LONG_TEXT else "text")
    return Field(name, names.get(name, name), kind, required=info.is_required())


def _latest_statements(incident: dict[str, Any] | None) -> dict[int, dict[str, Any]]:
    latest: dict[int, dict[str, Any]] = {}
    for st in (incident or {}).get("statements") or []:
        if st["number"] not in latest or st["version"] > latest[st["number"]]["version"]:
            latest[st["number"]] = st
    return latest


def choices(plan: Plan, field: Field, incident: dict[str, Any] | None, unit: str,
            extra: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
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
        from_powers = {m.obligation.kind: m.obligation.name
                       for m in plan.emergency_powers.measures.values() if m.obligation}
        return list({**(extra or {}), **from_powers}.items())
    if kind.startswith("statement_"):
        wanted = {"statement_draft": "draft", "statement_approved": "approved"}.get(kind)
        return [(str(n), f"第{n}号（第{st['version']}版）：{st['text'][:30]}")
                for n, st in sorted(_latest_statements(incident).items())
                if wanted is None or st["status"] == wanted]
    if kind == "recipient":
        waiting = [w for d in open_deadlines(incident or {"deadlines": []})
                   for w in d["waiting_on"]]
        known = {r for rule in plan.deadlines.values() for r in rule.recipients}
        ordered = list(dict.fromkeys([*waiting, *sorted(known)]))
        return [(r, plan.actor_name(r) + ("（待报告）" if r in waiting else "")) for r in ordered]
    if kind == "obligation":
        return [(str(o["id"]), f"第{o['id']}项：{o['detail']}")
                for o in open_obligations(incident or {"obligations": []})]
    if kind == "units":
        return [(c, a.name) for c, a in plan.actors.items()
                if a.member or c in plan.investigation.default_members]
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

    def fields(self, action: str) -> tuple[Field, ...]:
        return fields_for(self.plan, self.workflow, action)

    def choices(self, field: Field) -> list[tuple[str, str]]:
        # The aftermath items people may open by hand (§5.3, config `aftermath`).
        return choices(self.plan, field, self.incident, self.unit, self.plan.aftermath.kinds)

    def checked(self, field: Field) -> list[str]:
        return default_checked(self.plan, field)

    @staticmethod
    def is_select(field: Field) -> bool:
        return field.kind in SELECTS


def _value(field: Field, form: Mapping[str, Any], getlist: Any) -> Any:
    if field.kind == "units":
        picked = [v for v in getlist(field.name) if v]
        return picked or None
    raw = form.get(field.name)
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    # ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses.
    digits = text.isascii() and text.isdigit()
    if field.kind == "count":
        if not digits:
            raise InvalidInput(f"{field.name}: 「{field.label}」须为非负整数")
        return int(text)
    if field.kind == "money":
        if not MONEY.fullmatch(text):
            raise InvalidInput(f"{field.name}: 「{field.label}」须为金额（元），最多两位小数")
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
