"""The investigation report (SPEC R9, plan §5.2) as Markdown, HTML, PDF or Word."""

from __future__ import annotations

from collections.abc import Callable

from documents import report_view
from documents.docx_report import render_report_docx
from documents.model import InvestigationReport
from documents.pdf import html_to_pdf
from documents.templating import render

__all__ = [
    "FORMATS",
    "render_report",
    "render_report_docx",
    "render_report_html",
    "render_report_markdown",
    "render_report_pdf",
]


def render_report_markdown(report: InvestigationReport) -> str:
    """Plain Markdown, for review in a browser or a merge request."""
    return render("report.md.j2", view=report_view.build(report))


def render_report_html(report: InvestigationReport) -> str:
    """Self-contained HTML for a browser; printing it gives the same layout as the PDF."""
    return render("report.html.j2", view=report_view.build(report))


def render_report_pdf(report: InvestigationReport) -> bytes:
    """An A4 PDF on the GB/T 9704 page with the free stand-in fonts embedded."""
    return html_to_pdf(render("report.html.j2", for_print=True, view=report_view.build(report)))


FORMATS: dict[str, Callable[[InvestigationReport], bytes]] = {
    "md": lambda r: render_report_markdown(r).encode("utf-8"),
    "html": lambda r: render_report_html(r).encode("utf-8"),
    "docx": render_report_docx,
    "pdf": render_report_pdf,
}
"""The ``--format`` values of ``python main.py report`` (SPEC §5) and their renderers."""


def render_report(report: InvestigationReport, fmt: str) -> bytes:
    """Render ``report`` as ``fmt`` (md, html, docx or pdf); text formats come back as UTF-8."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        allowed = "|".join(FORMATS)
        raise ValueError(f"unknown report format {fmt!r}; expected one of {allowed}") from None
    return renderer(report)
