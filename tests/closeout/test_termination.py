"""Termination (§4.4; SPEC R8): only once the danger is confirmed gone by named experts and
appraisers, in three steps by the level's three authorities, and the announcement goes to every
unit notified for the incident."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import Forbidden, InvalidInput, InvalidState

ELIMINATED = {"experts": ["张建国（结构）"], "appraisers": ["李明（区房屋安全鉴定站）"]}
STEPS = ("propose_termination", "approve_termination", "announce_termination")
AUTHORITIES = {
    "III": ("district_housing_bureau", "district_hq", "district_housing_bureau"),
    "II": ("district_hq", "city_hq_office", "district_hq"),
    "I": ("city_hq", "city_emergency_committee", "district_hq"),
}


def active_at(desk: Any, level: str) -> int:
    if level == "III":
        iid: int = desk.report()
        desk.act(iid, "activate", "district_housing_bureau")
        return iid
    return int(desk.activate(level))


def test_no_termination_before_the_danger_is_confirmed_gone(desk: Any, level_i: int) -> None:
    refused = desk.refused(level_i, "propose_termination", "city_hq", error=InvalidState)
    assert "'active'" in refused.message
    for missing in ("experts", "appraisers"):
        desk.refused(
            level_i,
            "eliminate_danger",
            "district_housing_bureau",
            {**ELIMINATED, missing: []},
            error=InvalidInput,
        )
    desk.refused(level_i, "eliminate_danger", "district_hq", ELIMINATED, error=Forbidden)
    view = desk.act(level_i, "eliminate_danger", "district_housing_bureau", ELIMINATED)
    event = [e for e in view["timeline"] if e["kind"] == "danger_eliminated"][-1]
    assert event["data"] == ELIMINATED  # the precondition of §4.4, with its names, on record


@pytest.mark.parametrize("level", ["III", "II", "I"])
def test_each_step_only_by_its_authority_and_in_order(desk: Any, level: str) -> None:
    iid = active_at(desk, level)
    desk.act(iid, "eliminate_danger", "district_housing_bureau", ELIMINATED)
    desk.refused(iid, "approve_termination", AUTHORITIES[level][1], error=InvalidState)
    for step, actor in zip(STEPS, AUTHORITIES[level], strict=True):
        others = {
            "district_hq",
            "district_housing_bureau",
            "city_hq",
            "city_hq_office",
            "city_emergency_committee",
            "duty_officer",
        } - {actor}
        for other in sorted(others):
            refused = desk.refused(iid, step, other, error=Forbidden)
            assert f"({actor})" in refused.message
        desk.act(iid, step, actor)
    assert desk.service.show(iid)["state"] == "terminated"


def test_the_announcement_goes_to_every_unit_notified(desk: Any, level_ii: int, plan: Any) -> None:
    desk.act(
        level_ii,
        "amend_group",
        "district_hq",
        {"group": "medical", "add_units": ["district_fire_rescue"]},
    )
    desk.act(level_ii, "eliminate_danger", "district_housing_bureau", ELIMINATED)
    before = {n["unit"] for n in desk.service.show(level_ii)["notices"]}
    view = desk.terminate(level_ii, "II")
    told = {n["unit"] for n in view["notices"] if n["kind"] == "termination"}
    assert told == before - {"district_hq"}  # the announcer does not notify itself
    assert "district_fire_rescue" in told and "street_office" in told
    sent = [n for n in view["notices"] if n["kind"] == "termination"]
    assert {n["sent_at"] for n in sent} == {
        next(e["at"] for e in view["timeline"] if e["kind"] == "announce_termination")
    }

    document = desk.service.notice_document(level_ii, "street_office", "termination")
    text = "".join(document.paragraphs)
    # who proposed, approved and announced at II (§4.4), and that the response is over
    assert "区指挥部提出终止建议" in text and "市指挥部办公室同意" in text
    assert "宣布II级应急响应结束" in text
