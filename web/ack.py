"""The page a signed acknowledgement link opens: a unit confirms its notice without a login.

GET shows what the notice said, the unit's duties and the duty room's phone, and a button (mail
scanners follow links; they must not acknowledge); POST acknowledges. The signed, expiring
token is the credential, so no session or CSRF token is involved.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from documents.model import UNREGISTERED
from engine.errors import FanganError, Forbidden
from engine.models import Incident, Notice
from engine.service import IncidentService
from web.api import service_of
from web.auth import session_user
from web.console import refusal_text, render
from web.scope import check_incident

router = APIRouter(include_in_schema=False)


def duty_room(service: IncidentService) -> dict[str, str]:
    """Whom a unit rings about a notice: the office that answers for notices (the directory's
    `documents.office`, the 附注 of every notice), with its phone, or 通讯录未登记."""
    office = service.directory.documents.office
    entry = service.directory.contacts.get(office)
    return {
        "name": (entry.name if entry else None) or service.plan.actor_name(office),
        "phone": (entry.phone if entry else None) or UNREGISTERED,
    }


def link_problem(service: IncidentService) -> str:
    room = duty_room(service)
    return (
        f"此确认链接无效或已过期。请直接致电{room['name']}（电话：{room['phone']}）确认收到通知。"
    )


def notice_text(service: IncidentService, token: str) -> dict[str, Any]:
    """What the notice said when issued and the duties it quoted (its snapshot)."""
    claim = service.ack_links.verify(token, service.now())
    with service.reading() as session:
        notice = session.get(Notice, claim.notice_id)
        incident = session.get(Incident, claim.incident_id)
        assert notice is not None and incident is not None  # ack_link_notice checked both
        text = service.outbox.renderer.issued(notice, incident)
        unit = (notice.snapshot or {}).get("unit") or {}
    actor = service.plan.actors.get(notice.unit)
    duties = unit.get("duties") or (actor.duties if actor else None)
    clause = unit.get("duties_clause") or (actor.duties_clause if actor else None)
    return {
        "subject": text.subject,
        "body": text.body,
        "duties": duties,
        "duties_clause": clause,
        "no_duty": service.plan.no_duty_text.text,
    }


def _page(request: Request, token: str, done: bool, person: str | None = None) -> HTMLResponse:
    service = service_of(request)
    try:
        notice = service.ack_link_notice(token)
        # The link is the credential; but a street office logged in here acknowledges only
        # its own street's notices (R11 scope): a link forwarded from another street is refused.
        check_incident(service, session_user(request), notice["incident_id"])
        if done and notice["status"] != "acknowledged":
            service.acknowledge_link(token, person=person)
        text = notice_text(service, token)
    except Forbidden as exc:
        return render(
            request,
            "error.html",
            {"status": 403, "message": refusal_text(exc, request)},
            status_code=403,
        )
    except FanganError:
        return render(
            request,
            "error.html",
            {"status": "链接不可用", "message": link_problem(service)},
            status_code=410,
        )
    return render(
        request,
        "ack.html",
        {"token": token, "notice": notice, "done": done, "text": text, "room": duty_room(service)},
    )


@router.get("/ack/{token}", response_class=HTMLResponse)
def ack_page(request: Request, token: str) -> HTMLResponse:
    return _page(request, token, done=False)


@router.post("/ack/{token}", response_class=HTMLResponse)
def ack_confirm(
    request: Request, token: str, person: Annotated[str, Form(max_length=100)] = ""
) -> HTMLResponse:
    return _page(request, token, done=True, person=person.strip() or None)
