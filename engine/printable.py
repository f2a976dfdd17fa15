"""A notice the engine sent, as a printable official document (GB/T 9704 form, `documents`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from documents import OfficialDocument
from engine.models import Incident, Notice
from engine.notices import NoticeRenderer
from engine.plan import Plan
from engine.timeutil import as_utc

# II and I activations and the request to the city HQ are "立即" matters (§4.1.2, §4.1.3).
URGENT_KINDS = frozenset({"activation_II", "activation_I", "city_request"})


def official_notice(plan: Plan, incident: Incident, notice: Notice) -> OfficialDocument:
    """The notice's text as issued (its snapshot, not the incident as it is now) in 公文 form:
    发文字号 from the plan's prefix, the year and the notice number; the salutation line becomes
    the 主送机关."""
    rendered = NoticeRenderer(plan).issued(notice, incident, mark_drill=False)
    lines = [line for line in rendered.body.splitlines() if line.strip()]
    if lines and lines[0].endswith("："):
        lines = lines[1:]
    sent = as_utc(notice.sent_at).astimezone(ZoneInfo(plan.plan.timezone))
    return OfficialDocument(
        issuer=plan.plan.issuer,
        doc_number=f"{plan.plan.notice_prefix}〔{sent.year}〕{notice.id}号",
        title=rendered.subject, addressees=[plan.actor_name(notice.unit)], paragraphs=lines,
        signature=plan.plan.issuer, date=sent.date(), drill=incident.drill,
        urgency="特急" if notice.kind in URGENT_KINDS else None)
