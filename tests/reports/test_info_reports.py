"""Information reports (§4.2, R11): 首报, 续报一/二…, 终报 drafted from the record (pure, no
DB), sent through `submit_info_report` as a notice that meets the deadlines waiting on its
recipient, numbered per recipient, refused clearly with nothing changed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from engine.errors import FanganError, InvalidInput, PreconditionFailed
from engine.plan import Plan, PlanError
from engine.service import IncidentService
from workflows.housing_safety import WORKFLOW
from workflows.housing_safety import info_reports as ir

REPORT = {
    "condition": "partial_collapse",
    "street": "yingwu",
    "address": "鹦鹉大道318号",
    "discovered_at": "2026-03-02T08:40:00+08:00",
    "dead": 1,
    "injured": 3,
    "people_at_risk": 20,
    "reporter": "张三 13800000000",
}
CITY = "city_housing_bureau"


def view(**over: Any) -> dict[str, Any]:
    """A minimal incident view (SPEC §5) as the service shows it."""
    base: dict[str, Any] = {
        "id": 1,
        "state": "reported",
        "condition": "partial_collapse",
        "grade": "ordinary",
        "response_level": "I",
        "street": "yingwu",
        "address": "鹦鹉大道318号",
        "discovered_at": "2026-03-02T08:40:00+08:00",
        "activated_at": None,
        "verified_at": None,
        "dead": 1,
        "missing": None,
        "injured": 3,
        "economic_loss_yuan": None,
        "people_at_risk": 20,
        "reporter": None,
        "description": None,
        "deadlines": [],
        "timeline": [],
        "available_actions": ["verify", "activate"],
        "investigation": None,
    }
    return {**base, **over}


def sent(kind: str, number: int | None, to: str = CITY, at: str = "2026-03-02T09:00:00+08:00"):
    return {
        "kind": ir.EVENT,
        "at": at,
        "actor": "duty_officer",
        "data": {"kind": kind, "number": number, "to": to},
    }


# -- pure drafting ---------------------------------------------------------------------------


def test_the_initial_draft_says_what_the_rule_asks_and_invents_nothing(plan: Plan) -> None:
    draft = ir.draft(plan, view(), "initial", CITY)
    assert (draft.kind, draft.number, draft.title) == ("initial", None, "首报")
    text = draft.text
    assert "2026年3月2日8时40分" in text  # to the minute
    assert "汉阳区鹦鹉街鹦鹉大道318号" in text
    assert "局部倒塌" in text
    assert "死亡1人，失踪不详（待核实），受伤3人" in text  # missing unknown: not 0
    assert "初步估计的直接经济损失：不详（待核实）" in text
    assert "报告来源：不详（待核实）" in text
    assert "事件发展趋势：不详（待核实）" in text
    assert "已经采取的措施：不详（待核实）" in text
    assert "现场核实" in text  # the procedure's next step
    assert "死亡0人" not in text and "失踪0人" not in text


def test_progress_reports_are_numbered_per_recipient(plan: Plan) -> None:
    timeline = [
        sent("initial", None),
        sent("progress", 1),
        sent("initial", None, "district_government"),
    ]
    d = ir.draft(plan, view(timeline=timeline), "progress", CITY)
    assert (d.number, d.title) == (2, "续报二")
    other = ir.draft(plan, view(timeline=timeline), "progress", "district_government")
    assert (other.number, other.title) == (1, "续报一")
    assert any(label == "上次报告以来的新情况" for label, _ in d.sections)


def test_progress_tells_what_happened_since_the_last_report(plan: Plan) -> None:
    timeline = [
        sent("initial", None, at="2026-03-02T09:00:00+08:00"),
        {
            "kind": "activated",
            "at": "2026-03-02T09:10:00+08:00",
            "actor": "district_hq",
            "data": {"level": "I"},
        },
    ]
    d = ir.draft(plan, view(state="active", timeline=timeline), "progress", CITY)
    new = dict(d.sections)["上次报告以来的新情况"]
    assert "9时10分" in new and "启动" in new


@pytest.mark.parametrize(
    ("kind", "state", "timeline", "error", "match"),
    [
        ("weekly", "active", [], InvalidInput, "^kind: unknown report kind 'weekly'"),
        ("progress", "active", [], PreconditionFailed, "no 首报"),
        ("final", "terminated", [], PreconditionFailed, "no 首报"),
        ("final", "active", [sent("initial", None)], PreconditionFailed, "response has ended"),
        ("initial", "active", [sent("initial", None)], PreconditionFailed, "already made"),
        (
            "progress",
            "terminated",
            [sent("initial", None), sent("final", None)],
            PreconditionFailed,
            "it is the last",
        ),
    ],
)
def test_out_of_turn_is_refused(
    plan: Plan,
    kind: str,
    state: str,
    timeline: list[dict[str, Any]],
    error: type[FanganError],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        ir.draft(plan, view(state=state, timeline=timeline), kind, CITY)


def test_final_once_the_response_ended(plan: Plan) -> None:
    d = ir.draft(plan, view(state="terminated", timeline=[sent("initial", None)]), "final", CITY)
    assert d.title == "终报"
    assert "应急响应已结束" in d.text


def test_the_config_section_is_checked_at_start_up(plan: Plan) -> None:
    raw = plan.model_dump(by_alias=True)
    broken = copy.deepcopy(raw)
    del broken["information_reports"]["kinds"]["final"]
    with pytest.raises(PlanError, match=r"information_reports\.kinds\.final"):
        WORKFLOW.check(Plan.model_validate(broken))
    missing = copy.deepcopy(raw)
    missing["information_reports"] = {}
    with pytest.raises(PlanError, match=r"information_reports\.clause"):
        WORKFLOW.check(Plan.model_validate(missing))


# -- the action through the service ----------------------------------------------------------


def submit(
    service: IncidentService,
    iid: int,
    kind: str,
    text: str = "正文",
    to: str = CITY,
    actor: str = "duty_officer",
) -> dict[str, Any]:
    return service.act(
        iid,
        "submit_info_report",
        actor=actor,
        data={"to": to, "kind": kind, "text": text, "channel": "系统"},
    )


def test_the_initial_report_is_sent_recorded_and_meets_the_deadline(
    service: IncidentService,
) -> None:
    iid = service.report(REPORT)["id"]
    shown = submit(service, iid, "initial", "一、时间：8时40分（经值班员修改）")
    initial = next(d for d in shown["deadlines"] if d["code"] == "initial_report")
    assert initial["met_at"] is not None
    notice = next(n for n in shown["notices"] if n["kind"] == "info_initial")
    assert notice["unit"] == CITY and notice["status"] == "informational"
    event = next(e for e in shown["timeline"] if e["kind"] == ir.EVENT)
    assert event["data"]["kind"] == "initial" and event["data"]["title"] == "首报"
    assert event["data"]["text"] == "一、时间：8时40分（经值班员修改）"


def test_progress_reports_are_numbered_and_each_is_its_own_notice(
    service: IncidentService,
) -> None:
    iid = service.report(REPORT)["id"]
    submit(service, iid, "initial")
    submit(service, iid, "progress", "进展一")
    shown = submit(service, iid, "progress", "进展二")
    titles = [e["data"]["title"] for e in shown["timeline"] if e["kind"] == ir.EVENT]
    assert titles == ["首报", "续报一", "续报二"]
    progress = [n for n in shown["notices"] if n["kind"] == "info_progress"]
    assert [n["occasion"] for n in progress] == [1, 2]


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        ({"to": CITY, "kind": "weekly", "text": "x"}, InvalidInput, "data.kind"),
        ({"to": CITY, "kind": "progress", "text": "x"}, PreconditionFailed, "no 首报"),
        ({"to": CITY, "kind": "final", "text": "x"}, PreconditionFailed, "no 首报"),
        ({"to": CITY, "kind": "initial", "text": "   "}, InvalidInput, "data.text"),
        ({"to": "nobody", "kind": "initial", "text": "x"}, InvalidInput, "data.to: unknown"),
    ],
)
def test_bad_input_is_refused_with_nothing_changed(
    service: IncidentService,
    db_digest: Callable[[str], str],
    data: dict[str, Any],
    error: type[FanganError],
    match: str,
) -> None:
    iid = service.report(REPORT)["id"]
    before = db_digest(str(service.db.url))
    with pytest.raises(error, match=match):
        service.act(iid, "submit_info_report", actor="duty_officer", data=data)
    assert db_digest(str(service.db.url)) == before


def test_final_before_the_response_ended_is_refused(
    service: IncidentService, db_digest: Callable[[str], str]
) -> None:
    iid = service.report(REPORT)["id"]
    submit(service, iid, "initial")
    before = db_digest(str(service.db.url))
    with pytest.raises(PreconditionFailed, match="response has ended"):
        submit(service, iid, "final")
    assert db_digest(str(service.db.url)) == before


def test_a_unit_that_did_not_make_it_may_not_send_it(service: IncidentService) -> None:
    iid = service.report(REPORT)["id"]
    with pytest.raises(FanganError, match="may not record a report"):
        submit(service, iid, "initial", actor="wuhan_telecom")


# -- the investigation report lists them -------------------------------------------------------


def test_the_investigation_report_lists_the_reports_made(service: IncidentService) -> None:
    from documents.report import render_report

    iid = service.report(REPORT)["id"]
    none = render_report(service.investigation_report(iid), "md").decode()
    assert "未报送首报、续报、终报等信息报告" in none
    assert "信息报告报送情况" not in none
    submit(service, iid, "initial")
    submit(service, iid, "progress")
    submit(service, iid, "initial", to="district_government")
    report = service.investigation_report(iid)
    assert [(r.title, r.recipient, r.channel) for r in report.info_reports] == [
        ("首报", "市房管局", "系统"),
        ("续报一", "市房管局", "系统"),
        ("首报", "区人民政府", "系统"),
    ]
    md = render_report(report, "md").decode()
    assert "信息报告报送情况" in md
    assert "续报一于2026年3月2日9时00分报送市房管局" in md
    for fmt in ("html", "docx"):
        assert render_report(report, fmt)  # every format lays the table out
