"""The incident page's rules as pure functions over hand-written incident dicts (no database):
the next step and by when, level and state words, deadline order, notices by unit, and a
refusal turned into a Chinese sentence beside its field."""

from __future__ import annotations

from typing import Any

from engine.plan import Plan
from web import forms
from web import incident_page as page
from web.present import Labels, Rules, roman
from workflows.housing_safety import WORKFLOW


def deadline(code: str, due: str, waiting: list[str], met: str | None = None) -> dict[str, Any]:
    return {
        "code": code,
        "name": code,
        "due_at": due,
        "met_at": met,
        "stopped_at": None,
        "waiting_on": [] if met else waiting,
    }


def incident(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 1,
        "state": "reported",
        "response_level": "II",
        "verified_at": None,
        "activated_at": None,
        "deadlines": [],
        "notices": [],
        "obligations": [],
        "statements": [],
        "available_actions": ["verify", "activate", "record_report", "dismiss", "acknowledge"],
    }
    return {**base, **over}


def notice(
    nid: int,
    unit: str,
    status: str,
    kind: str = "activation_II",
    due: str = "2026-03-02T09:15:00+08:00",
    flagged: bool = False,
) -> dict[str, Any]:
    return {
        "id": nid,
        "unit": unit,
        "kind": kind,
        "status": status,
        "ack_due_at": due,
        "flagged": flagged,
    }


def test_the_report_owed_comes_first_with_its_recipient_prefilled(plan: Plan) -> None:
    shown = incident(
        deadlines=[
            deadline("government_report", "2026-03-02T10:00:00+08:00", ["district_government"]),
            deadline("initial_report", "2026-03-02T09:40:00+08:00", ["city_housing_bureau"]),
        ],
        verified_at="2026-03-02T09:30:00+08:00",
    )
    steps = page.next_steps(Rules(plan, WORKFLOW), shown, "district_housing_bureau")
    # a II activation is 区指挥部's, not 区房管局's: only the reports are this unit's
    assert [s.action for s in steps] == ["record_report", "record_report"]
    first = steps[0]
    assert first.due_at == "2026-03-02T09:40:00+08:00"  # the earlier of the two
    assert first.values == {"to": "city_housing_bureau"}
    assert first.text == "首次报告（市、区房管局）：向市房管局报告，然后作信息报送登记"
    assert steps[1].text == "向区人民政府报告，然后作信息报送登记"


def test_several_notices_are_one_step_due_at_the_earliest(plan: Plan) -> None:
    shown = incident(
        state="active",
        available_actions=["acknowledge", "eliminate_danger"],
        notices=[
            notice(1, "district_housing_bureau", "sent", due="2026-03-02T09:20:00+08:00"),
            notice(
                2,
                "district_housing_bureau",
                "sent",
                "group_rescue",
                due="2026-03-02T09:15:00+08:00",
            ),
            notice(3, "district_housing_bureau", "acknowledged"),
        ],
    )
    steps = page.next_steps(Rules(plan, WORKFLOW), shown, "district_housing_bureau")
    assert [(s.action, s.due_at) for s in steps] == [
        ("acknowledge", "2026-03-02T09:15:00+08:00"),
        ("eliminate_danger", None),
    ]
    assert steps[0].text == "签收\u2161级应急响应启动通知等 2 份"


def test_a_unit_with_nothing_to_do_is_told_whom_it_waits_on(plan: Plan) -> None:
    shown = incident(verified_at="2026-03-02T09:30:00+08:00")
    steps = page.next_steps(Rules(plan, WORKFLOW), shown, "street_office")
    assert len(steps) == 1 and not steps[0].mine and steps[0].action is None
    assert steps[0].text == "等待区指挥部启动应急响应"  # a II activation is 区指挥部's alone


def test_level_and_state_words(plan: Plan) -> None:
    labels = Labels(plan, WORKFLOW.words)
    assert page.level_words(labels, incident()) == ("拟启动\u2161级响应", "level-proposed")
    active = incident(state="active", activated_at="2026-03-02T09:30:00+08:00")
    assert page.level_words(labels, active) == ("\u2161级应急响应", "")
    assert page.level_words(labels, incident(state="dismissed"))[0] == "未启动响应"
    assert page.state_words(labels, incident()) == "已接报，待核实"
    assert (
        page.state_words(labels, incident(verified_at="2026-03-02T09:30:00+08:00"))
        == "已核实，待启动响应"
    )
    assert roman("III级、II级、I级、IV级") == "\u2162级、\u2161级、\u2160级、\u2163级"
    assert roman("CIV级") == "CIV级"  # only a numeral standing alone before 级


def test_pending_deadlines_first_soonest_first() -> None:
    shown = incident(
        deadlines=[
            deadline("a", "2026-03-02T09:00:00+08:00", ["x"], met="2026-03-02T08:50:00+08:00"),
            deadline("b", "2026-03-02T10:00:00+08:00", ["x"]),
            deadline("c", "2026-03-02T09:30:00+08:00", ["x"]),
        ]
    )
    assert [d["code"] for d in page.deadlines_in_order(shown)] == ["c", "b", "a"]


def test_notices_by_unit_owing_units_first_with_their_messages() -> None:
    shown = incident(
        notices=[
            notice(1, "district_civil_affairs", "acknowledged"),
            notice(2, "street_office", "sent"),
            notice(3, "street_office", "sent", "group_rescue"),
            notice(4, "district_fire_rescue", "sent", flagged=True),
        ]
    )
    sent = {2: [{"channel": "值班台", "status": "delivered"}]}
    rows = page.notices_by_unit(shown, sent)
    assert [r["unit"] for r in rows] == [
        "district_fire_rescue",
        "street_office",
        "district_civil_affairs",
    ]
    street = rows[1]
    assert [n["id"] for n in street["notices"]] == [2, 3] and len(street["pending"]) == 2
    assert (
        street["notices"][0]["deliveries"] == sent[2] and street["notices"][1]["deliveries"] == []
    )
    assert rows[2]["pending"] == []


def test_actions_with_nothing_to_act_on_are_not_offered() -> None:
    open_item = {"id": 1, "status": "open"}
    assert not page.applies(incident(), "settle_obligation")
    assert page.applies(incident(obligations=[open_item]), "settle_obligation")
    drafts = [
        {"number": 1, "version": 1, "status": "approved"},
        {"number": 1, "version": 2, "status": "draft"},
    ]
    assert page.applies(incident(statements=drafts), "approve_statement")
    assert not page.applies(incident(statements=drafts), "release_statement")  # v2 replaced it


def test_refusals_name_the_field_in_chinese(plan: Plan) -> None:
    labels = Labels(plan, WORKFLOW.words)
    fields = forms.fields_for(plan, WORKFLOW, "raise_level")
    error = forms.field_error("data.people_at_risk: must be 0 or more", fields, labels)
    assert error == forms.FieldError("people_at_risk", "「危及人数」不能小于 0")
    clock = forms.field_error(
        "at: is later than the engine's clock (2026-12-01T21:38:59.5+00:00)", fields, labels
    )
    assert clock == forms.FieldError("at", "「实际发生时间」不能晚于现在（12月2日 05:38）")
    whole = forms.field_error("data: give the new facts or the level", fields, labels)
    assert whole == forms.FieldError(None, "请填写新的事实，或选择要调整到的级别")
    state = forms.field_error(
        "'activate' is not possible while the incident is 'active' (possible now: verify)",
        fields,
        labels,
    )
    assert state == forms.FieldError(None, "事件当前为「应急响应中」，不能执行此操作")
    who = forms.field_error(
        "'street_office' may not activate at level II: only 区指挥部 (district_hq) may",
        fields,
        labels,
    )
    assert who.text == "只有区指挥部可以执行此操作"
    assert forms.field_error("x: something new", fields, labels).text == "x：输入有误，请检查后重试"


def test_terms_and_times(plan: Plan) -> None:
    labels = Labels(plan, WORKFLOW.words)
    assert labels.time("2026-12-01T21:27:00+00:00") == "12月2日 05:27"
    assert labels.time("2026-12-01T21:27:00+00:00", with_date=False) == "05:27"
    assert labels.button("eliminate_danger") == "确认险情已排除"
    assert labels.button("propose_termination") == "确认提出终止响应"
    assert labels.button("approve_termination") == "确认同意终止响应"
    assert labels.button("record_report") == "确认信息报送登记"
