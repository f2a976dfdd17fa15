"""The investigation (§5.1) and its report (§5.2; SPEC R9): drafted from the record, submitted
with all six parts, rendered as md, html, docx and pdf — and the CONTENTS checked, not the file.

The incident is `full_incident` (see conftest `FULL`): a partial collapse at I with its facts
corrected on site, the initial report 12 minutes late and the city HQ report never made."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader

from engine.errors import FanganError, Forbidden, InvalidInput, InvalidState, PreconditionFailed

HEADINGS = [
    "事件发生单位概况",
    "事件发生经过和事件救援情况",
    "事件造成的人员伤亡和直接经济损失",
    "事件发生的原因和事件性质",
    "事件责任的认定以及对事件责任者的处理建议",
    "事件防范和整改措施",
]
NUMBERED = [f"{n}、{h}" for n, h in zip("一二三四五六", HEADINGS, strict=True)]
TITLE = "汉阳区鹦鹉街鹦鹉大道318号3栋房屋安全突发事件调查报告"
GAP = "【待调查组补充】"


def markdown(desk: Any, incident_id: int) -> str:
    from documents.report import render_report

    return render_report(desk.service.investigation_report(incident_id), "md").decode()


def in_order(text: str, parts: list[str]) -> bool:
    positions = [text.find(p) for p in parts]
    return -1 not in positions and positions == sorted(positions)


def filled(sections: dict[str, str]) -> dict[str, str]:
    """The drafts with the gaps written in, as the investigation group would."""
    return {k: v.replace(GAP, "经调查：") for k, v in sections.items()}


def submit(desk: Any, incident_id: int) -> dict[str, str]:
    sections = filled(desk.service.show(incident_id)["investigation"]["draft_sections"])
    sections["cause_and_nature"] = "东侧承重墙长期渗水导致砌体强度下降，属责任事件。"
    desk.act(incident_id, "submit_report", "district_hq", {"sections": sections})
    return sections


# -- the draft -----------------------------------------------------------------------------


def test_the_draft_has_the_six_parts_in_order_and_the_record_s_figures(
    desk: Any, full_incident: int
) -> None:
    md = markdown(desk, full_incident)
    assert md.startswith(f"# {TITLE}")
    assert "草稿" in md
    assert in_order(md, [f"## {h}" for h in NUMBERED])
    # casualties and loss (§5.2 part three), as corrected on site
    assert "| 2 | 1 | 6 | 3 | 2,350,000元 |" in md
    assert "死亡2人、失踪1人、受伤6人" in md
    assert "死亡人数由1更正为2" in md and "受伤人数由4更正为6" in md
    assert "直接经济损失由2,000,000元更正为2,350,000元" in md
    # deadlines: met, met late and missed, and by how much
    assert (
        "| 首次报告（市、区房管局） | 2026年3月2日 09:20 | 2026年3月2日 09:32 | 逾期完成 | 12 |"
    ) in md
    assert "| 向区人民政府报告 | 2026年3月2日 09:35 | 2026年3月2日 09:30 | 已按时完成 |" in md
    assert "（本地默认时限） | 2026年3月2日 09:40 | — | 已逾期 | 200 |" in md
    assert "“首次报告（市、区房管局）”逾期12分钟完成" in md
    assert "已逾期200分钟" in md
    # the measures used, the notices and the statements
    assert "切断电力、可燃气体和液体的输送（区指挥部，2026年3月2日9时20分）" in md
    assert "拆除毗邻自建围墙12米以开辟救援通道" in md
    assert "已确认" in md and "家单位发出通知" in md
    assert "第1号第1版于2026年3月2日10时00分由区政府新闻发言人发布" in md
    # aftermath items (§5.3) and who handles them
    assert "修复或补偿：拆除毗邻自建围墙12米以开辟救援通道，承办单位区人民政府，尚未办结" in md
    assert "赔偿或补偿：遇难者家属抚恤及受伤人员医疗费用，承办单位区民政局" in md
    # who is late is named for part five; the group of §5.1 signs
    assert "责任单位值班员" in md and "责任单位区指挥部" in md
    assert "| 牵头单位 |  | 区指挥部 |  |" in md and "| 成员单位 |  | 区监察委 |  |" in md


def test_the_view_offers_the_drafts_to_edit(desk: Any, full_incident: int) -> None:
    investigation = desk.service.show(full_incident)["investigation"]
    assert investigation["lead"] == "district_hq"
    assert investigation["members"] == [
        "district_emergency_bureau",
        "district_public_security",
        "district_supervisory_commission",
    ]
    assert investigation["submitted_at"] is None
    drafts = investigation["draft_sections"]
    assert list(drafts) == [
        "unit_overview",
        "course_and_rescue",
        "casualties_and_loss",
        "cause_and_nature",
        "responsibility_and_handling",
        "prevention_and_rectification",
    ]
    assert all(text.strip() for text in drafts.values())
    assert GAP in drafts["cause_and_nature"]
    assert "逾期12分钟" in drafts["course_and_rescue"]


def test_a_level_iii_report_is_a_draft_without_investigation(desk: Any) -> None:
    iid = desk.report()
    md = markdown(desk, iid)
    assert in_order(md, NUMBERED) and "未定级" in md
    assert desk.service.show(iid)["investigation"] is None


# -- submit and close ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "error", "says"),
    [
        ({"cause_and_nature": None}, PreconditionFailed, "事件发生的原因和事件性质"),
        ({"prevention_and_rectification": "   "}, PreconditionFailed, "事件防范和整改措施"),
        ({"unit_overview": f"{GAP}产权单位"}, PreconditionFailed, GAP),
        ({"lessons": "x"}, InvalidInput, "not a part"),
    ],
)
def test_submit_refuses_a_missing_empty_or_unfinished_part(
    desk: Any, full_incident: int, change: dict[str, Any], error: type[FanganError], says: str
) -> None:
    sections = filled(desk.service.show(full_incident)["investigation"]["draft_sections"])
    for key, value in change.items():
        if value is None:
            del sections[key]
        else:
            sections[key] = value
    refused = desk.refused(
        full_incident, "submit_report", "district_hq", {"sections": sections}, error=error
    )
    assert says in refused.message


def test_submit_refusals_of_actor_and_order(desk: Any, full_incident: int, level_i: int) -> None:
    sections = filled(desk.service.show(full_incident)["investigation"]["draft_sections"])
    desk.refused(
        full_incident,
        "submit_report",
        "district_emergency_bureau",
        {"sections": sections},
        error=Forbidden,
    )
    desk.refused(
        level_i, "submit_report", "district_hq", {"sections": sections}, error=InvalidState
    )
    desk.refused(level_i, "start_investigation", "district_hq", error=InvalidState)


def test_no_close_before_the_report(desk: Any, full_incident: int) -> None:
    refused = desk.refused(full_incident, "close", "district_hq", error=PreconditionFailed)
    assert "report" in refused.message


def test_the_submitted_report_replaces_the_drafts(desk: Any, full_incident: int) -> None:
    sections = submit(desk, full_incident)
    view = desk.service.show(full_incident)
    assert view["investigation"]["sections"] == sections
    assert view["investigation"]["draft_sections"] is None
    report = desk.service.investigation_report(full_incident)
    assert report.draft is False
    assert report.sections["cause_and_nature"] == (
        "东侧承重墙长期渗水导致砌体强度下降，属责任事件。",
    )
    md = markdown(desk, full_incident)
    assert "草稿" not in md and GAP not in md and "2026年3月2日" in md
    assert in_order(md, NUMBERED)


def test_a_second_submission_is_refused_and_a_correction_keeps_the_first(
    desk: Any, full_incident: int
) -> None:
    """Issue 10: a second `submit_report` silently replaced the first report's text."""
    first = submit(desk, full_incident)
    second = {**first, "cause_and_nature": "经复核，系违规加建导致局部坍塌，属责任事件。"}
    refused = desk.refused(
        full_incident, "submit_report", "district_hq", {"sections": second}, error=InvalidState
    )
    assert "已提交" in refused.message
    assert desk.service.show(full_incident)["investigation"]["sections"] == first
    desk.refused(
        full_incident,
        "submit_report",
        "district_hq",
        {"sections": second, "correction": True},
        error=InvalidInput,
    )  # no reason
    desk.clock.advance(hours=1)
    view = desk.act(
        full_incident,
        "submit_report",
        "district_hq",
        {"sections": second, "correction": True, "reason": "原因认定有误"},
    )
    versions = view["investigation"]["versions"]
    assert [(v["version"], v["reason"]) for v in versions] == [(1, None), (2, "原因认定有误")]
    assert versions[0]["sections"] == first and versions[1]["sections"] == second
    assert view["investigation"]["sections"] == second
    md = markdown(desk, full_incident)
    assert "违规加建" in md and "东侧承重墙" not in md
    assert "本报告为第2版" in md and "第1版（2026年3月2日" in md and "原因认定有误" in md


def test_a_correction_needs_a_submitted_report(desk: Any, full_incident: int) -> None:
    sections = filled(desk.service.show(full_incident)["investigation"]["draft_sections"])
    desk.refused(
        full_incident,
        "submit_report",
        "district_hq",
        {"sections": sections, "correction": True, "reason": "更正"},
        error=InvalidState,
    )


def test_lateness_of_a_missed_deadline_stops_at_close(desk: Any, full_incident: int) -> None:
    submit(desk, full_incident)
    for obligation in desk.service.show(full_incident)["obligations"]:
        desk.act(
            full_incident,
            "settle_obligation",
            "district_government",
            {"obligation": obligation["id"], "amount_yuan": 50_000, "how": "已支付"},
        )
    desk.clock.advance(minutes=20)  # closed at 13:20: 220 minutes after 09:40
    desk.act(full_incident, "close", "district_hq")
    desk.clock.advance(days=3)
    md = markdown(desk, full_incident)
    assert "| 已逾期 | 220 |" in md


def test_a_level_ii_incident_needs_its_investigation_before_close(
    desk: Any, level_ii: int, plan: Any
) -> None:
    desk.act(
        level_ii,
        "eliminate_danger",
        "district_housing_bureau",
        {"experts": ["张工"], "appraisers": ["李工"]},
    )
    desk.terminate(level_ii, "II")
    refused = desk.refused(level_ii, "close", "district_hq", error=PreconditionFailed)
    assert "start_investigation" in refused.message
    view = desk.act(
        level_ii,
        "start_investigation",
        "district_hq",
        {"members": ["district_emergency_bureau", "district_audit_bureau"]},
    )
    # §5.1's units stay members; `members` adds to them (SPEC R9, issue 10).
    assert view["investigation"]["members"] == [
        *plan.investigation.default_members,
        "district_audit_bureau",
    ]


# -- the command line: md, html, docx, pdf -----------------------------------------------------


def run_report(cli: Any, desk: Any, incident_id: int, fmt: str, out: Path) -> bytes:
    code, result, stderr = cli(
        "report",
        str(incident_id),
        "--format",
        fmt,
        "--out",
        str(out),
        now=desk.clock.now.isoformat(),
    )
    assert code == 0, stderr
    assert result == {
        "incident_id": incident_id,
        "format": fmt,
        "out": str(out),
        "bytes": out.stat().st_size,
        "draft": True,
    }
    return out.read_bytes()


def test_report_command_md_and_html(
    cli: Any, cli_incident: tuple[Any, int], report_dir: Path
) -> None:
    desk, iid = cli_incident
    md = run_report(cli, desk, iid, "md", report_dir / "report.md").decode()
    assert in_order(md, [f"## {h}" for h in NUMBERED])
    assert "| 2 | 1 | 6 | 3 | 2,350,000元 |" in md and "逾期12分钟" in md
    html = run_report(cli, desk, iid, "html", report_dir / "report.html").decode()
    assert in_order(html, NUMBERED) and TITLE in html and "2,350,000元" in html


def test_report_command_docx_reads_back(
    cli: Any, cli_incident: tuple[Any, int], report_dir: Path
) -> None:
    desk, iid = cli_incident
    document = docx.Document(
        io.BytesIO(run_report(cli, desk, iid, "docx", report_dir / "report.docx"))
    )
    text = "\n".join(p.text for p in document.paragraphs)
    assert TITLE in "".join(text.split())  # the title is set on two lines
    assert in_order(text, NUMBERED)
    assert "死亡2人、失踪1人、受伤6人" in text and "逾期12分钟" in text
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["2", "1", "6", "3", "2,350,000元"] in rows
    late = {row[1]: row[-1] for row in rows if len(row) == 6}
    assert late["首次报告（市、区房管局）"] == "12"
    assert late["向市指挥部报告（请求市级响应）（本地默认时限）"] == "200"


def test_report_command_pdf_has_the_title_and_figures(
    cli: Any, cli_incident: tuple[Any, int], report_dir: Path
) -> None:
    desk, iid = cli_incident
    pdf = run_report(cli, desk, iid, "pdf", report_dir / "report.pdf")
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    assert TITLE in flat
    assert all(h in flat for h in HEADINGS)
    assert "2,350,000元" in flat


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("report", "1", "--format", "odt", "--out", "x.odt"), "invalid_input"),
        (("report", "99", "--format", "md", "--out", "x.md"), "not_found"),
    ],
)
def test_report_command_errors(
    cli: Any, cli_incident: tuple[Any, int], args: tuple[str, ...], code: str
) -> None:
    exit_code, out, stderr = cli(*args)
    assert (exit_code, out) == (2, None)
    assert cli.error(stderr)["error"] == code
