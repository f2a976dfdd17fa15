"""Emergency powers (§2.2.1; SPEC R6) and the aftermath (§5.3): every measure used is listed, a
demolition opens a repair-or-compensation obligation, aftermath items are opened by hand, and no
incident closes while one is open."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import FanganError, Forbidden, InvalidInput, InvalidState, PreconditionFailed

ELIMINATED = {"experts": ["张工（结构）"], "appraisers": ["李工（鉴定站）"]}
CUT = {"measure": "cut_supply", "detail": "切断3栋供电、供气"}
DEMOLISH = {"measure": "demolish_adjacent", "detail": "拆除毗邻围墙8米"}


def terminated_level_iii(desk: Any, *powers: dict[str, str]) -> int:
    """A III incident that used `powers`, up to `terminated` (III closes without investigation)."""
    iid: int = desk.report()
    desk.act(iid, "activate", "district_housing_bureau")
    for power in powers:
        desk.clock.advance(minutes=5)
        desk.act(iid, "use_emergency_power", "district_hq", power)
    desk.act(iid, "eliminate_danger", "district_housing_bureau", ELIMINATED)
    desk.terminate(iid, "III")
    return iid


def test_the_view_lists_every_measure_used(desk: Any, level_i: int) -> None:
    desk.clock.advance(minutes=3)
    desk.act(level_i, "use_emergency_power", "district_hq", CUT)
    desk.clock.advance(minutes=4)
    view = desk.act(
        level_i,
        "use_emergency_power",
        "district_hq",
        {"measure": "cordon_traffic_control", "detail": "鹦鹉大道半幅封闭"},
    )
    assert [(m["measure"], m["name"], m["detail"], m["actor"]) for m in view["measures"]] == [
        ("cut_supply", "切断电力、可燃气体和液体的输送", "切断3栋供电、供气", "district_hq"),
        (
            "cordon_traffic_control",
            "划定警示区、实行临时交通管制措施",
            "鹦鹉大道半幅封闭",
            "district_hq",
        ),
    ]
    assert [m["at"] for m in view["measures"]] == [
        "2026-03-02T09:03:00+08:00",
        "2026-03-02T09:07:00+08:00",
    ]
    assert view["obligations"] == []  # only a demolition obliges the government (§2.2.1 3)


def test_a_demolition_holds_back_close_until_settled(desk: Any) -> None:
    iid = terminated_level_iii(desk, CUT, DEMOLISH)
    view = desk.service.show(iid)
    [obligation] = view["obligations"]
    assert (obligation["kind"], obligation["owner"], obligation["status"]) == (
        "repair_or_compensation",
        "district_government",
        "open",
    )
    assert view["measures"][1]["obligation"] == obligation["id"]

    refused = desk.refused(iid, "close", "district_hq", error=PreconditionFailed)
    assert f"obligation(s) {obligation['id']} still open" in refused.message
    assert "§5.3" in refused.message

    settle = {"obligation": obligation["id"], "amount_yuan": 86_000, "how": "原址重建围墙"}
    desk.refused(iid, "settle_obligation", "district_hq", settle, error=Forbidden)
    view = desk.act(iid, "settle_obligation", "district_government", settle)
    assert view["obligations"][0]["status"] == "settled"
    assert view["obligations"][0]["amount_yuan"] == 86_000
    desk.refused(iid, "settle_obligation", "district_government", settle, error=PreconditionFailed)
    assert desk.act(iid, "close", "district_hq")["state"] == "closed"


@pytest.mark.parametrize(
    ("actor", "data", "error"),
    [
        ("district_housing_bureau", CUT, Forbidden),
        ("district_hq", {"measure": "evacuate_city", "detail": "x"}, InvalidInput),
        ("district_hq", {"measure": "cut_supply"}, InvalidInput),
    ],
)
def test_emergency_power_refusals(
    desk: Any, level_i: int, actor: str, data: dict[str, str], error: type[FanganError]
) -> None:
    desk.refused(level_i, "use_emergency_power", actor, data, error=error)


def test_no_emergency_power_after_the_danger_is_gone(desk: Any, level_i: int) -> None:
    desk.act(level_i, "eliminate_danger", "district_housing_bureau", ELIMINATED)
    desk.refused(level_i, "use_emergency_power", "district_hq", CUT, error=InvalidState)


def test_aftermath_items_are_opened_by_the_government_or_the_hq(desk: Any, level_i: int) -> None:
    view = desk.act(
        level_i,
        "open_obligation",
        "district_government",
        {"kind": "compensation", "detail": "遇难者家属抚恤"},
    )
    view = desk.act(
        level_i,
        "open_obligation",
        "district_hq",
        {"kind": "repair", "detail": "4栋外墙修复", "owner": "responsible_party"},
    )
    assert [(o["kind"], o["owner"], o["detail"], o["status"]) for o in view["obligations"]] == [
        ("compensation", "district_government", "遇难者家属抚恤", "open"),
        ("repair", "responsible_party", "4栋外墙修复", "open"),
    ]
    opened = [e for e in view["timeline"] if e["kind"] == "obligation_opened"]
    assert [e["data"]["name"] for e in opened] == ["赔偿或补偿", "修复"]


@pytest.mark.parametrize(
    ("actor", "data", "error", "says"),
    [
        ("district_housing_bureau", {"kind": "repair", "detail": "x"}, Forbidden, "区人民政府"),
        ("district_government", {"kind": "bonus", "detail": "x"}, InvalidInput, "unknown"),
        (
            "district_government",
            {"kind": "repair", "detail": "x", "owner": "nobody"},
            InvalidInput,
            "data.owner",
        ),
        ("district_government", {"kind": "repair", "detail": " "}, InvalidInput, "data.detail"),
    ],
)
def test_open_obligation_refusals(
    desk: Any, level_i: int, actor: str, data: dict[str, str], error: type[FanganError], says: str
) -> None:
    assert says in desk.refused(level_i, "open_obligation", actor, data, error=error).message


def test_an_aftermath_item_holds_back_close_after_the_report(desk: Any, full_incident: int) -> None:
    view = desk.service.show(full_incident)
    sections = {
        k: v.replace("【待调查组补充】", "经调查，")
        for k, v in view["investigation"]["draft_sections"].items()
    }
    desk.act(full_incident, "submit_report", "district_hq", {"sections": sections})
    refused = desk.refused(full_incident, "close", "district_hq", error=PreconditionFailed)
    open_ids = [o["id"] for o in view["obligations"] if o["status"] == "open"]
    assert len(open_ids) == 2 and ", ".join(map(str, open_ids)) in refused.message
    for n, oid in enumerate(open_ids):
        desk.act(
            full_incident,
            "settle_obligation",
            "district_government",
            {"obligation": oid, "amount_yuan": 100_000 * (n + 1), "how": "已支付"},
        )
    assert desk.act(full_incident, "close", "district_hq")["state"] == "closed"
    desk.refused(
        full_incident,
        "open_obligation",
        "district_government",
        {"kind": "repair", "detail": "x"},
        error=InvalidState,
    )
