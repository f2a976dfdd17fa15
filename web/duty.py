"""The duty desk on the web (§3.5 值班制度): the call log and the roster with handovers, as REST
routes under /api and console pages (/calls, /duty). Each acts as the logged-in account: a
handover is confirmed by the officer whose account it is, never on someone else's behalf."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from engine.errors import FanganError, InvalidInput
from web.accounts import Principal
from web.api import ERRORS, STATUS, BoundedRoute, RowId, User_, service_of
from web.console import checked_form, current, flash, refusal_text, render, run_once, text
from web.forms import local_instant
from web.scope import check_incident, check_street
from workflows.housing_safety import words
from workflows.housing_safety.duty import DutyDesk

Json = Annotated[dict[str, Any], Body()]
CALL_TEXT = (
    "caller_unit",
    "caller_name",
    "caller_position",
    "caller_phone",
    "place",
    "content",
    "recorder",
    "instruction",
    "handling",
)


def desk_of(request: Request) -> DutyDesk:
    return DutyDesk(service_of(request))


def _field(body: dict[str, Any], name: str) -> Any:
    if name not in body:
        raise InvalidInput(f"{name}: required")
    return body[name]


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name}: must be a whole number")
    return value


api = APIRouter(prefix="/api", tags=["duty"], responses=ERRORS, route_class=BoundedRoute)


@api.post("/calls", status_code=201)
def log_call(body: Json, who: User_, request: Request) -> dict[str, Any]:
    """Log a call of the duty telephone book (值班电话记录)."""
    return desk_of(request).log_call(body, by=who.username)


@api.get("/calls")
def list_calls(
    _: User_,
    request: Request,
    q: Annotated[str, Query(max_length=200, description="Words in caller, place, content")] = "",
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, Any]]:
    """The call log, newest first."""
    return desk_of(request).calls(q, status)


@api.get("/calls/{call_id}")
def show_call(call_id: RowId, _: User_, request: Request) -> dict[str, Any]:
    return desk_of(request).call(call_id)


@api.post("/calls/{call_id}/attach")
def attach_call(call_id: RowId, body: Json, who: User_, request: Request) -> dict[str, Any]:
    """{"incident_id"}: the call is about this open incident."""
    incident = _int(_field(body, "incident_id"), "incident_id")
    check_incident(service_of(request), who, incident)
    return desk_of(request).attach_call(call_id, incident, by=who.username)


@api.post("/calls/{call_id}/open", status_code=201)
def open_from_call(call_id: RowId, body: Json, who: User_, request: Request) -> dict[str, Any]:
    """Open an incident prefilled from the call, logged as the caller's unit; the incident."""
    _check_open_street(request, who, call_id, body.get("street"))
    return desk_of(request).open_incident(call_id, body, by=who.username, actor=who.unit)


def _check_open_street(request: Request, who: Principal, call_id: int, given: object) -> None:
    """A street office opens incidents of its own street only (the call's, or the one given)."""
    if who.street is not None:
        check_street(who, given or desk_of(request).call(call_id)["street"])


@api.post("/calls/{call_id}/close")
def close_call(call_id: RowId, body: Json, who: User_, request: Request) -> dict[str, Any]:
    """{"reason"}: the call needs no incident."""
    return desk_of(request).close_call(call_id, _field(body, "reason"), by=who.username)


@api.post("/calls/{call_id}/handling")
def record_handling(call_id: RowId, body: Json, _: User_, request: Request) -> dict[str, Any]:
    """{"instruction"?, "handling"?}: a leader's instruction (领导批示) and how it was handled."""
    return desk_of(request).record_handling(call_id, body)


@api.post("/shifts", status_code=201)
def add_shift(body: Json, who: User_, request: Request) -> dict[str, Any]:
    """{"starts_at", "ends_at", "leader", "officers": [account names]}."""
    return desk_of(request).add_shift(body, by=who.username)


@api.get("/shifts")
def list_shifts(_: User_, request: Request) -> list[dict[str, Any]]:
    return desk_of(request).shifts()


@api.post("/handovers", status_code=201)
def build_handover(body: Json, who: User_, request: Request) -> dict[str, Any]:
    """{"from_shift", "to_shift", "note"?}: the sheet from the record as it stands now."""
    return desk_of(request).build_handover(
        _int(_field(body, "from_shift"), "from_shift"),
        _int(_field(body, "to_shift"), "to_shift"),
        body.get("note", ""),
        by=who.username,
    )


@api.get("/handovers/{handover_id}")
def show_handover(handover_id: RowId, _: User_, request: Request) -> dict[str, Any]:
    return desk_of(request).handover(handover_id)


@api.get("/handovers/{handover_id}/document")
def handover_document(
    handover_id: RowId,
    _: User_,
    request: Request,
    format: Annotated[str, Query(max_length=8)] = "pdf",
) -> Response:
    """The sheet as printed: ?format=pdf (default) or html."""
    return _document(request, handover_id, format)


def _document(request: Request, handover_id: int, fmt: str) -> Response:
    content = desk_of(request).handover_document(handover_id, fmt)
    media = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'inline; filename="handover-{handover_id}.{fmt}"'},
    )


@api.post("/handovers/{handover_id}/confirm")
def confirm_handover(
    handover_id: RowId, body: Json, who: User_, request: Request
) -> dict[str, Any]:
    """{"side": "outgoing" | "incoming"}: confirmed as the caller's own account."""
    side = _field(body, "side")
    if not isinstance(side, str):
        raise InvalidInput("side: must be outgoing or incoming")
    return desk_of(request).confirm_handover(handover_id, side, who.username)


# -- console ---------------------------------------------------------------------------------

pages = APIRouter(include_in_schema=False)


def _calls_page(
    request: Request,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    query, status = request.query_params.get("q", ""), request.query_params.get("status")
    desk = desk_of(request)
    open_incidents = service_of(request).list_incidents(include_closed=False)
    return render(
        request,
        "calls.html",
        {
            "calls": desk.calls(query, status if status in words.CALL_STATUS else None),
            "q": query,
            "status": status,
            "values": values or {},
            "error": error,
            "idem": uuid.uuid4().hex,
            "CALL_STATUS": words.CALL_STATUS,
            "F": words.CALL_FIELDS,
            "open_incidents": open_incidents,
        },
        status_code=status_code,
    )


@pages.get("/calls")
def calls_page(request: Request) -> HTMLResponse:
    current(request)
    return _calls_page(request)


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(service_of(request).plan.plan.timezone)


@pages.post("/calls")
async def log_call_page(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    data: dict[str, Any] = {name: text(form, name) for name in CALL_TEXT}
    try:
        data["street"] = text(form, "street") or None
        data["received_at"] = local_instant(
            text(form, "received_at"), _zone(request), "received_at"
        )
        call, _ = run_once(
            request,
            who,
            form,
            lambda: desk_of(request).log_call(
                {k: v for k, v in data.items() if v is not None}, by=who.username
            ),
        )
    except FanganError as exc:
        return _calls_page(request, dict(form), refusal_text(exc), STATUS.get(exc.code, 400))
    flash(request, "ok", f"已登记来电第{call['id']}号")
    return RedirectResponse("/calls", status_code=303)


@pages.post("/calls/{call_id}/{how}")
async def settle_call_page(call_id: int, how: str, request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    desk = desk_of(request)
    try:
        if how == "attach":
            incident = text(form, "incident_id")
            if not incident.isdigit():
                raise InvalidInput("incident_id: 请选择要并入的事件")
            check_incident(service_of(request), who, int(incident))
            desk.attach_call(call_id, int(incident), by=who.username)
            message = f"来电第{call_id}号已并入事件 #{incident}"
        elif how == "open":
            _check_open_street(request, who, call_id, text(form, "street"))
            opened = desk.open_incident(
                call_id,
                {
                    "condition": text(form, "condition"),
                    **({"street": text(form, "street")} if text(form, "street") else {}),
                },
                by=who.username,
                actor=who.unit,
            )
            flash(request, "ok", f"已由来电第{call_id}号立事件 #{opened['id']}")
            return RedirectResponse(f"/incidents/{opened['id']}", status_code=303)
        elif how == "handling":
            desk.record_handling(
                call_id,
                {k: text(form, k) for k in ("instruction", "handling") if text(form, k)},
            )
            message = f"来电第{call_id}号的批示与处理情况已记录"
        elif how == "close":
            desk.close_call(call_id, text(form, "reason"), by=who.username)
            message = f"来电第{call_id}号已办结"
        else:
            raise InvalidInput(f"how: unknown ({how})")
    except FanganError as exc:
        return _calls_page(request, None, refusal_text(exc, request), STATUS.get(exc.code, 400))
    flash(request, "ok", message)
    return RedirectResponse("/calls", status_code=303)


def _duty_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    desk = desk_of(request)
    return render(
        request,
        "duty.html",
        {
            "shifts": desk.shifts(),
            "handovers": desk.handovers(),
            "error": error,
            "idem": uuid.uuid4().hex,
            "SECTIONS": words.HANDOVER_SECTIONS,
        },
        status_code=status_code,
    )


@pages.get("/duty")
def duty_page(request: Request) -> Response:
    current(request)
    return _duty_page(request)


@pages.post("/duty/shifts")
async def add_shift_page(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    zone = _zone(request)
    try:
        officers = text(form, "officers").replace("，", ",").split(",")
        data = {
            "starts_at": local_instant(text(form, "starts_at"), zone, "starts_at"),
            "ends_at": local_instant(text(form, "ends_at"), zone, "ends_at"),
            "leader": text(form, "leader"),
            "officers": [o.strip() for o in officers if o.strip()],
        }
        run_once(request, who, form, lambda: desk_of(request).add_shift(data, by=who.username))
    except FanganError as exc:
        return _duty_page(request, refusal_text(exc), STATUS.get(exc.code, 400))
    flash(request, "ok", "已加入值班表")
    return RedirectResponse("/duty", status_code=303)


def _shift_id(form: FormData, name: str) -> int:
    value = text(form, name)
    if not value.isdigit():
        raise InvalidInput(f"{name}: 请选择班次")
    return int(value)


@pages.post("/duty/handovers")
async def build_handover_page(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    try:
        built, _ = run_once(
            request,
            who,
            form,
            lambda: desk_of(request).build_handover(
                _shift_id(form, "from_shift"),
                _shift_id(form, "to_shift"),
                text(form, "note"),
                by=who.username,
            ),
        )
    except FanganError as exc:
        return _duty_page(request, refusal_text(exc), STATUS.get(exc.code, 400))
    return RedirectResponse(f"/duty/handovers/{built['id']}", status_code=303)


def _sheet_page(
    request: Request,
    who: Principal,
    handover_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    handover = desk_of(request).handover(handover_id)
    return render(
        request,
        "handover.html",
        {"h": handover, "SECTIONS": words.HANDOVER_SECTIONS, "error": error, "me": who.username},
        status_code=status_code,
    )


@pages.get("/duty/handovers/{handover_id}.pdf")
def handover_pdf(handover_id: int, request: Request) -> Response:
    current(request)
    return _document(request, handover_id, "pdf")


@pages.get("/duty/handovers/{handover_id}")
def handover_page(handover_id: int, request: Request) -> Response:
    return _sheet_page(request, current(request), handover_id)


@pages.post("/duty/handovers/{handover_id}/confirm")
async def confirm_handover_page(handover_id: int, request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    side = text(form, "side")
    try:
        desk_of(request).confirm_handover(handover_id, side, who.username)
    except FanganError as exc:
        return _sheet_page(request, who, handover_id, refusal_text(exc), STATUS.get(exc.code, 400))
    flash(request, "ok", "已确认交班" if side == "outgoing" else "已确认接班")
    return RedirectResponse(f"/duty/handovers/{handover_id}", status_code=303)


# -- likely duplicates on the report form (R11) -------------------------------------------


def _report_facts(request: Request, form: FormData) -> dict[str, Any] | None:
    """What the duplicate search needs from the half-filled report form, or None while the
    street or the address is still missing (or the street is not this account's)."""
    service = service_of(request)
    street, address = text(form, "street"), text(form, "address")
    if street not in service.plan.streets.items or not address:
        return None
    who = current(request)
    if who.street is not None and street != who.street:
        return None
    condition = text(form, "condition")
    if condition not in service.plan.conditions:  # the search does not depend on it
        condition = next(iter(service.plan.conditions))
    return {
        "street": street,
        "address": address[:500],
        "condition": condition,
        "discovered_at": service.now().isoformat(),
        "drill": bool(form.get("drill")),
    }


@pages.post("/fragments/duplicates")
async def duplicates_fragment(request: Request) -> HTMLResponse:
    """The open incidents the report being typed is likely a duplicate of, before it is
    logged (htmx, as the street and address are filled in); nothing is recorded."""
    current(request)
    form = await checked_form(request)
    facts = _report_facts(request, form)
    found = [] if facts is None else service_of(request).duplicates(facts)
    return render(request, "_duplicates.html", {"dupes": found})


@pages.post("/report/attach/{incident_id}")
async def attach_report(incident_id: int, request: Request) -> Response:
    """The report is about an incident already open: it is logged as a call (值班电话记录) and
    attached to that incident, in one transaction, instead of opening a second incident."""
    who = current(request)
    form = await checked_form(request)
    check_incident(service_of(request), who, incident_id)
    labels = service_of(request).plan.conditions.get(text(form, "condition"))
    content = text(form, "description") or "接报：" + " ".join(
        p for p in ((labels.name if labels else ""), text(form, "address")) if p
    )
    data = {
        "street": text(form, "street") or None,
        "place": text(form, "address"),
        "content": content,
        "caller_name": text(form, "reporter")[:100],
        "recorder": who.display_name,
    }
    try:
        desk_of(request).log_and_attach(data, incident_id, by=who.username)
    except FanganError as exc:
        flash(request, "error", f"未能并入事件 #{incident_id}。{refusal_text(exc, request)}")
        return RedirectResponse("/report", status_code=303)
    flash(request, "ok", f"已作为来电记录并入事件 #{incident_id}，未另行登记事件")
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


router = APIRouter()
router.include_router(api)
router.include_router(pages)
