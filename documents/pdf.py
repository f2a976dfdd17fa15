"""HTML → PDF through WeasyPrint, imported lazily.

WeasyPrint needs Pango from the system; importing it only here keeps the Markdown, HTML and
Word renderers usable on a host without it.
"""

from __future__ import annotations

from documents.templating import TEMPLATE_DIR

__all__ = ["html_to_pdf"]


def html_to_pdf(html: str) -> bytes:
    """Lay out ``html`` (a print-mode document) and return the PDF with its fonts embedded."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    pdf = HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf(font_config=FontConfiguration())
    if not isinstance(
        pdf, bytes
    ):  # pragma: no cover - write_pdf returns bytes when given no target
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf
