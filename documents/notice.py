"""Official notices (公文) in the GB/T 9704-2012 layout, as HTML and PDF."""

from __future__ import annotations

from documents.model import OfficialDocument
from documents.pdf import html_to_pdf
from documents.templating import render

__all__ = ["render_notice_html", "render_notice_pdf"]

_TEMPLATE = "notice.html.j2"


def render_notice_html(doc: OfficialDocument) -> str:
    """Self-contained HTML for a browser; fonts name the official faces first."""
    return render(_TEMPLATE, doc=doc)


def render_notice_pdf(doc: OfficialDocument) -> bytes:
    """An A4 PDF with the free stand-in fonts embedded (see documents.fonts)."""
    return html_to_pdf(render(_TEMPLATE, for_print=True, doc=doc))
