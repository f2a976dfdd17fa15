"""A flood-season storm: realistic incident reports and the duty officers' follow-up actions.

Times in a script are simulated plan minutes from the start of the storm; the runner maps them to
an engine clock (a `ManualClock` for in-process phases, the wall clock with plan minutes scaled
to seconds for `serve`).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from engine.service import IncidentService

# The condition mix of a storm night: mostly cracked and seeping walls, some imminent collapses.
CONDITIONS: tuple[tuple[str, float], ...] = (
    ("hidden_danger", 0.78),
    ("imminent_collapse", 0.15),
    ("partial_collapse", 0.06),
    ("total_collapse", 0.01),
)
# Riverside and low-lying streets report more during a flood.
STREET_WEIGHT: dict[str, float] = {
    "jiangdi": 3.0,
    "qingchuan": 2.5,
    "zhoutou": 2.0,
    "yingwu": 2.0,
    "jianqiao": 1.5,
    "sixin": 1.5,
    "longyang": 1.2,
    "yongfeng": 1.0,
    "qinduankou": 1.0,
    "wulidun": 1.0,
    "jianghan_erqiao": 1.0,
}
ROADS = (
    "汉阳大道",
    "鹦鹉大道",
    "龙阳大道",
    "琴台大道",
    "江城大道",
    "四新大道",
    "墨水湖北路",
    "拦江路",
    "晴川大道",
    "建港路",
    "五里新村",
    "归元寺路",
    "滨江路",
    "腰路堤",
)
REPORTERS = (
    "社区网格员",
    "居民来电",
    "物业公司",
    "12345转办",
    "110联动",
    "街道巡查组",
    "房屋安全员",
)
SIGNS = {
    "hidden_danger": (
        "连续强降雨后外墙出现斜向裂缝并渗水",
        "地下室进水，承重墙根部浸泡",
        "屋面漏雨严重，木梁受潮变形",
        "阳台挑梁出现裂缝",
        "地基周边积水，地面下沉",
    ),
    "imminent_collapse": (
        "承重墙裂缝快速扩展，墙体外闪",
        "楼板明显下挠并有异响",
        "山墙倾斜，门窗变形无法开启",
        "基础被雨水掏空，房屋倾斜",
    ),
    "partial_collapse": ("暴雨中后墙局部垮塌", "屋面局部坍塌，楼梯间堵塞", "外廊局部倒塌"),
    "total_collapse": ("老旧砖木房屋整体倒塌", "自建房整体坍塌"),
}


@dataclass(frozen=True)
class FollowUp:
    """An action on the incident `after` simulated minutes past its report."""

    after: float
    action: str
    actor: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Script:
    """One incident: reported at `at` minutes into the storm, discovered `lag` minutes before."""

    at: float
    lag: float
    facts: dict[str, Any]
    followups: tuple[FollowUp, ...] = ()


@dataclass(frozen=True)
class Event:
    at: float
    index: int  # which script
    followup: FollowUp | None  # None: the report itself


def _pick(rng: random.Random, weighted: Iterable[tuple[str, float]]) -> str:
    items = list(weighted)
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _facts(rng: random.Random, streets: dict[str, str], condition: str) -> dict[str, Any]:
    street = _pick(rng, ((code, STREET_WEIGHT.get(code, 1.0)) for code in streets))
    facts: dict[str, Any] = {
        "street": street,
        "condition": condition,
        "address": f"{streets[street]}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
        f"{rng.randint(1, 24)}栋",
        "reporter": rng.choice(REPORTERS),
        "description": rng.choice(SIGNS[condition]),
    }
    if condition == "hidden_danger":
        facts["people_at_risk"] = rng.randint(0, 40)
    elif condition == "imminent_collapse":
        facts["people_at_risk"] = min(int(rng.lognormvariate(math.log(30), 0.9)), 600)
    else:
        heavy = condition == "total_collapse"
        facts["dead"] = rng.choices(
            (0, rng.randint(1, 2), rng.randint(3, 5)),
            weights=(85, 12, 3) if not heavy else (60, 30, 10),
        )[0]
        facts["missing"] = rng.choices((0, rng.randint(1, 3)), weights=(92, 8))[0]
        facts["injured"] = rng.randint(0, 10 if heavy else 6)
        facts["economic_loss_yuan"] = (
            rng.randint(500_000, 20_000_000) if heavy else rng.randint(50_000, 3_000_000)
        )
        facts["people_at_risk"] = rng.randint(0, 150 if heavy else 80)
    return facts


def _lag(rng: random.Random) -> float:
    """Minutes between discovery and the report: most within half an hour, a few very late."""
    roll = rng.random()
    if roll < 0.88:
        return rng.uniform(2, 30)
    if roll < 0.97:
        return rng.uniform(30, 45)
    return rng.uniform(45, 75)


def _followups(rng: random.Random, condition: str) -> tuple[FollowUp, ...]:
    out: list[FollowUp] = []
    if condition != "hidden_danger":  # II and I: 区指挥部 activates within minutes
        out.append(FollowUp(rng.uniform(2, 8), "activate", "district_hq"))
    elif rng.random() < 0.4:  # III: 区房管局 activates for part of the hidden dangers
        out.append(FollowUp(rng.uniform(5, 20), "activate", "district_housing_bureau"))
    if rng.random() < 0.7:  # the city half of the initial report, on time or late
        out.append(
            FollowUp(
                rng.uniform(3, 60),
                "record_report",
                "duty_officer",
                {"to": "city_housing_bureau", "channel": "电话"},
            )
        )
    if rng.random() < 0.35:  # on-site verification, then the report to the district government
        verify_at = rng.uniform(10, 40)
        out.append(FollowUp(verify_at, "verify", "district_housing_bureau"))
        if rng.random() < 0.6:
            out.append(
                FollowUp(
                    verify_at + rng.uniform(5, 40),
                    "record_report",
                    "district_housing_bureau",
                    {"to": "district_government", "channel": "书面"},
                )
            )
    return tuple(sorted(out, key=lambda f: f.after))


def storm(
    seed: int, streets: dict[str, str], incidents: int, window: float, followups: bool
) -> list[Script]:
    """`incidents` reports arriving at random (a Poisson process) over `window` minutes."""
    rng = random.Random(seed)
    arrivals = sorted(rng.uniform(0, window) for _ in range(incidents))
    scripts = []
    for at in arrivals:
        condition = _pick(rng, CONDITIONS)
        scripts.append(
            Script(
                at,
                _lag(rng),
                _facts(rng, streets, condition),
                _followups(rng, condition) if followups else (),
            )
        )
    return scripts


def events(scripts: list[Script], until: float = math.inf) -> list[Event]:
    """Every report and follow-up in time order, up to `until` minutes."""
    out = [Event(s.at, i, None) for i, s in enumerate(scripts)]
    out += [Event(s.at + f.after, i, f) for i, s in enumerate(scripts) for f in s.followups]
    return sorted((e for e in out if e.at <= until), key=lambda e: (e.at, e.followup is not None))


@dataclass
class Outcome:
    """What running a script did: latencies (seconds) per action, errors, incident ids."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # this thread's CPU time
    errors: dict[str, int] = field(default_factory=dict)
    ids: dict[int, int] = field(default_factory=dict)  # script index → incident id


def run(
    service: IncidentService,
    scripts: list[Script],
    evts: list[Event],
    wait_until: Callable[[float], datetime],
    minute: timedelta,
) -> Outcome:
    """Play the events: `wait_until(at)` brings the engine's clock to `at` and returns it."""
    outcome = Outcome()
    for event in evts:
        now = wait_until(event.at)
        script = scripts[event.index]
        kind = "report" if event.followup is None else event.followup.action
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            if event.followup is None:
                data = {**script.facts, "discovered_at": (now - script.lag * minute).isoformat()}
                outcome.ids[event.index] = service.report(data)["id"]
            elif event.index in outcome.ids:
                f = event.followup
                service.act(outcome.ids[event.index], f.action, actor=f.actor, data=f.data)
            else:
                continue
        except Exception as exc:  # counted and reported, never fatal to the storm
            key = f"{kind}: {type(exc).__name__}: {exc}"[:160]
            outcome.errors[key] = outcome.errors.get(key, 0) + 1
            continue
        outcome.latencies.setdefault(kind, []).append(time.perf_counter() - start)
        outcome.cpu.setdefault(kind, []).append(time.thread_time() - start_cpu)
    return outcome


def scale_plan(source: Path, target: Path, seconds_per_minute: float) -> None:
    """Copy a plan file with every `*minutes*` value scaled so one plan minute lasts
    `seconds_per_minute` real seconds."""
    factor = seconds_per_minute / 60.0

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (_scale(v, factor) if "minutes" in str(k) else walk(v)) for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    target.write_text(
        yaml.safe_dump(walk(raw), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def _scale(value: Any, factor: float) -> Any:
    if isinstance(value, list):
        return [round(v * factor, 6) for v in value]
    return round(value * factor, 6)
