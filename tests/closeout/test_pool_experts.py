"""The experts who confirm a danger gone (§4.4) picked from the expert pool (§6.2) by id:
unknown or unavailable ones refused naming `expert_ids`, the rest on the timeline with their
names and fields, picked for danger elimination, and in the investigation report."""

from __future__ import annotations

from typing import Any

import pytest

from documents.report import render_report
from engine.errors import InvalidInput
from workflows.housing_safety.resources import confirming_experts, expert_names
from workflows.housing_safety.resources_service import ResourceService

HB = "district_housing_bureau"
APPRAISERS = ["李明（区房屋安全鉴定站）"]
FIELDS = {"urban_construction": "城市建设", "water_management": "水务管理"}
POOL = {
    1: {"name": "张建国", "field": "urban_construction", "available": True},
    2: {"name": "王水生", "field": "water_management", "available": False},
}


# -- the rule, over plain data ---------------------------------------------------------------


def test_pool_experts_come_with_their_field_and_a_repeated_id_counts_once() -> None:
    assert confirming_experts(POOL, [1, 1], FIELDS) == [
        {"id": 1, "name": "张建国", "field": "urban_construction", "field_name": "城市建设"}
    ]
    assert confirming_experts(POOL, [], FIELDS) == []


@pytest.mark.parametrize(
    ("ids", "says"),
    [([1, 9], "data.expert_ids: unknown expert 9"), ([2], "expert 2 (王水生) is not available")],
)
def test_an_unknown_or_unavailable_expert_is_refused_naming_the_field(
    ids: list[int], says: str
) -> None:
    with pytest.raises(InvalidInput, match=r"^data\.expert_ids: ") as caught:
        confirming_experts(POOL, ids, FIELDS)
    assert says in str(caught.value)


def test_names_read_pool_first_with_the_field_then_the_free_text_ones() -> None:
    pool = confirming_experts(POOL, [1], FIELDS)
    assert expert_names(pool, ["赵工（外聘）"]) == ["张建国（城市建设）", "赵工（外聘）"]


# -- through the service -----------------------------------------------------------------------


@pytest.fixture
def pool(desk: Any) -> dict[str, int]:
    resources = ResourceService(desk.service)
    ids = {}
    for name, field, available in (
        ("张建国", "urban_construction", True),
        ("王水生", "water_management", False),
        ("刘安", "work_safety", True),
    ):
        expert = resources.add_expert(
            {"name": name, "field": field, "phone": "13800000009", "available": available}, HB
        )
        ids[name] = expert["id"]
    return ids


def test_refusals_name_expert_ids_and_change_nothing(
    desk: Any, level_ii: int, pool: dict[str, int]
) -> None:
    for ids, says in (
        ([pool["张建国"], 999], "unknown expert 999"),
        ([pool["王水生"]], "is not available"),
        (["1"], "expert_ids.0"),
    ):
        refused = desk.refused(
            level_ii,
            "eliminate_danger",
            HB,
            {"expert_ids": ids, "appraisers": APPRAISERS},
            error=InvalidInput,
        )
        assert "expert_ids" in refused.message and says in refused.message
    # neither pool nor names: the experts are missing
    refused = desk.refused(
        level_ii, "eliminate_danger", HB, {"appraisers": APPRAISERS}, error=InvalidInput
    )
    assert refused.message.startswith("data.experts: required")


def test_pool_experts_are_on_the_timeline_and_in_the_report(
    desk: Any, level_ii: int, pool: dict[str, int]
) -> None:
    data = {
        "expert_ids": [pool["张建国"], pool["刘安"]],
        "experts": ["赵工（外聘）"],
        "appraisers": APPRAISERS,
    }
    view = desk.act(level_ii, "eliminate_danger", HB, data)
    event = [e for e in view["timeline"] if e["kind"] == "danger_eliminated"][-1]
    assert event["data"]["experts"] == [
        "张建国（城市建设）",
        "刘安（安全生产监督管理）",
        "赵工（外聘）",
    ]
    assert [(e["id"], e["name"], e["field"]) for e in event["data"]["pool_experts"]] == [
        (pool["张建国"], "张建国", "urban_construction"),
        (pool["刘安"], "刘安", "work_safety"),
    ]
    # picked for danger elimination on the pool's side too
    tasks = ResourceService(desk.service).assignments(level_ii)["tasks"]
    assert [e["name"] for e in tasks["danger_elimination"]] == ["张建国", "刘安"]

    view = desk.terminate(level_ii, "II")
    assert view["state"] == "terminated"
    md = render_report(desk.service.investigation_report(level_ii), "md").decode()
    assert "专家：张建国（城市建设）、刘安（安全生产监督管理）、赵工（外聘）" in md


def test_experts_already_picked_are_not_picked_twice(
    desk: Any, level_ii: int, pool: dict[str, int]
) -> None:
    resources = ResourceService(desk.service)
    resources.pick(level_ii, {"task": "danger_elimination", "expert_ids": [pool["张建国"]]}, HB)
    offered, picked = resources.offered(level_ii, "danger_elimination")
    assert [label for _, label in offered] == ["张建国（城市建设）", "刘安（安全生产监督管理）"]
    assert picked == [str(pool["张建国"])]
    desk.act(
        level_ii, "eliminate_danger", HB, {"expert_ids": [pool["张建国"]], "appraisers": APPRAISERS}
    )
    tasks = resources.assignments(level_ii)["tasks"]
    assert [e["name"] for e in tasks["danger_elimination"]] == ["张建国"]
