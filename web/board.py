"""The read side of the console and the API: the storm board, the history page and
`GET /api/incidents`, all built from summary rows (`engine.summaries`), never whole views.

The board shows one lane per urgency (overdue, due soon, awaiting verification, active, drills
apart), each with its count and only its first rows; the rest of a lane is paged. The history
page finds any incident, closed, dismissed or merged ones too. Labels are Chinese here, at the
presentation edge; the engine gives codes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from engine.errors import FanganError, InvalidInput
from engine.models import Incident
from engine.plan import LEVELS
from engine.schemas import limit
from engine.service import IncidentService
from engine.summaries import LANES, ListQuery, Summaries, list_page
from engine.timeutil import parse_instant
from web import api
from web.api import CODE, service_of
from web.console import current, refusal_text, render
from web.scope import list_street

LANE_NAMES = {
    "overdue": "已超时",
    "due_soon": "即将到期",
    "awaiting": "待核实",
    "active": "处置中",
    "drills": "演练",
}
LANE_HINTS = {
    "overdue": "时限已过仍未完成",
    "due_soon": "时限将在提醒时段内到期",
    "awaiting": "已接报，等待现场核实",
    "active": "应急响应进行中，无临近时限",
    "drills": "演练事件，不计入真实统计",
}
LANE_ROWS = 6  # what fits a lane on a 1080-line wall screen; the rest is paged
HISTORY_ROWS = 50

router = APIRouter(responses=api.ERRORS)

Code = Annotated[str | None, Query(pattern=CODE, max_length=limit(Incident, "state"))]


def _instant(value: str | None, name: str) -> datetime | None:
    return None if value is None else parse_instant(value, name)


@router.get("/api/incidents", tags=["incidents"], responses=api.ERRORS)
def list_incidents(
    who: api.User_,
    service: api.Service,
    response: Response,
    state: Annotated[
        list[str] | None, Query(description="Only these states (repeat for more)", max_length=20)
    ] = None,
    open_only: Annotated[bool, Query(alias="open", description="Only open incidents")] = False,
    street: Code = None,
    level: Code = None,
    drill: Annotated[bool | None, Query(description="Only drills (true) or real (false)")] = None,
    overdue: Annotated[
        bool | None, Query(description="With (true) or without (false) an overdue deadline")
    ] = None,
    since: Annotated[
        str | None, Query(description="Reported at or after (ISO 8601)", max_length=40)
    ] = None,
    until: Annotated[
        str | None, Query(description="Reported before (ISO 8601)", max_length=40)
    ] = None,
    q: Annotated[
        str | None, Query(description="Text in address, description or reporter", max_length=200)
    ] = None,
    order: Annotated[
        str,
        Query(
            description="'newest' first, or 'urgency': drills last, then soonest due", max_length=16
        ),
    ] = "newest",
    limit_: Annotated[int, Query(alias="limit", description="Rows per page (1-500)")] = 100,
    cursor: Annotated[
        str | None,
        Query(description="The page after the one whose X-Next-Cursor this is", max_length=400),
    ] = None,
    full: Annotated[bool, Query(description="Whole incidents instead of summaries")] = False,
) -> list[dict[str, Any]]:
    """Incident summaries, one page; the next page's cursor is in the `X-Next-Cursor` header
    (and a `Link: rel="next"`). Unknown codes are refused (422) naming the parameter. A street
    office's account lists its own street's incidents (another `street` is refused, 403)."""
    street = list_street(who, street)
    page = list_page(
        service,
        ListQuery(
            states=tuple(state or ()),
            open_only=open_only,
            street=street,
            level=level,
            drill=drill,
            overdue=overdue,
            since=_instant(since, "since"),
            until=_instant(until, "until"),
            text=q,
            order=order,
            limit=limit_,
            cursor=cursor,
        ),
    )
    if page.next_cursor:
        response.headers["X-Next-Cursor"] = page.next_cursor
        params = {
            k: v
            for k, v in (
                ("open", open_only and "true"),
                ("street", street),
                ("level", level),
                ("order", order),
                ("q", q),
                ("limit", str(limit_)),
                ("cursor", page.next_cursor),
            )
            if v
        }
        response.headers["Link"] = f'</api/incidents?{urlencode(params)}>; rel="next"'
    return [service.show(row["id"]) for row in page.rows] if full else page.rows


# -- the board ---------------------------------------------------------------------------


def sort_key(row: dict[str, Any]) -> str:
    """The urgency order as text (drill, due in UTC, level rank, id), for the page's script to
    place a pushed row among the rendered ones."""
    due = row["next_deadline"]
    when = (
        ""
        if due is None
        else datetime.fromisoformat(due["due_at"])
        .astimezone(ZoneInfo("UTC"))
        .strftime("%Y%m%d%H%M%S")
    )
    levels = list(reversed(LEVELS))  # highest first, as the engine ranks them
    rank = levels.index(row["response_level"]) if row["response_level"] in levels else 3
    return f"{int(row['drill'])}|{'0' + when if when else '1'}|{rank}|{row['id']:012d}"


def lane_page(
    service: IncidentService,
    lane: str,
    cursor: str | None = None,
    number: int = 1,
    street: str | None = None,
) -> dict[str, Any]:
    page = list_page(
        service,
        ListQuery(lane=lane, order="urgency", limit=LANE_ROWS, cursor=cursor, street=street),
    )
    return {"lane": lane, "rows": page.rows, "next_cursor": page.next_cursor, "number": number}


def board_context(
    service: IncidentService,
    lane: str | None = None,
    cursor: str | None = None,
    number: int = 1,
    street: str | None = None,
) -> dict[str, Any]:
    """Every lane's count and first page (one pass over the open incidents), or, for the lane
    being paged without a script, that page; of one street (a street office's board) if given."""
    summaries = Summaries(service.plan, service.workflow)
    with service.reading() as session:
        counts, pages = summaries.lanes(session, service.now(), LANE_ROWS, street)
    lanes = [
        lane_page(service, name, cursor, number, street)
        if name == lane and cursor
        else {
            "lane": name,
            "rows": pages[name].rows,
            "next_cursor": pages[name].next_cursor,
            "number": 1,
        }
        for name in LANES
    ]
    real = sum(n for name, n in counts.items() if name != "drills")
    return {"counts": counts, "lanes": lanes, "real_open": real, **BOARD_NAMES}


BOARD_NAMES = {
    "LANE_NAMES": LANE_NAMES,
    "LANE_HINTS": LANE_HINTS,
    "LANE_ROWS": LANE_ROWS,
    "sort_key": sort_key,
}


def _lane_args(request: Request) -> tuple[str | None, str | None, int]:
    lane = request.query_params.get("lane")
    if lane is not None and lane not in LANES:
        lane = None
    number = request.query_params.get("p", "1")
    return lane, request.query_params.get("cursor"), int(number) if number.isdigit() else 1


@router.get("/", include_in_schema=False)
def dashboard(request: Request) -> HTMLResponse:
    who = current(request)
    return render(
        request,
        "dashboard.html",
        board_context(service_of(request), *_lane_args(request), street=who.street),
    )


@router.get("/fragments/board", include_in_schema=False)
def board(request: Request) -> HTMLResponse:
    """The whole board, for the fallback poll while the live stream is down."""
    who = current(request)
    return render(request, "_board.html", board_context(service_of(request), street=who.street))


@router.get("/fragments/lane/{lane}", include_in_schema=False)
def lane_fragment(
    request: Request, lane: str, cursor: str | None = None, p: int = 1
) -> HTMLResponse:
    who = current(request)
    if lane not in LANES:
        raise InvalidInput(f"lane: unknown lane '{lane[:40]}'")
    service = service_of(request)
    summaries = Summaries(service.plan, service.workflow)
    with service.reading() as session:
        counts = summaries.lane_counts(session, service.now(), who.street)
    return render(
        request,
        "_lane.html",
        {
            "l": lane_page(service, lane, cursor, max(p, 1), who.street),
            "counts": counts,
            **BOARD_NAMES,
        },
    )


# -- history -----------------------------------------------------------------------------


def _day(value: str, zone: ZoneInfo, name: str, after: int = 0) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: '{value[:20]}' is not a date (YYYY-MM-DD)") from None
    return datetime.combine(day + timedelta(days=after), time(), zone)


@router.get("/history", include_in_schema=False)
def history(request: Request) -> HTMLResponse:
    """Every incident, closed, dismissed and merged ones too, found by filters and text (a
    street office's account: its own street's only)."""
    who = current(request)
    service = service_of(request)
    zone = ZoneInfo(service.plan.plan.timezone)
    args = request.query_params
    form = {
        k: args.get(k, "") for k in ("state", "street", "level", "drill", "q", "since", "until")
    }
    context: dict[str, Any] = {
        "form": form,
        "rows": [],
        "next_url": None,
        "error": None,
        "states": service.workflow.states,
        "closed_states": [
            s for s in service.workflow.states if s not in service.workflow.open_states
        ],
    }
    try:
        page = list_page(
            service,
            ListQuery(
                states=(form["state"],) if form["state"] else (),
                street=list_street(who, form["street"] or None),
                level=form["level"] or None,
                drill={"real": False, "drill": True}.get(form["drill"]),
                text=form["q"] or None,
                since=_day(form["since"], zone, "since"),
                until=_day(form["until"], zone, "until", after=1),
                limit=HISTORY_ROWS,
                cursor=args.get("cursor") or None,
            ),
        )
    except FanganError as exc:
        context["error"] = refusal_text(exc, request)
        return render(request, "history.html", context, status_code=api.STATUS[exc.code])
    context["rows"] = page.rows
    if page.next_cursor:
        kept = {k: v for k, v in form.items() if v}
        context["next_url"] = "/history?" + urlencode({**kept, "cursor": page.next_cursor})
    return render(request, "history.html", context)
