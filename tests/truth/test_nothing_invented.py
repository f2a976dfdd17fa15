"""Nothing printed as the plan's that the plan does not say (SPEC R5, issue 10).

Every duty or clause text a notice quotes — 「（预案§…）：TEXT」 — and every text the plan config
ties to a clause is looked up, verbatim, in the plan itself (`shared/plan/` beside the clone).
Duty lists are compared whole with the plan's items, so a dropped item shows up too.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.plan import DEFAULT_PLAN_PATH, Plan
from engine.service import IncidentService

PLAN_FILE = "hanyang-housing-safety-plan-2022.md"
QUOTE = re.compile(r"（预案(§[^）]*)）：(.+)$")
LOCAL = "本系统设定"


def _plan_file() -> Path | None:
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "plan" / PLAN_FILE
        if candidate.is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def plan_text() -> str:
    path = _plan_file()
    if path is None:
        pytest.skip(
            f"shared/plan/{PLAN_FILE} not found above the repository (CI has shared/ "
            "beside the clone)"
        )
    return _norm(path.read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    """The printed page's line breaks and stray spaces are not part of the text."""
    return re.sub(r"\s+", "", text)


def _segments(text: str) -> list[str]:
    return [s for s in re.split(r"[；。]", _norm(text)) if s]


def assert_verbatim(text: str, plan_text: str, where: str) -> None:
    for segment in _segments(text):
        assert segment in plan_text, f"{where}: 「{segment}」 is not in the plan"


def _between(plan_text: str, start: str, end: str) -> str:
    return plan_text[plan_text.index(start) + len(start) : plan_text.index(end)]


# -- the configuration ---------------------------------------------------------------------


def test_every_quoted_text_of_the_config_is_the_plan_s(plan: Plan, plan_text: str) -> None:
    for code, actor in plan.actors.items():
        if actor.duties:
            assert_verbatim(actor.duties, plan_text, f"actors.{code}.duties")
    for level in ("III", "II", "I"):
        duties = plan.activation_duties.for_level(level)  # type: ignore[arg-type]
        assert_verbatim(duties.text, plan_text, f"activation_duties.{level}")
    for group in plan.onsite_groups.groups:
        assert_verbatim(group.duty, plan_text, f"onsite_groups.{group.code}.duty")


def _clauses(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "clause" and isinstance(v, str)] + [
            c for v in node.values() for c in _clauses(v)
        ]
    if isinstance(node, list):
        return [c for v in node for c in _clauses(v)]
    return []


def test_clause_texts_of_the_config_are_the_plan_s(plan_text: str) -> None:
    raw = yaml.safe_load(DEFAULT_PLAN_PATH.read_text(encoding="utf-8"))
    checked = 0
    for clause in _clauses(raw):
        if not clause.startswith("§"):
            continue  # a source outside the plan (the 2022 bulletin)
        words = re.sub(r"^(§[\d.]+(\s*(\(\d+\)|\d+))*[,，、\s]*)+", "", clause)
        if words:
            assert_verbatim(words, plan_text, f"clause {clause!r}")
            checked += 1
    assert checked >= 2  # e.g. authority.verify: "§4.2 区房管局接到报告，现场核实情况"


def test_member_duties_are_the_whole_items_of_2_2_3(plan: Plan, plan_text: str) -> None:
    block = _between(plan_text, "2.2.3各成员单位职责", "3预防")
    items = dict(re.findall(r"(\d+)[．.][^：]*：(.*?)(?=\d+[．.]|$)", block))
    for code, actor in plan.actors.items():
        if actor.duties and actor.duties_clause and actor.duties_clause.startswith("§2.2.3 "):
            number = actor.duties_clause.removeprefix("§2.2.3 ")
            assert _norm(actor.duties).rstrip("。") == items[number].rstrip("。"), code


def test_the_office_and_hq_duty_lists_are_complete(plan: Plan, plan_text: str) -> None:
    """Issue 10: §2.2.2 printed for 区指挥部办公室 dropped 预案编制… and 交办的其他工作."""
    office = _between(plan_text, "2.2.2区指挥部办公室职责", "2.2.3")
    assert _norm(plan.actors["district_hq_office"].duties or "") == office
    hq = re.sub(r"（\d）", "", _between(plan_text, "1.职责任务：", "2．应急处置权利"))
    assert _norm(plan.actors["district_hq"].duties or "") == hq


def test_every_member_unit_has_a_quoted_duty_or_says_it_has_none(plan: Plan) -> None:
    for code in plan.member_units:
        actor = plan.actors[code]
        assert bool(actor.duties) != actor.no_plan_duty, code
    assert plan.actors["district_fire_rescue"].no_plan_duty
    assert plan.no_duty_text.local_policy


# -- every notice, as printed ----------------------------------------------------------------


def _run_to_notices(service: IncidentService, condition: str, **facts: Any) -> int:
    now = service.now()
    view = service.report(
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": condition,
            "discovered_at": (now - timedelta(minutes=10)).isoformat(),
            **facts,
        }
    )
    view = service.act(view["id"], "activate", actor="district_hq")
    return int(view["id"])


def _printed(service: IncidentService, incident_id: int) -> list[tuple[str, str, list[str]]]:
    out = []
    for notice in service.show(incident_id)["notices"]:
        document = service.notice_document(incident_id, notice["unit"], notice["kind"])
        out.append((notice["unit"], notice["kind"], [document.title, *document.paragraphs]))
    return out


def test_every_notice_quotes_only_the_plan(
    service: IncidentService, plan: Plan, plan_text: str
) -> None:
    incidents = [
        _run_to_notices(service, "hidden_danger"),
        _run_to_notices(service, "imminent_collapse", people_at_risk=320),
        _run_to_notices(service, "partial_collapse", dead=1),
    ]
    # the III response runs to its end, so the termination notice is read too
    iii = incidents[0]
    service.act(
        iii,
        "eliminate_danger",
        actor="district_housing_bureau",
        data={"experts": ["张工"], "appraisers": ["李工"]},
    )
    for step in ("propose", "approve", "announce"):
        service.act(iii, f"{step}_termination", actor=getattr(plan.termination.III, step))
    kinds, quotes, no_duty = set(), 0, set()
    for incident_id in incidents:
        for unit, kind, lines in _printed(service, incident_id):
            kinds.add(kind.split("_")[0])
            for line in lines:
                assert "配合区公安分局组织消防队伍" not in line
                match = QUOTE.search(line)
                if match:
                    quotes += 1
                    assert_verbatim(match.group(2), plan_text, f"{unit}/{kind}: {line}")
                if plan.no_duty_text.text in line:
                    assert LOCAL in line, line
                    no_duty.add(unit)
                if line.startswith("贵单位编入"):
                    group = next(g for g in plan.onsite_groups.groups if f"group_{g.code}" == kind)
                    assert (LOCAL in line) == group.lead_local_policy, line
    assert {"activation", "group", "city", "termination"} <= kinds
    assert quotes > 50
    # 区消防救援大队, 区市场监管局, 区商务局 are told the plan names no duty for them
    assert {
        "district_fire_rescue",
        "district_market_regulation",
        "district_commerce_bureau",
    } <= no_duty
