"""The §5.2 investigation report in every format: contents, order and Word structure."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Length
from docx.text.paragraph import Paragraph

from documents import InvestigationReport, SectionSpec
from documents.fonts import Role, word_font
from documents.report import (
    render_report,
    render_report_docx,
    render_report_html,
    render_report_markdown,
    render_report_pdf,
)
from engine.plan import Plan

HEADINGS = [
    "一、事件发生单位概况",
    "二、事件发生经过和事件救援情况",
    "三、事件造成的人员伤亡和直接经济损失",
    "四、事件发生的原因和事件性质",
    "五、事件责任的认定以及对事件责任者的处理建议",
    "六、事件防范和整改措施",
]
TITLE = "汉阳区鹦鹉街某小区“11·22”房屋局部坍塌事件调查报告"


def _in_order(text: str, needles: list[str]) -> bool:
    positions = [text.find(n) for n in needles]
    return -1 not in positions and positions == sorted(positions)


# -- Markdown ---------------------------------------------------------------------------------


def test_markdown_has_six_headings_in_order(report: InvestigationReport) -> None:
    md = render_report_markdown(report)
    assert md.startswith(f"# {TITLE}\n")
    numbered = [line[3:] for line in md.splitlines() if re.match(r"## [一二三四五六]、", line)]
    assert numbered == HEADINGS


def test_markdown_tables_carry_the_record(report: InvestigationReport, plan: Plan) -> None:
    md = render_report_markdown(report)
    assert "| 1 | 2 | 4 | 3 | 3,860,000元 |" in md
    assert f"| {plan.deadlines['government_report'].name} | 2026年11月22日 09:10 |" in md
    assert "逾期完成 | 15 |" in md
    assert "| 每2小时向区指挥部办公室报送处置进展 |" in md and "已逾期 | 120 |" in md
    # The timeline appendix is sorted by time although the record was not.
    appendix = md.split("## 附件：事件时间线", 1)[1]
    assert _in_order(appendix, ["3栋西单元发生局部坍塌", "接到报告，登记事件", "搜救出被困人员5人"])
    assert "| 组长 | 王某某 | 汉阳区人民政府 |  |" in md
    assert "草稿" not in md


def test_markdown_draft_is_marked_and_gaps_show(
    make_report: Callable[..., InvestigationReport],
) -> None:
    md = render_report_markdown(make_report(draft=True, sections={"unit_overview": ["概况"]}))
    assert "**草稿**" in md
    assert md.count("（待补充）") == 5


def test_markdown_prints_the_given_parts(
    make_report: Callable[..., InvestigationReport],
) -> None:
    parts = [SectionSpec("course_and_rescue", "经过"), SectionSpec("extra", "其他")]
    sections = {"course_and_rescue": ["经过正文"], "extra": ["其他正文"]}
    md = render_report_markdown(make_report(parts=parts, sections=sections))
    numbered = [line[3:] for line in md.splitlines() if re.match(r"## [一二三四五六]、", line)]
    assert numbered == ["一、经过", "二、其他"]
    assert _in_order(md, ["经过正文", "信息报送时限执行情况", "其他正文"])


def test_markdown_cells_cannot_break_the_table(
    make_report: Callable[..., InvestigationReport],
) -> None:
    from documents.model import InvestigationMember

    report = make_report(members=[InvestigationMember("赵|某", "区应急局\n值班室")])
    assert "| 成员 | 赵\\|某 | 区应急局 值班室 |  |" in render_report_markdown(report)


# -- HTML -------------------------------------------------------------------------------------


def test_html_has_sections_tables_and_watermark(draft_report: InvestigationReport) -> None:
    html = render_report_html(draft_report)
    assert _in_order(html, HEADINGS)
    assert 'class="watermark"' in html and ">草稿<" in html
    assert "<td>3,860,000元</td>" in html
    assert "<td>2026年11月22日<br>09:25</td>" in html


def test_html_without_draft_has_no_watermark(report: InvestigationReport) -> None:
    assert "watermark" not in render_report_html(report).split("<body", 1)[1]


def test_drill_report_title_is_marked(make_report: Callable[..., InvestigationReport]) -> None:
    from dataclasses import replace

    base = make_report()
    drill = make_report(summary=replace(base.summary, drill=True))
    assert f"# 【演练】{TITLE}" in render_report_markdown(drill)


# -- Word -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docx_draft(make_report: Callable[..., InvestigationReport]) -> bytes:
    return render_report_docx(make_report(draft=True))


def _docx(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def _style(paragraph: Paragraph) -> str:
    return paragraph.style.name if paragraph.style is not None else ""


def _east_asia(element: BaseOxmlElement) -> str | None:
    """The w:eastAsia font named directly on a style or run element."""
    found = element.xpath("./w:rPr/w:rFonts/@w:eastAsia")
    return str(found[0]) if found else None


def _mm(length: Length | None) -> int:
    assert length is not None
    mm: float = length.mm
    return round(mm)


def test_docx_headings_in_order(docx_draft: bytes) -> None:
    doc = _docx(docx_draft)
    headings = [p.text for p in doc.paragraphs if _style(p) == "Heading 1"]
    assert headings == HEADINGS
    titles = [p.text for p in doc.paragraphs if _style(p) == "Fangan Title"]
    assert titles[0].replace("\n", "") == TITLE
    assert titles[1] == "事件时间线"


def test_docx_tables_hold_the_numbers(docx_draft: bytes) -> None:
    tables = _docx(docx_draft).tables
    cells = [[[c.text for c in row.cells] for row in t.rows] for t in tables]
    facts, deadlines, casualties, members, timeline = cells
    assert facts[1] == ["事发地址", "汉阳区鹦鹉街道某小区3栋"]
    assert casualties[0][0] == "死亡（人）"
    assert casualties[1] == ["1", "2", "4", "3", "3,860,000元"]
    assert [row[4] for row in deadlines[1:]] == ["已按时完成", "逾期完成", "已按时完成", "已逾期"]
    assert [row[5] for row in deadlines[1:]] == ["0", "15", "0", "120"]
    assert [row[1] for row in members[1:]] == ["王某某", "李某某", "张某某", "陈某某", "刘某某"]
    assert len(timeline) == 1 + 8
    assert timeline[1][1:] == ["2026年11月22日\n07:50", "住户", "3栋西单元发生局部坍塌"]
    for table in _docx(docx_draft).tables:
        assert table.style is not None and table.style.name == "Table Grid"  # bordered


def test_docx_draft_mark_and_watermark(docx_draft: bytes, report: InvestigationReport) -> None:
    doc = _docx(docx_draft)
    assert doc.paragraphs[0].text == "草稿"
    header_xml = doc.sections[0].header._element.xml
    assert 'string="草稿"' in header_xml
    final = _docx(render_report_docx(report))
    assert "草稿" not in "".join(p.text for p in final.paragraphs)
    assert 'string="草稿"' not in final.sections[0].header._element.xml


def test_docx_east_asian_fonts(docx_draft: bytes) -> None:
    """Styles and runs name the font of each role as this machine has it (see documents.fonts);
    the issue changed this from the Windows names 仿宋/黑体/楷体, which this machine lacks."""
    doc = _docx(docx_draft)

    def east_asia(style_name: str) -> str | None:
        return _east_asia(doc.styles[style_name].element)

    assert east_asia("Normal") == word_font(Role.FANGSONG)
    assert east_asia("Fangan Body") == word_font(Role.FANGSONG)
    assert east_asia("Heading 1") == word_font(Role.HEITI)
    # Theme fonts would override the names in Word: none may be left on our styles.
    assert "eastAsiaTheme" not in doc.styles["Heading 1"].element.xml
    kaiti = [
        _east_asia(r.element) for p in doc.paragraphs for r in p.runs if r.text.startswith("（一）")
    ]
    assert kaiti == [word_font(Role.KAITI)] * 2


def _fc_families() -> set[str]:
    listed = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, check=True
    ).stdout
    return {name.strip() for line in listed.splitlines() for name in line.split(",")}


_USED_STYLES = (
    "Normal",
    "Fangan Body",
    "Heading 1",
    "Fangan Title",
    "Caption",
    "Fangan Table Text",
)


def test_docx_declares_only_fonts_this_machine_has(docx_draft: bytes) -> None:
    if shutil.which("fc-list") is None:
        pytest.skip("no fontconfig here: the official Windows names are used")
    installed = _fc_families()
    doc = _docx(docx_draft)
    elements = [
        doc.styles.element.find(qn("w:docDefaults")),
        *(doc.styles[name].element for name in _USED_STYLES),
        doc.element.body,
        doc.sections[0].footer._element,
        doc.sections[0].even_page_footer._element,
    ]
    slots = [qn(f"w:{slot}") for slot in ("ascii", "hAnsi", "eastAsia", "cs")]
    rfonts = [r for element in elements for r in element.iter(qn("w:rFonts"))]
    named = {r.get(slot) for r in rfonts for slot in slots} - {None}
    assert not any("Theme" in attr or "theme" in attr for r in rfonts for attr in r.attrib)
    with zipfile.ZipFile(io.BytesIO(docx_draft)) as package:
        table = package.read("word/fontTable.xml").decode("utf-8")
    declared = set(re.findall(r'<w:font w:name="([^"]+)"', table))
    assert named and named <= installed, named - installed
    assert declared == named, (declared, named)
    assert {"Noto Serif CJK SC", "Noto Sans CJK SC"} <= named  # fonts-noto-cjk is installed
    assert word_font(Role.HEITI) != word_font(Role.FANGSONG)  # 黑体 stays a sans


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_docx_opens_in_libreoffice_with_its_own_fonts(
    docx_draft: bytes,
    tmp_path: Path,
    pdf_fonts: Callable[[bytes], dict[str, bool]],
    pdf_pages: Callable[[bytes], list[str]],
) -> None:
    source = tmp_path / "report.docx"
    source.write_bytes(docx_draft)
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert TITLE in re.sub(r"\s+", "", "".join(pdf_pages(pdf)))
    fonts = pdf_fonts(pdf)
    # Nothing substituted by a Western face: every font is a CJK one the document named.
    assert fonts and all("CJK" in name or "Kai" in name for name in fonts), fonts


def test_docx_page_setup_and_page_numbers(docx_draft: bytes) -> None:
    section = _docx(docx_draft).sections[0]
    assert (_mm(section.page_width), _mm(section.page_height)) == (210, 297)
    assert (_mm(section.top_margin), _mm(section.left_margin)) == (37, 28)
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in xml


# -- PDF and dispatch -------------------------------------------------------------------------


def test_pdf_has_title_headings_and_embedded_fonts(
    draft_report: InvestigationReport,
    pdf_pages: Callable[[bytes], list[str]],
    pdf_fonts: Callable[[bytes], dict[str, bool]],
) -> None:
    pdf = render_report_pdf(draft_report)
    text = re.sub(r"\s+", "", "".join(pdf_pages(pdf)))
    assert TITLE in text
    assert _in_order(text, [*HEADINGS, "附件", "事件时间线"])
    assert "3,860,000元" in text and "草稿" in text
    fonts = pdf_fonts(pdf)
    assert fonts and all(fonts.values()), fonts


def test_render_report_dispatches(report: InvestigationReport) -> None:
    assert render_report(report, "md").decode().startswith("# ")
    assert b"<!DOCTYPE html>" in render_report(report, "html")
    assert render_report(report, "docx")[:2] == b"PK"  # a zip package


def test_bad_format_names_itself(report: InvestigationReport) -> None:
    with pytest.raises(ValueError, match=r"'odt'.*md\|html\|docx\|pdf"):
        render_report(report, "odt")


def test_report_text_is_tidied_in_every_format(
    make_report: Callable[..., InvestigationReport], pdf_lines: Callable[[bytes], Any]
) -> None:
    from documents.text import problems

    from .conftest import SECTION_TEXT

    typed = "事件共造成1人死亡 ，直接经济损失约386万元（预案 §5.2 ）。。"
    clean = "事件共造成1人死亡，直接经济损失约386万元（预案§5.2）。"
    report = make_report(sections={**SECTION_TEXT, "casualties_and_loss": [typed]})
    assert clean in render_report_markdown(report)
    assert clean in [p.text for p in _docx(render_report_docx(report)).paragraphs]
    pages = pdf_lines(render_report_pdf(report))
    text = "\n".join(line.text for page in pages for line in page)
    assert clean in text.replace("\n", "")
    assert problems(text, clock_times=False) == []
