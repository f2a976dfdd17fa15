"""Input validation: the renderers can trust what the dataclasses hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from documents.model import (
    DeadlineRecord,
    DeadlineStatus,
    InvestigationReport,
    OfficialDocument,
    SectionSpec,
    TimelineEntry,
)
from engine.plan import Plan

CST = dt.timezone(dt.timedelta(hours=8))
DUE = dt.datetime(2026, 11, 22, 9, 10, tzinfo=CST)


def test_parts_come_from_the_plan_in_order(report: InvestigationReport, plan: Plan) -> None:
    items = plan.investigation.report_sections.items
    assert [(p.key, p.heading) for p in report.parts] == list(items.items())
    assert list(report.sections) == list(items)
    assert [p.heading for p in report.parts] == [
        "事件发生单位概况",
        "事件发生经过和事件救援情况",
        "事件造成的人员伤亡和直接经济损失",
        "事件发生的原因和事件性质",
        "事件责任的认定以及对事件责任者的处理建议",
        "事件防范和整改措施",
    ]


def test_final_report_needs_all_six_parts(make_report: Callable[..., InvestigationReport]) -> None:
    with pytest.raises(ValueError, match="事件发生的原因和事件性质"):
        make_report(sections={"unit_overview": ["概况"], "cause_and_nature": ["  "]})


def test_draft_may_lack_parts(make_report: Callable[..., InvestigationReport]) -> None:
    report = make_report(draft=True, sections={"unit_overview": ["概况"]})
    assert report.sections["casualties_and_loss"] == ()


def test_unknown_section_is_refused(make_report: Callable[..., InvestigationReport]) -> None:
    with pytest.raises(ValueError, match="summary"):
        make_report(draft=True, sections={"summary": ["x"]})


def test_parts_are_whatever_the_caller_gives(
    make_report: Callable[..., InvestigationReport],
) -> None:
    parts = [SectionSpec("b", "乙部分"), SectionSpec("a", "甲部分")]
    report = make_report(parts=parts, sections={"a": ["甲"], "b": ["乙"]})
    assert report.parts == tuple(parts)
    assert list(report.sections) == ["b", "a"]
    with pytest.raises(ValueError, match="unit_overview"):
        make_report(parts=parts)  # the plan's keys are unknown to these parts


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "at least one part"),
        ([SectionSpec("a", "甲"), SectionSpec("a", "乙")], "given twice: a"),
    ],
)
def test_bad_parts_are_refused(
    make_report: Callable[..., InvestigationReport], parts: list[SectionSpec], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_report(draft=True, parts=parts, sections={})


def test_section_spec_needs_key_and_heading() -> None:
    with pytest.raises(ValueError, match="section key"):
        SectionSpec(" ", "甲")
    with pytest.raises(ValueError, match="heading of section a"):
        SectionSpec("a", "")


def test_lists_are_frozen(make_notice: Callable[..., OfficialDocument]) -> None:
    addressees = ["区应急局"]
    notice = make_notice(addressees=addressees)
    addressees.append("区房管局")
    assert notice.addressees == ("区应急局",)


def test_drill_title_is_marked_once(make_notice: Callable[..., OfficialDocument]) -> None:
    assert make_notice(drill=True).display_title.startswith("【演练】关于")
    assert make_notice(drill=True, title="【演练】测试").display_title == "【演练】测试"
    assert not make_notice(drill=False).display_title.startswith("【演练】")


def test_bad_urgency_is_refused(make_notice: Callable[..., OfficialDocument]) -> None:
    with pytest.raises(ValueError, match="urgency"):
        make_notice(urgency="很急")


def test_naive_timeline_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TimelineEntry(dt.datetime(2026, 11, 22, 8, 0), "区指挥部", "启动响应")


@pytest.mark.parametrize(
    ("status", "met_at", "as_of", "late"),
    [
        (DeadlineStatus.PENDING, None, DUE + dt.timedelta(hours=1), None),
        (DeadlineStatus.MET, DUE, None, 0),
        (DeadlineStatus.MET_LATE, DUE + dt.timedelta(minutes=14, seconds=1), None, 15),
        (DeadlineStatus.OVERDUE, None, DUE + dt.timedelta(minutes=120), 120),
        (DeadlineStatus.OVERDUE, None, None, None),
    ],
)
def test_lateness_minutes(
    status: DeadlineStatus, met_at: dt.datetime | None, as_of: dt.datetime | None, late: int | None
) -> None:
    record = DeadlineRecord("government_report", DUE, status, met_at, name="向区人民政府报告")
    assert record.lateness_minutes(as_of) == late


def test_deadline_status_and_met_at_must_agree() -> None:
    with pytest.raises(ValueError, match="no met_at"):
        DeadlineRecord("initial_report", DUE, DeadlineStatus.MET, name="首次报告")
    with pytest.raises(ValueError, match="has a met_at"):
        DeadlineRecord("initial_report", DUE, DeadlineStatus.PENDING, DUE, name="首次报告")


def test_deadline_labels() -> None:
    assert [s.label for s in DeadlineStatus] == ["待办", "已按时完成", "已逾期", "逾期完成"]


def test_deadline_name_is_the_callers(plan: Plan) -> None:
    name = plan.deadlines["initial_report"].name
    assert DeadlineRecord("initial_report", DUE, DeadlineStatus.PENDING, name=name).name == name
    with pytest.raises(TypeError, match="name"):
        DeadlineRecord("initial_report", DUE, DeadlineStatus.PENDING)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="name of deadline initial_report"):
        DeadlineRecord("initial_report", DUE, DeadlineStatus.PENDING, name=" ")


def test_only_a_deadline_met_on_time_can_be_backfilled() -> None:
    met = DeadlineRecord(
        "initial_report", DUE, DeadlineStatus.MET, DUE, name="首次报告", backfilled=True
    )
    assert met.status_label == "已按时完成（补录）"
    with pytest.raises(ValueError, match="only a met one is 补录"):
        DeadlineRecord(
            "initial_report", DUE, DeadlineStatus.MET_LATE, DUE, name="首次报告", backfilled=True
        )
