"""Printable documents of Fang'an: GB/T 9704 notices and the §5.2 investigation report.

Pure rendering: callers pass the frozen dataclasses of :mod:`documents.model` and get text or
bytes back; nothing here reads the database or the clock.
"""

from documents.model import (
    Casualties,
    DeadlineRecord,
    DeadlineStatus,
    EmergencyMeasure,
    IncidentSummary,
    InvestigationMember,
    InvestigationReport,
    OfficialDocument,
    SectionSpec,
    TimelineEntry,
)
from documents.notice import render_notice_html, render_notice_pdf
from documents.report import (
    render_report,
    render_report_docx,
    render_report_html,
    render_report_markdown,
    render_report_pdf,
)

__all__ = [
    "Casualties",
    "DeadlineRecord",
    "DeadlineStatus",
    "EmergencyMeasure",
    "IncidentSummary",
    "InvestigationMember",
    "InvestigationReport",
    "OfficialDocument",
    "SectionSpec",
    "TimelineEntry",
    "render_notice_html",
    "render_notice_pdf",
    "render_report",
    "render_report_docx",
    "render_report_html",
    "render_report_markdown",
    "render_report_pdf",
]
