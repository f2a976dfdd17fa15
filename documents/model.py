"""Plain, immutable input data for the renderers.

The documents package never touches the database: the engine (or a test) builds these frozen
dataclasses and hands them over, so a document can be rendered, compared and archived without
any state behind it. Sequences given as lists are stored as tuples so that a rendered document
cannot change because a caller mutated its list afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from math import ceil
from types import MappingProxyType

from documents.formatting import ensure_aware, to_yuan
from documents.text import tidy

__all__ = [
    "DRILL_MARK",
    "URGENCY_LEVELS",
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
]

DRILL_MARK = "【演练】"
"""Every drill document carries this mark (SPEC R10, plan §7.2) so nobody acts on it for real."""
DRILL_LINE = "本通知为应急演练，非真实事件。"
"""The first line of a drill's message, after the mark."""
UNREGISTERED = "通讯录未登记"
"""What a form prints for a contact the directory does not hold (filled in by hand)."""


def note_line(person: str | None, phone: str | None) -> str:
    """附注 (GB/T 9704 §7.3.7): the issuing office's duty contact."""
    return f"联系人：{person or UNREGISTERED}，联系电话：{phone or UNREGISTERED}"


URGENT = "特急"
"""紧急程度 of the notices the directory lists as urgent (GB/T 9704 §7.2.2)."""


def doc_number(prefix: str, year: int, serial: int) -> str:
    """发文字号 (GB/T 9704 §7.2.4): 机关代字〔年份〕序号号."""
    return f"{prefix}〔{year}〕{serial}号"


def office_of(issuer: str) -> str:
    """印发机关 (§7.4.2): the issuer's office prints and sends the document."""
    return f"{issuer}办公室"


URGENCY_LEVELS = frozenset({"特提", "特急", "加急", "平急"})
"""紧急程度 values allowed by GB/T 9704-2012 §7.2.2 (the last two apply to telegrams only)."""


def _freeze(obj: object, *names: str) -> None:
    """Store the named sequence fields as tuples (frozen dataclasses need object.__setattr__)."""
    for name in names:
        object.__setattr__(obj, name, tuple(getattr(obj, name)))


def _require_text(value: str, name: str) -> None:
    if not value or not value.strip():
        raise ValueError(f"{name} must not be empty")


def with_drill_mark(title: str, drill: bool) -> str:
    """The title as printed: drills get 【演练】 in front, exactly once."""
    if drill and not title.startswith(DRILL_MARK):
        return f"{DRILL_MARK}{title}"
    return title


@dataclass(frozen=True)
class OfficialDocument:
    """A 公文 (notice) laid out per GB/T 9704-2012; field names follow the standard's elements.

    One document may go to several units: they are all in ``addressees`` and share its
    ``doc_number``. Text fields pass through :func:`documents.text.tidy` so that no caller's
    stray space or doubled stop reaches the page.
    """

    issuer: str
    """发文机关: the plan's issuing body (its HQ)."""
    doc_number: str
    """发文字号, e.g. 阳房应〔2026〕3号: one per document, whatever the number of addressees."""
    title: str
    """May contain ``\n`` to choose where a long title breaks; otherwise it is balanced.
    Names no addressee: those are the 主送机关."""
    addressees: Sequence[str]
    """主送机关, printed joined by 、 and closed with a full-width colon."""
    paragraphs: Sequence[str]
    signature: str
    """落款 (发文机关署名)."""
    date: dt.date
    """成文日期."""
    drill: bool = False
    copy_to: Sequence[str] = ()
    """抄送机关 in the 版记."""
    urgency: str | None = None
    """紧急程度 (特急/加急), printed top-left of the 版心."""
    printed_by: str | None = None
    """印发机关 in the 版记; the line is left out when None."""
    printed_on: dt.date | None = None
    """印发日期; defaults to the 成文日期."""
    signer: str | None = None
    """签发人, set on a document to a superior body (上行文, §7.2.5): it moves the 发文字号 left
    and prints 签发人：<name> on the right of the same line."""
    note: str | None = None
    """附注 (§7.3.6), e.g. the contact person and phone; printed in brackets under the date."""

    def __post_init__(self) -> None:
        for name in ("title", "signature", "note", "signer"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tidy(value))
        object.__setattr__(self, "paragraphs", tuple(tidy(p) for p in self.paragraphs))
        _freeze(self, "addressees", "copy_to")
        for name in ("issuer", "doc_number", "title", "signature"):
            _require_text(getattr(self, name), name)
        if not self.paragraphs:
            raise ValueError("a notice needs at least one body paragraph")
        if self.urgency is not None and self.urgency not in URGENCY_LEVELS:
            allowed = "、".join(sorted(URGENCY_LEVELS))
            raise ValueError(f"urgency must be one of {allowed}, got {self.urgency!r}")
        if self.signer is not None:
            _require_text(self.signer, "signer")

    @property
    def display_title(self) -> str:
        return with_drill_mark(self.title, self.drill)


@dataclass(frozen=True)
class SectionSpec:
    """One part of an investigation report (plan §5.2), as the caller's plan configuration names it.

    The documents package holds no plan text: the caller passes the parts, in order, with their
    keys and headings (the engine takes them from ``investigation.report_sections.items``).
    """

    key: str
    heading: str

    def __post_init__(self) -> None:
        _require_text(self.key, "section key")
        _require_text(self.heading, f"heading of section {self.key}")


class DeadlineStatus(StrEnum):
    """Deadline states as the engine reports them (SPEC R3)."""

    PENDING = "pending"
    MET = "met"
    OVERDUE = "overdue"
    MET_LATE = "met_late"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    DeadlineStatus.PENDING: "待办",
    DeadlineStatus.MET: "已按时完成",
    DeadlineStatus.OVERDUE: "已逾期",
    DeadlineStatus.MET_LATE: "逾期完成",
}


@dataclass(frozen=True)
class DeadlineRecord:
    """A reporting deadline and how it was kept (plan §4.2)."""

    code: str
    due_at: dt.datetime
    status: DeadlineStatus
    met_at: dt.datetime | None = None
    name: str = field(kw_only=True)
    """Chinese name, from the caller's plan configuration (e.g. ``deadlines.<code>.name``)."""
    backfilled: bool = field(default=False, kw_only=True)
    """补录: met on time by its effective time, but recorded after its overdue alerts went out."""

    def __post_init__(self) -> None:
        _require_text(self.name, f"name of deadline {self.code}")
        ensure_aware(self.due_at, "due_at")
        object.__setattr__(self, "status", DeadlineStatus(self.status))
        done = self.status in (DeadlineStatus.MET, DeadlineStatus.MET_LATE)
        if done and self.met_at is None:
            raise ValueError(f"deadline {self.code} is {self.status} but has no met_at")
        if not done and self.met_at is not None:
            raise ValueError(f"deadline {self.code} is {self.status} but has a met_at")
        if self.met_at is not None:
            ensure_aware(self.met_at, "met_at")
        if self.backfilled and self.status != DeadlineStatus.MET:
            raise ValueError(f"deadline {self.code} is {self.status}: only a met one is 补录")

    @property
    def status_label(self) -> str:
        return self.status.label + ("（补录）" if self.backfilled else "")

    def lateness_minutes(self, as_of: dt.datetime | None) -> int | None:
        """Whole minutes late, rounded up so a late report never reads as 0; None if unknown.

        An open overdue deadline is measured up to ``as_of`` (the report's generation time).
        """
        if self.status is DeadlineStatus.PENDING:
            return None
        end = self.met_at if self.met_at is not None else as_of
        if end is None:
            return None
        return max(0, ceil((end - self.due_at).total_seconds() / 60))


@dataclass(frozen=True)
class IncidentSummary:
    """The incident facts printed at the head of a report."""

    address: str
    street: str
    """街道办事处, e.g. 鹦鹉街道."""
    condition_name: str
    """Chinese name of the condition, e.g. 局部倒塌、坍塌."""
    grade_name: str | None
    """一般/较大/重大/特别重大, or None for a hidden danger, which the plan does not grade."""
    response_level: str
    """District response level code: I, II or III."""
    discovered_at: dt.datetime
    reported_at: dt.datetime
    drill: bool = False

    def __post_init__(self) -> None:
        ensure_aware(self.discovered_at, "discovered_at")
        ensure_aware(self.reported_at, "reported_at")
        if self.response_level not in ("I", "II", "III"):
            raise ValueError(f"response_level must be I, II or III, got {self.response_level!r}")


@dataclass(frozen=True)
class Casualties:
    """死亡、失踪、受伤 and 直接经济损失 (plan §5.2 part three); None where nobody knows yet."""

    dead: int | None = 0
    missing: int | None = 0
    injured: int | None = 0
    direct_loss_yuan: Decimal | None = Decimal(0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "direct_loss_yuan", to_yuan(self.direct_loss_yuan))
        for name in ("dead", "missing", "injured", "direct_loss_yuan"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")

    @property
    def dead_and_missing(self) -> int | None:
        """死亡（含失踪）; unknown unless both are known."""
        if self.dead is None or self.missing is None:
            return None
        return self.dead + self.missing


@dataclass(frozen=True)
class EmergencyMeasure:
    """An emergency power used on site (plan §2.2.1 item 2), e.g. 切断电力、燃气输送."""

    measure: str
    detail: str = ""
    at: dt.datetime | None = None
    unit: str = ""
    """The unit that carried it out."""

    def __post_init__(self) -> None:
        if self.at is not None:
            ensure_aware(self.at, "at")


@dataclass(frozen=True)
class InfoReportRecord:
    """An information report made (首报, 续报一 …, 终报): its title, when, to whom, how."""

    title: str
    at: dt.datetime
    recipient: str
    channel: str = ""

    def __post_init__(self) -> None:
        ensure_aware(self.at, "at")


@dataclass(frozen=True)
class InvestigationMember:
    """A member of the investigation group (plan §5.1)."""

    name: str
    unit: str
    role: str = "成员"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline appendix."""

    at: dt.datetime
    actor: str
    description: str
    on_duty: str = ""
    """Who was on duty when it happened ('' when the roster had no shift then)."""

    def __post_init__(self) -> None:
        ensure_aware(self.at, "at")


@dataclass(frozen=True)
class InvestigationReport:
    """The written investigation report of plan §5.2 (SPEC R9).

    ``parts`` are the report's parts in print order, as the caller's plan defines them (the
    six of §5.2); ``sections`` maps their keys to paragraphs. A draft may leave parts empty
    (they print as 待补充); a final report must have every part, as R9 refuses to close an
    incident whose report lacks one.
    """

    title: str
    """May contain ``\n`` to choose where a long title breaks; otherwise it is balanced."""
    summary: IncidentSummary
    sections: Mapping[str, Sequence[str]]
    parts: Sequence[SectionSpec]
    """The report's parts in print order (key and heading), from the caller's plan."""
    casualties: Casualties
    deadlines: Sequence[DeadlineRecord] = ()
    measures: Sequence[EmergencyMeasure] = ()
    info_reports: Sequence[InfoReportRecord] = ()
    """The information reports made, in the order made (§4.2)."""
    members: Sequence[InvestigationMember] = ()
    timeline: Sequence[TimelineEntry] = ()
    draft: bool = False
    author: str = "事件调查组"
    date: dt.date | None = None
    """Date printed under the author; None leaves it out (typical of a draft)."""
    generated_at: dt.datetime | None = None
    """When the data was taken; open overdue deadlines are measured up to this instant."""

    def __post_init__(self) -> None:
        _require_text(self.title, "title")
        _freeze(self, "parts", "deadlines", "measures", "info_reports", "members", "timeline")
        if not self.parts:
            raise ValueError("a report needs at least one part")
        keys = [p.key for p in self.parts]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"report part(s) given twice: {', '.join(repeated)}")
        unknown = set(self.sections) - set(keys)
        if unknown:
            raise ValueError(f"unknown report section(s): {', '.join(sorted(unknown))}")
        frozen = {p.key: tuple(self.sections.get(p.key, ())) for p in self.parts}
        object.__setattr__(self, "sections", MappingProxyType(frozen))
        if self.generated_at is not None:
            ensure_aware(self.generated_at, "generated_at")
        missing = [p.heading for p in self.parts if not any(t.strip() for t in frozen[p.key])]
        if missing and not self.draft:
            raise ValueError(
                f"a final report needs all {len(self.parts)} parts; missing: {'；'.join(missing)}"
            )

    @property
    def display_title(self) -> str:
        return with_drill_mark(self.title, self.summary.drill)
