"""The investigation report turned into display-ready text, shared by every output format.

Deciding once which table goes under which part, and how each value is written, keeps the
Markdown, HTML/PDF and Word outputs identical in content; they differ only in typesetting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from documents.formatting import (
    cn_count,
    cn_date,
    cn_datetime,
    cn_datetime_text,
    cn_ordinal_heading,
    cn_yuan,
)
from documents.model import InvestigationReport
from documents.text import tidy

__all__ = ["PLACEHOLDER", "Block", "NumberedList", "ReportView", "SectionView", "Table", "build"]

PLACEHOLDER = "（待补充）"
"""Printed in a draft for a part the investigation group has not written yet."""

_LEVEL_NAMES = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级"}


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...]
    """Relative column widths (they need not add up to anything)."""
    left: tuple[int, ...] = ()
    """Columns of running text, set flush left; the others are centred."""
    row_mm: float = 0
    """Minimum row height; 0 lets rows fit their text."""
    empty: str = "无记录"


@dataclass(frozen=True)
class NumberedList:
    kind: ClassVar[str] = "list"
    caption: str
    items: tuple[str, ...]
    empty: str = "无记录"


Block = Table | NumberedList


@dataclass(frozen=True)
class SectionView:
    key: str
    heading: str
    """Numbered heading, e.g. 一、事件发生单位概况."""
    paragraphs: tuple[str, ...]
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportView:
    title: str
    draft: bool
    facts: Table
    sections: tuple[SectionView, ...]
    members: Table
    author: str
    date: str
    timeline: Table


def _cell_time(value: dt.datetime | None) -> str:
    """Date over time in narrow table columns; renderers turn the newline into a line break."""
    return cn_datetime(value).replace(" ", "\n", 1)


def _sentence(text: str) -> str:
    """End a list item with 。 unless it already ends in punctuation."""
    return text if text.endswith(("。", "！", "？", "；", "：")) else f"{text}。"


class _Captions:
    """Numbers tables in reading order (表1, 表2 …) as a report does."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, text: str) -> str:
        self.count += 1
        return f"表{self.count}　{text}"


def _facts(report: InvestigationReport) -> Table:
    s = report.summary
    rows = (
        ("事发地址", s.address),
        ("所属街道", s.street),
        ("险情类型", s.condition_name),
        ("事件等级", s.grade_name or "未定级（房屋安全隐患不分级）"),
        ("响应级别", f"{_LEVEL_NAMES[s.response_level]}应急响应"),
        ("发现时间", cn_datetime(s.discovered_at)),
        ("报告时间", cn_datetime(s.reported_at)),
    )
    return Table("事件基本情况", ("项目", "内容"), rows, (1, 4), left=(1,))


def _measures(report: InvestigationReport) -> NumberedList:
    items = []
    for m in report.measures:
        when = cn_datetime_text(m.at) if m.at else ""
        who_when = "，".join(x for x in (m.unit, when) if x)
        text = m.measure + (f"（{who_when}）" if who_when else "")
        items.append(tidy(_sentence(f"{text}：{m.detail}" if m.detail else text)))
    return NumberedList("采取的应急处置措施", tuple(items))


def _deadlines(report: InvestigationReport, caption: _Captions) -> Table:
    rows = []
    for i, d in enumerate(report.deadlines, 1):
        late = d.lateness_minutes(report.generated_at)
        rows.append(
            (
                str(i),
                d.name,
                _cell_time(d.due_at),
                _cell_time(d.met_at),
                d.status_label,
                "—" if late is None else str(late),
            )
        )
    header = ("序号", "时限事项", "应完成时间", "实际完成时间", "状态", "逾期（分钟）")
    widths = (14, 29, 37, 37, 24, 15)
    return Table(caption("信息报送时限执行情况"), header, tuple(rows), widths, left=(1,))


def _info_reports(report: InvestigationReport, caption: _Captions) -> tuple[Table, ...]:
    """The information reports made (首报, 续报, 终报), when there are any."""
    if not report.info_reports:
        return ()
    rows = tuple(
        (str(i), r.title, _cell_time(r.at), r.recipient, r.channel or "—")
        for i, r in enumerate(report.info_reports, 1)
    )
    header = ("序号", "报告", "报送时间", "报送对象", "方式")
    widths = (14, 30, 37, 45, 30)
    return (Table(caption("信息报告报送情况"), header, rows, widths, left=(3,)),)


def _casualties(report: InvestigationReport, caption: _Captions) -> Table:
    c = report.casualties
    header = ("死亡（人）", "失踪（人）", "受伤（人）", "死亡（含失踪）合计（人）", "直接经济损失")
    row = tuple(cn_count(n, "") for n in (c.dead, c.missing, c.injured, c.dead_and_missing))
    return Table(
        caption("人员伤亡和直接经济损失"),
        header,
        ((*row, cn_yuan(c.direct_loss_yuan)),),
        (2, 2, 2, 3, 4),
    )


def _members(report: InvestigationReport) -> Table:
    rows = tuple((m.role, m.name, m.unit, "") for m in report.members)
    header = ("职务", "姓名", "单位", "签名")
    return Table("事件调查组成员", header, rows, (2, 2, 5, 3), row_mm=9)  # room to sign


def _timeline(report: InvestigationReport) -> Table:
    """Who was on duty (值班) gets a column when the record knows it for any entry."""
    entries = sorted(report.timeline, key=lambda e: e.at)  # stable: same-time order kept
    duty = any(e.on_duty for e in entries)
    rows = tuple(
        (str(i), _cell_time(e.at), e.actor, e.description, *((e.on_duty,) if duty else ()))
        for i, e in enumerate(entries, 1)
    )
    if duty:
        return Table(
            "事件时间线",
            ("序号", "时间", "主体", "事件", "值班"),
            rows,
            (12, 32, 28, 58, 30),
            left=(3, 4),
        )
    return Table("事件时间线", ("序号", "时间", "主体", "事件"), rows, (14, 37, 32, 73), left=(3,))


def build(report: InvestigationReport) -> ReportView:
    """Lay the report's data out in reading order: facts, the given parts, members, appendix."""
    caption = _Captions()
    extra: dict[str, tuple[Block, ...]] = {
        "course_and_rescue": (
            _measures(report),
            _deadlines(report, caption),
            *_info_reports(report, caption),
        ),
        "casualties_and_loss": (_casualties(report, caption),),
    }
    sections = []
    for number, spec in enumerate(report.parts, 1):
        paragraphs = tuple(tidy(p) for p in report.sections[spec.key] if p.strip())
        sections.append(
            SectionView(
                key=spec.key,
                heading=cn_ordinal_heading(number, spec.heading),
                paragraphs=paragraphs or (PLACEHOLDER,),
                blocks=extra.get(spec.key, ()),
            )
        )
    return ReportView(
        title=tidy(report.display_title),
        draft=report.draft,
        facts=_facts(report),
        sections=tuple(sections),
        members=_members(report),
        author=report.author,
        date=cn_date(report.date) if report.date else "",
        timeline=_timeline(report),
    )
