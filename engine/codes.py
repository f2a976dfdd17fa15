"""Every code the command line and the API accept, with the plan's names: what a newcomer looks
up before typing `--actor`, `street` or an action (`python main.py codes`, `GET /api/codes`).

Built from the plan and the workflow themselves, so it can never list a code the engine refuses.
"""

from __future__ import annotations

from typing import Any

from engine.lifecycle import Workflow
from engine.plan import Plan


def action_fields(model: type[Any] | None) -> dict[str, str]:
    """An action's data fields as `name → "type"` (`"type, required"` when it must be given)."""
    if model is None:
        return {}
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    return {
        name: _type_of(spec) + (", required" if name in required else "")
        for name, spec in schema.get("properties", {}).items()
    }


def _type_of(spec: dict[str, Any]) -> str:
    if "anyOf" in spec:  # optional fields are `X | null`: null is what leaving it out means
        return " | ".join(_type_of(s) for s in spec["anyOf"] if s.get("type") != "null")
    if spec.get("type") == "array":
        return f"list of {_type_of(spec.get('items', {}))}"
    if "$ref" in spec:
        return "object"
    return str(spec.get("type", spec.get("format", "any")))


def plan_codes(plan: Plan, workflow: Workflow) -> dict[str, Any]:
    """The plan's codes with their names, and every action with the states it is taken from and
    its data fields."""
    actions: dict[str, dict[str, Any]] = {}
    for t in workflow.transitions:
        entry = actions.setdefault(t.action, {"from": [], "fields": action_fields(t.payload)})
        entry["from"] += [s for s in t.sources if s not in entry["from"]]
    return {
        "streets": dict(plan.streets.items),
        "conditions": {c: v.name for c, v in plan.conditions.items()},
        "levels": {lv: v.name for lv, v in plan.levels.items()},
        "grades": {
            **{g.code: g.name for g in plan.grading.grades},
            plan.grading.default_grade.code: plan.grading.default_grade.name,
        },
        "actors": {c: a.name for c, a in plan.actors.items()},
        "states": list(workflow.states),
        "actions": actions,
    }
