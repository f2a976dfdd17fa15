"""What the console shows: the names of codes, one-line summaries of timeline events, the
dashboard's urgency order and who may do what now. Pure functions over the engine's incident
dicts; every term comes from the workflow's vocabulary, every rule from the workflow.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from documents.formatting import cn_count, cn_yuan
from engine.lifecycle import Vocabulary, Workflow
from engine.plan import LEVELS, Level, Plan

# Facts recorded as null while nobody knows them: shown as 不详（待核实）, never as 0 or blank.
UNKNOWN_IS_NULL = frozenset({"dead", "missing", "injured", "people_at_risk"})
ACK_DEADLINE = "acknowledgement"  # the engine's name for notice re-sends (engine.timers)

# Latin level numerals as the console prints them: the Roman numerals Ⅰ Ⅱ Ⅲ Ⅳ (U+2160…).
ROMAN = {"I": "\u2160", "II": "\u2161", "III": "\u2162", "IV": "\u2163"}
LATIN_LEVEL = re.compile(r"(?<![A-Za-z])(IV|III|II|I)(?=级)")


def roman(text: str) -> str:
    """'II级应急响应' → 'Ⅱ级应急响应': one way of writing levels on every screen (the plan's
    text mixes both)."""
    return LATIN_LEVEL.sub(lambda m: ROMAN[m.group(1)], text)


class Labels:
    """Chinese names of the plan's codes, for templates."""

    def __init__(self, plan: Plan, words: Vocabulary) -> None:
        self.plan = plan
        self.words = words
        self.zone = ZoneInfo(plan.plan.timezone)

    def actor(self, code: str | None) -> str:
        if code is None:
            return ""
        if code == "system":
            return "系统"
        return self.plan.actor_name(code)

    def actors(self, codes: list[str]) -> str:
        return "、".join(
            self.actor(c.split(":")[0]) + ("（备用联系人）" if ":" in c else "") for c in codes
        )

    def street(self, code: str) -> str:
        return self.plan.streets.items.get(code, code)

    def on_duty(self, event: dict[str, Any]) -> str:
        """Who was on duty when the event happened, in the workflow's words ('' unknown)."""
        return self.words.on_duty_note(event.get("on_duty"))

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
        return roman(self.words.notice_kind(self.plan, kind))

    def button(self, action: str) -> str:
        """A submit button's words: 确认 and the action, but never 确认确认险情已排除."""
        label = self.words.tables["ACTIONS"].get(action, action)
        return label if label.startswith("确认") else f"确认{label}"

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
        facts = self.words.tables["FACTS"]
        return "；".join(
            f"{facts.get(k, k)} {self.fact_value(k, v.get('from'))} → "
            f"{self.fact_value(k, v.get('to'))}"
            for k, v in changes.items()
        )

    def group_summary(self, events: list[dict[str, Any]]) -> str:
        """A burst of notices or deadlines at one instant, in one line."""
        if events[0]["kind"] == "notice_sent":
            units = list(dict.fromkeys(e["data"].get("unit", "") for e in events))
            more = f"等 {len(units)} 个单位" if len(units) > 4 else ""
            return f"{len(events)}份通知：{self.actors(units[:4])}{more}"
        return "；".join(self.summary(e) for e in events)

    def summary(self, event: dict[str, Any]) -> str:
        """One line saying what a timeline event was about, in Chinese."""
        data = event.get("data") or {}
        handler = self.words.summaries.get(event["kind"])
        text = handler(self, data) if handler else ""
        proxy = data.get("proxy")
        return text + self.words.proxy_note(self.plan, proxy) if proxy else text


GROUPED_EVENTS = frozenset({"notice_sent", "deadline_started"})


def compact_timeline(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newest first, with a burst of notices sent at one instant shown as one entry (a level I
    activation sends dozens): each entry gets `group`, the events it stands for."""
    out: list[dict[str, Any]] = []
    for event in reversed(events):
        last = out[-1] if out else None
        if (
            last is not None
            and event["kind"] in GROUPED_EVENTS
            and last["kind"] == event["kind"]
            and last["at"] == event["at"]
        ):
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
    return [d for d in incident["deadlines"] if d["met_at"] is None and d["stopped_at"] is None]


def urgency_key(incident: dict[str, Any]) -> tuple[int, str, int, int]:
    """Most overdue / soonest due first; incidents without a running deadline after them,
    highest level first. ISO times of one zone sort as text."""
    running = sorted(d["due_at"] for d in open_deadlines(incident))
    level_rank = (
        -LEVELS.index(incident["response_level"]) if incident["response_level"] in LEVELS else 0
    )
    if running:
        return (0, running[0], level_rank, incident["id"])
    return (1, "", level_rank, -incident["id"])


def by_urgency(incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(incidents, key=urgency_key)


class Rules:
    """Who may do what now, by the rules the engine enforces (the workflow's own), so a unit is
    offered exactly the actions it may take."""

    def __init__(self, plan: Plan, workflow: Workflow) -> None:
        self.plan = plan
        self.workflow = workflow
        self.labels = Labels(plan, workflow.words)

    def who_may(self, incident: dict[str, Any], action: str) -> list[str] | None:
        """The units that may take `action` now; None: anyone."""
        pending = [n["unit"] for n in incident["notices"] if n["status"] in ("sent", "escalated")]
        level: Level = incident["response_level"]
        return self.workflow.actors_now(self.plan, action, level, pending)

    def may_take(self, incident: dict[str, Any], unit: str, action: str) -> bool:
        allowed = self.who_may(incident, action)
        return allowed is None or unit in allowed

    def actions_for(self, incident: dict[str, Any], unit: str) -> list[str]:
        """The incident's available actions that this unit may take (available ∩ allowed)."""
        return [a for a in incident["available_actions"] if self.may_take(incident, unit, a)]

    def others_waiting(self, incident: dict[str, Any], unit: str) -> list[tuple[str, str]]:
        """Available actions this unit may not take, with who may: '启动应急响应：区指挥部'."""
        out = []
        for action in incident["available_actions"]:
            allowed = self.who_may(incident, action)
            if allowed is None or unit in allowed or not allowed:
                continue
            names = self.labels.actors(allowed[:3]) + (
                f"等 {len(allowed)} 个单位" if len(allowed) > 3 else ""
            )
            out.append((action, names))
        return out

    def actions_key(self, incident: dict[str, Any], unit: str) -> str:
        """Changes exactly when the actions panel would render differently, so the live
        refresh replaces the panel (and any half-typed form) only when it has to."""
        parts = [
            incident["state"],
            incident["response_level"],
            *self.actions_for(incident, unit),
            *(f"n{n['id']}" for n in my_pending_notices(incident, unit)),
            *(f"o{o['id']}" for o in open_obligations(incident)),
            *(
                f"s{st['number']}.{st['version']}{st['status']}"
                for st in incident.get("statements") or []
            ),
            *(w for d in open_deadlines(incident) for w in d["waiting_on"]),
        ]
        return "|".join(parts)


def my_pending_notices(incident: dict[str, Any], unit: str) -> list[dict[str, Any]]:
    return [
        n for n in incident["notices"] if n["unit"] == unit and n["status"] in ("sent", "escalated")
    ]


def open_obligations(incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in incident["obligations"] if o["status"] == "open"]
