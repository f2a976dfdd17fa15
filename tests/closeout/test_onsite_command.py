"""The on-site command (§4.3.1, §4.3.2; SPEC R5): seven groups formed on II and I, each unit told
its assignment, and the commander's amendments."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import FanganError, Forbidden, InvalidInput, InvalidState, PreconditionFailed
from engine.plan import Plan


def group(view: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(g for g in view["groups"] if g["code"] == code)
    return found


def notices(view: dict[str, Any]) -> set[tuple[str, str]]:
    return {(n["unit"], n["kind"]) for n in view["notices"]}


def test_level_ii_forms_the_seven_groups_of_the_plan(desk: Any, level_ii: int, plan: Plan) -> None:
    view = desk.service.show(level_ii)
    specs = plan.onsite_groups.groups
    assert [g["code"] for g in view["groups"]] == [s.code for s in specs]
    assert [g["name"] for g in view["groups"]] == [
        "治安保卫组",
        "险情检测组",
        "医疗急救组",
        "交通运输组",
        "疏导防护组",
        "事件处置宣传组",
        "抢险救援组",
    ]
    for shown, spec in zip(view["groups"], specs, strict=True):
        assert (shown["lead"], shown["members"], shown["leader_name"]) == (
            spec.lead,
            list(spec.members),
            None,
        )
        # every member gets its assignment notice (§4.3.1 及时通知现场指挥部成员单位)
        assert {(unit, f"group_{spec.code}") for unit in spec.members} <= notices(view)
    assert group(view, "transport")["members"] == [
        "district_urban_management",
        "district_public_security",
        "district_traffic_brigade",
    ]
    assert [e["kind"] for e in view["timeline"]].count("onsite_command_formed") == 1


def test_level_iii_has_no_on_site_command(desk: Any) -> None:
    iid = desk.report()
    view = desk.act(iid, "activate", "district_housing_bureau")
    assert view["groups"] == []
    assert not [n for n in view["notices"] if n["kind"].startswith("group_")]
    error = desk.refused(
        iid,
        "amend_group",
        "district_hq",
        {"group": "rescue", "leader_name": "张三"},
        error=PreconditionFailed,
    )
    assert "II, I" in error.message and "§4.3.2" in error.message


def test_raising_to_ii_forms_the_groups_and_raising_to_i_keeps_the_amendments(desk: Any) -> None:
    iid = desk.report()
    desk.act(iid, "activate", "district_housing_bureau")
    view = desk.act(iid, "raise_level", "district_hq", {"level": "II", "reason": "裂缝发展迅速"})
    assert len(view["groups"]) == 7
    view = desk.act(
        iid,
        "amend_group",
        "district_hq",
        {"group": "evacuation", "add_units": ["district_education_bureau"]},
    )
    sent_before = len(view["notices"])

    view = desk.act(
        iid,
        "raise_level",
        "district_hq",
        {"condition": "partial_collapse", "reason": "东侧单元局部坍塌"},
    )
    assert view["response_level"] == "I"
    assert len(view["groups"]) == 7
    assert group(view, "evacuation")["members"][-1] == "district_education_bureau"
    assert [e["kind"] for e in view["timeline"]].count("onsite_command_formed") == 1
    standing = [(n["unit"], n["kind"]) for n in view["notices"] if n["status"] != "superseded"]
    assert len(standing) == len(set(standing)), "one group assignment stands per unit"
    # the II assignments still waiting are superseded by the I ones (R4), and only those
    superseded = {
        (n["unit"], n["kind"])
        for n in view["notices"][:sent_before]
        if n["kind"].startswith("group_") and n["status"] == "superseded"
    }
    again = {
        (n["unit"], n["kind"])
        for n in view["notices"][sent_before:]
        if n["kind"].startswith("group_")
    }
    assert again == superseded and superseded


def test_commander_amends_a_group_and_new_units_get_their_notice(desk: Any, level_ii: int) -> None:
    view = desk.act(
        level_ii,
        "amend_group",
        "district_hq",
        {
            "group": "medical",
            "add_units": ["district_fire_rescue"],
            "leader_name": "区卫健局副局长刘洋",
        },
    )
    medical = group(view, "medical")
    assert medical["members"] == ["district_health_commission", "district_fire_rescue"]
    assert medical["leader_name"] == "区卫健局副局长刘洋"
    notice = next(
        n
        for n in view["notices"]
        if n["unit"] == "district_fire_rescue" and n["kind"] == "group_medical"
    )
    assert notice["status"] == "sent" and notice["ack_due_at"] is not None
    amended = [e for e in view["timeline"] if e["kind"] == "group_amended"][-1]
    assert amended["actor"] == "district_hq"
    assert amended["data"]["added"] == ["district_fire_rescue"]

    view = desk.act(
        level_ii,
        "amend_group",
        "district_hq",
        {"group": "transport", "remove_units": ["district_traffic_brigade"]},
    )
    assert "district_traffic_brigade" not in group(view, "transport")["members"]
    assert group(view, "medical")["members"][-1] == "district_fire_rescue"  # others untouched
    # the removed unit no longer owes an acknowledgement, so nothing is re-sent to it
    withdrawn = next(
        n
        for n in view["notices"]
        if n["unit"] == "district_traffic_brigade" and n["kind"] == "group_transport"
    )
    assert (withdrawn["status"], withdrawn["ack_due_at"], withdrawn["flagged"]) == (
        "withdrawn",
        None,
        False,
    )


def test_the_added_unit_s_notice_says_its_group_duty_and_lead(desk: Any, level_ii: int) -> None:
    desk.act(
        level_ii,
        "amend_group",
        "district_hq",
        {"group": "medical", "add_units": ["district_fire_rescue"]},
    )
    document = desk.service.notice_document(level_ii, "district_fire_rescue", "group_medical")
    text = "".join(document.paragraphs)
    assert "医疗急救组" in text and "区卫健局" in text  # the group and its lead
    assert "负责组织协调医疗急救和抢救伤员" in text  # the group's duty, §4.3.2 (3)


@pytest.mark.parametrize(
    ("actor", "data", "error", "says"),
    [
        (
            "district_housing_bureau",
            {"group": "rescue", "leader_name": "张三"},
            Forbidden,
            "区指挥部",
        ),
        (
            "district_hq",
            {"group": "logistics", "leader_name": "张三"},
            InvalidInput,
            "unknown group",
        ),
        ("district_hq", {"group": "rescue", "add_units": ["nobody"]}, InvalidInput, "unknown unit"),
        (
            "district_hq",
            {"group": "rescue", "add_units": ["wuhan_telecom"]},
            InvalidInput,
            "already in",
        ),
        (
            "district_hq",
            {"group": "medical", "remove_units": ["wuhan_telecom"]},
            InvalidInput,
            "not in",
        ),
        (
            "district_hq",
            {"group": "medical", "remove_units": ["district_health_commission"]},
            InvalidInput,
            "leads",
        ),
        (
            "district_hq",
            {"group": "medical"},
            InvalidInput,
            "add_units, remove_units or leader_name",
        ),
    ],
)
def test_amend_group_refusals(
    desk: Any, level_ii: int, actor: str, data: dict[str, Any], error: type[FanganError], says: str
) -> None:
    refused = desk.refused(level_ii, "amend_group", actor, data, error=error)
    assert says in refused.message


def test_no_amendment_once_the_response_has_ended(desk: Any, level_ii: int) -> None:
    desk.act(
        level_ii,
        "eliminate_danger",
        "district_housing_bureau",
        {"experts": ["张工"], "appraisers": ["李工"]},
    )
    desk.terminate(level_ii, "II")
    desk.refused(
        level_ii,
        "amend_group",
        "district_hq",
        {"group": "medical", "leader_name": "刘洋"},
        error=InvalidState,
    )
