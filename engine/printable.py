"""A notice the engine sent, as a printable official document (GB/T 9704 form, `documents`).

One issuing act (the same kind of notice, sent at the same instant) is one document: every unit
it went to is an addressee and all of them share its document number. What the form needs beyond
the notice text (the note's contact, the signer, who is copied) comes from the plan and the
contact directory and is passed in as :class:`documents.OfficialDocument` fields; the form's own
words are the documents package's.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from documents import OfficialDocument
from documents.formatting import UNKNOWN
from documents.model import URGENT, doc_number, note_line, office_of
from engine.contacts import Directory
from engine.models import Incident, Notice
from engine.notices import NoticeRenderer, Rendered
from engine.plan import Plan
from engine.timeutil import as_utc


def same_document(notice: Notice, others: Sequence[Notice]) -> list[Notice]:
    """The notices issued with ``notice`` as one document: same kind, same instant."""
    sent = as_utc(notice.sent_at)
    return [
        n
        for n in others
        if n.incident_id == notice.incident_id
        and n.kind == notice.kind
        and as_utc(n.sent_at) == sent
    ]


def document_number(plan: Plan, notice: Notice, document: Sequence[Notice]) -> str:
    """The document number (GB/T 9704 §7.2.4): the plan's prefix, the year and a serial shared
    by the whole document; the serial is its first notice row, so it is unique and stable."""
    year = as_utc(notice.sent_at).astimezone(ZoneInfo(plan.plan.timezone)).year
    serial = min(n.id for n in document if n.id is not None)
    return doc_number(plan.plan.notice_prefix, year, serial)


def notice_text(plan: Plan, incident: Incident, notice: Notice) -> Rendered:
    """What the notice said when it was issued (its snapshot, not the incident as it is now),
    without the drill marks the printed form places itself."""
    return NoticeRenderer(plan).issued(notice, incident, mark_drill=False)


def _title(subject: str, unit_name: str) -> str:
    """The subject without the recipient that a message subject names: the addressees say who."""
    suffix = f"（{unit_name}）"
    return subject[: -len(suffix)] if subject.endswith(suffix) else subject


def _note(directory: Directory) -> str:
    """The note: the issuing office's duty contact, from its own directory entry."""
    entry = directory.contacts.get(directory.documents.office)
    return note_line(entry.name if entry else None, entry.phone if entry else None)


def _signer(directory: Directory, acting_person: str | None) -> str:
    """The signer: who acted for the signing body when the document went out, else the name in
    its directory entry, else marked unknown (it is filled in by hand before sending)."""
    entry = directory.contacts.get(directory.documents.signer_from)
    return acting_person or (entry.name if entry else None) or UNKNOWN


def official_notice(
    plan: Plan,
    directory: Directory,
    incident: Incident,
    notice: Notice,
    others: Sequence[Notice],
    acting_person: str | None = None,
) -> OfficialDocument:
    """The notice in official-document form. ``others`` are the incident's notices (the
    document's other recipients are among them); ``acting_person`` is who acted for the signing
    body at that instant."""
    document = same_document(notice, others) or [notice]
    names = list(
        dict.fromkeys(plan.actor_name(n.unit) for n in sorted(document, key=lambda n: n.id or 0))
    )
    rendered = notice_text(plan, incident, notice)
    lines = [line for line in rendered.body.splitlines() if line.strip()]
    if lines and lines[0].endswith("："):
        lines = lines[1:]
    sent = as_utc(notice.sent_at).astimezone(ZoneInfo(plan.plan.timezone))
    return OfficialDocument(
        issuer=plan.plan.issuer,
        doc_number=document_number(plan, notice, document),
        title=_title(rendered.subject, plan.actor_name(notice.unit)),
        addressees=names,
        paragraphs=lines,
        signature=plan.plan.issuer,
        date=sent.date(),
        drill=incident.drill,
        urgency=URGENT if notice.kind in directory.documents.urgent_kinds else None,
        copy_to=[
            plan.actor_name(c)
            for c in directory.documents.copy_to
            if plan.actor_name(c) not in names
        ],
        printed_by=office_of(plan.plan.issuer),
        printed_on=sent.date(),
        signer=(
            _signer(directory, acting_person)
            if notice.kind in directory.documents.upward_kinds
            else None
        ),
        note=_note(directory),
    )
