"""The annual summary of figures (SPEC R14) for 区指挥部办公室, as HTML, PDF or Word.

Pure rendering of an `AnnualView` — parts with paragraphs, tables and charts — on the same
GB/T 9704 page, fonts and table style as the investigation report (`documents.docx_report`,
`report.css.j2`). Charts go in as SVG in HTML/PDF and as PNG in Word, drawn from one layout.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from documents.charts import BarChart, layout, to_png, to_svg
from documents.docx_report import (
    L,
    _body_paragraph,
    _setup_header_footer,
    _setup_page,
    _setup_styles,
    _signoff,
    _table,
    _title,
)
from documents.pdf import html_to_pdf
from documents.report_view import Table
from documents.templating import render

__all__ = ["AnnualPart", "AnnualView", "Chart", "render_annual"]

CHART_WIDTH = 600
"""Chart units across the type area: narrower than on screen, so the print is larger."""


@dataclass(frozen=True)
class Chart:
    caption: str
    chart: BarChart
    kind = "chart"

    def svg(self) -> str:
        return to_svg(layout(self.chart, CHART_WIDTH))


@dataclass(frozen=True)
class AnnualPart:
    heading: str
    """Numbered, e.g. 一、信息报送时效."""
    paragraphs: tuple[str, ...]
    blocks: tuple[Table | Chart, ...] = ()


@dataclass(frozen=True)
class AnnualView:
    title: str
    author: str
    date: str
    parts: tuple[AnnualPart, ...]


def render_annual_html(view: AnnualView, *, for_print: bool = False) -> str:
    return render("annual.html.j2", for_print=for_print, view=view)


def render_annual_pdf(view: AnnualView) -> bytes:
    return html_to_pdf(render_annual_html(view, for_print=True))


def _build(view: AnnualView) -> DocxDocument:
    doc = Document()
    doc.core_properties.title = view.title
    doc.core_properties.author = view.author
    doc.core_properties.language = "zh-CN"
    _setup_styles(doc)
    section = doc.sections[0]
    _setup_page(section)
    _setup_header_footer(doc, section, draft=False)
    _title(doc, view.title)
    for part in view.parts:
        doc.add_paragraph(part.heading, style="Heading 1")
        for text in part.paragraphs:
            _body_paragraph(doc, text)
        for block in part.blocks:
            if isinstance(block, Table):
                _table(doc, block)
                continue
            doc.add_paragraph(style="Normal").alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture = doc.paragraphs[-1]
            picture.add_run().add_picture(
                io.BytesIO(to_png(layout(block.chart, CHART_WIDTH))), width=Mm(L.text_width_mm)
            )
            doc.add_paragraph(block.caption, style="Caption")
    _signoff(doc, view.author, view.date)
    return doc


def render_annual_docx(view: AnnualView) -> bytes:
    buffer = io.BytesIO()
    _build(view).save(buffer)
    return buffer.getvalue()


FORMATS = {
    "html": lambda v: render_annual_html(v).encode("utf-8"),
    "pdf": render_annual_pdf,
    "docx": render_annual_docx,
}


def render_annual(view: AnnualView, fmt: str) -> bytes:
    """`fmt` is html, pdf or docx."""
    return FORMATS[fmt](view)
