"""The page a signed acknowledgement link opens: a unit confirms its notice without a login.

GET only shows the notice and a button (mail scanners follow links; they must not acknowledge);
POST acknowledges. The signed, expiring token is the credential, so no session or CSRF token is
involved.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from engine.errors import FanganError
from web.api import service_of
from web.console import render

router = APIRouter(include_in_schema=False)

LINK_PROBLEM = "此确认链接无效或已过期。请直接联系值班室（区房管局）确认收到通知。"


@router.get("/ack/{token}", response_class=HTMLResponse)
def ack_page(request: Request, token: str) -> HTMLResponse:
    try:
        notice = service_of(request).ack_link_notice(token)
    except FanganError:
        return render(request, "error.html", {"status": "链接不可用", "message": LINK_PROBLEM},
                      status_code=410)
    return render(request, "ack.html", {"token": token, "notice": notice, "done": False})


@router.post("/ack/{token}", response_class=HTMLResponse)
def ack_confirm(request: Request, token: str,
                person: Annotated[str, Form(max_length=100)] = "") -> HTMLResponse:
    service = service_of(request)
    try:
        notice = service.ack_link_notice(token)
        if notice["status"] != "acknowledged":
            service.acknowledge_link(token, person=person.strip() or None)
    except FanganError:
        return render(request, "error.html", {"status": "链接不可用", "message": LINK_PROBLEM},
                      status_code=410)
    return render(request, "ack.html", {"token": token, "notice": notice, "done": True})
