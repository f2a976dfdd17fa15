"""GB/T 9704 notices: what a reader sees in the HTML and in the PDF."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from documents import OfficialDocument, render_notice_html, render_notice_pdf
from documents.fonts import fandol_available

PdfPages = Callable[[bytes], list[str]]


def _visible(html: str) -> str:
    """Body text without tags, whitespace or the <head> (so CSS cannot satisfy a check)."""
    body = html.split("<body", 1)[1].split(">", 1)[1]
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", body))


def test_html_has_the_header_elements(notice: OfficialDocument) -> None:
    text = _visible(render_notice_html(notice))
    assert text.index("汉阳区房屋安全事故应急指挥部") < text.index("阳房应〔2026〕3号")
    assert "区应急局、区房管局、区公安分局、区卫健局、鹦鹉街道办事处：" in text
    assert "关于启动房屋安全突发事件Ⅰ级应急响应的通知" in text
    assert "特急" in text
    assert "2026年11月22日" in text
    assert "抄送：区委办公室，区人大常委会办公室，区政协办公室，市房管局。" in text
    assert "【演练】" not in text


def test_drill_marks_first_line_and_title(drill_notice: OfficialDocument) -> None:
    text = _visible(render_notice_html(drill_notice))
    assert text.startswith("【演练】")
    assert "【演练】关于启动房屋安全突发事件" in text


def test_html_escapes_text(make_notice: Callable[..., OfficialDocument]) -> None:
    html = render_notice_html(make_notice(paragraphs=["<script>alert(1)</script>"]))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_headings_in_body_get_heiti_and_kaiti(notice: OfficialDocument) -> None:
    html = render_notice_html(notice)
    assert '<span class="h1">一、立即成立现场指挥部。</span>' in html
    assert '<span class="h2">（一）治安保卫组以区公安分局为主，负责设置现场警戒、' not in html
    assert "（一）治安保卫组以区公安分局为主" in html


@pytest.fixture(scope="module")
def notice_pdf(make_notice: Callable[..., OfficialDocument]) -> bytes:
    """Rendered once per module: layout is the slow part."""
    return render_notice_pdf(make_notice(drill=True))


def test_pdf_text_has_title_and_body(notice_pdf: bytes, pdf_pages: PdfPages) -> None:
    text = re.sub(r"\s+", "", "".join(pdf_pages(notice_pdf)))
    assert notice_pdf.startswith(b"%PDF")
    assert "【演练】关于启动房屋安全突发事件Ⅰ级应急响应的通知" in text
    assert "汉阳区鹦鹉街某小区3栋发生房屋局部坍塌，已造成1人死亡、2人失踪。" in text
    assert "阳房应〔2026〕3号" in text
    assert "—1—" in text


def test_pdf_fonts_are_embedded(
    notice_pdf: bytes, pdf_fonts: Callable[[bytes], dict[str, bool]]
) -> None:
    fonts = pdf_fonts(notice_pdf)
    assert fonts and all(fonts.values()), fonts
    assert any("CJK" in name or "Fandol" in name for name in fonts), fonts
    if fandol_available():
        assert "FandolFang" in fonts  # the 仿宋 stand-in carries the body


def test_pdf_page_holds_22_lines_of_28_characters(
    make_notice: Callable[..., OfficialDocument], pdf_pages: PdfPages
) -> None:
    pages = pdf_pages(render_notice_pdf(make_notice(paragraphs=["汉" * 28 * 50])))
    full_page = [line for line in pages[1].split("\n") if "汉" in line]
    assert len(full_page) == 22
    assert {len(line) for line in full_page} == {28}
