"""The figures on the console (`/stats`, charts drawn on the server) and in the API
(`GET /api/stats`, JSON or a file). Every number on the page links to the incidents behind it
(`/stats/incidents?figure=…` with the same filters). Included with one line in web/app.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from documents.annual import CHART_WIDTH
from documents.charts import layout, to_svg
from engine.errors import InvalidInput
from engine.models import Incident
from engine.plan import LEVELS
from web.api import FORMATS, Service, User_
from web.console import current, render
from workflows.housing_safety.figures_record import ask
from workflows.housing_safety.figures_view import OUTCOME_NAMES, charts, deadline_name, export

router = APIRouter()

MEDIA = {
    **FORMATS,
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FIELDS = {"from": "开始日期", "to": "结束日期", "street": "街道", "level": "响应级别"}
Day = Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD (inclusive) or ISO 8601")]
Code = Annotated[str | None, Query(max_length=40)]


def _filters(
    start: str | None, end: str | None, street: str | None, level: str | None
) -> dict[str, str]:
    return {
        k: v for k, v in (("from", start), ("to", end), ("street", street), ("level", level)) if v
    }


@router.get(
    "/api/stats",
    tags=["figures"],
    responses={200: {"content": {MEDIA[f]: {} for f in ("xlsx", "docx", "pdf")}}},
)
def stats_api(
    _: User_,
    service: Service,
    start: Annotated[Day, Query(alias="from")] = None,
    end: Annotated[Day, Query(alias="to")] = None,
    street: Code = None,
    level: Code = None,
    format: Literal["json", "xlsx", "docx", "pdf"] = "json",
) -> Response:
    """The figures of incidents reported in a period (default this year): report timeliness,
    response times, acknowledgements, by street, level, month and year; drills apart. Each
    figure carries the ids of its incidents. `format` xlsx gives every table as Excel; docx and
    pdf give the annual summary for 区指挥部办公室."""
    now = service.now()
    data = ask(service.db, service.plan, now, start, end, street or None, level or None)[1]
    if format == "json":
        return JSONResponse(data)
    stem = f"fangan-stats-{data['period']['from'][:10]}-{data['period']['to'][:10]}"
    return Response(
        export(data, service.plan, format, now),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{format}"'},
    )


def _ask_page(
    request: Request, start: str | None, end: str | None, street: str | None, level: str | None
) -> tuple[Any, dict[str, Any] | None, str | None]:
    service = request.app.state.service
    try:
        found, data = ask(
            service.db,
            service.plan,
            service.now(),
            start or None,
            end or None,
            street or None,
            level or None,
        )
    except InvalidInput as exc:
        field = exc.message.split(":", 1)[0]
        return None, None, f"{FIELDS.get(field, '查询条件')}无效，请重新选择。"
    return found, data, None


@router.get("/stats", include_in_schema=False)
def stats_page(
    request: Request,
    start: Annotated[Day, Query(alias="from")] = None,
    end: Annotated[Day, Query(alias="to")] = None,
    street: Code = None,
    level: Code = None,
) -> HTMLResponse:
    current(request)
    plan = request.app.state.service.plan
    _, data, error = _ask_page(request, start, end, street, level)
    filters = _filters(start, end, street, level)

    def link(figure: str) -> str:
        return "/stats/incidents?" + urlencode({**filters, "figure": figure})

    pictures = (
        {key: to_svg(layout(chart, CHART_WIDTH)) for key, chart in charts(data, link).items()}
        if data
        else {}
    )
    query = urlencode(filters)
    return render(
        request,
        "stats.html",
        {
            "data": data,
            "error": error,
            "charts": pictures,
            "link": link,
            "values": {
                "from": start or "",
                "to": end or "",
                "street": street or "",
                "level": level or "",
            },
            "streets": plan.streets.items,
            "levels": {lv: plan.levels[lv].name for lv in reversed(LEVELS)},
            "outcomes": OUTCOME_NAMES,
            "exports": {
                f: f"/api/stats?{query}{'&' if query else ''}format={f}"
                for f in ("xlsx", "docx", "pdf", "json")
            },
        },
    )


@router.get("/stats/incidents", include_in_schema=False)
def stats_incidents(
    request: Request,
    figure: Annotated[str, Query(max_length=200)],
    start: Annotated[Day, Query(alias="from")] = None,
    end: Annotated[Day, Query(alias="to")] = None,
    street: Code = None,
    level: Code = None,
) -> HTMLResponse:
    """The incidents behind one figure of the page, with the same filters."""
    current(request)
    service = request.app.state.service
    found, data, error = _ask_page(request, start, end, street, level)
    index = found.index() if found else {}
    ids = index.get(figure)
    rows: list[Incident] = []
    if ids:
        with service.reading() as session:
            rows = [row for i in ids if (row := session.get(Incident, i)) is not None]
    return render(
        request,
        "stats_incidents.html",
        {
            "figure": figure,
            "label": _label(service.plan, figure),
            "rows": rows,
            "known": ids is not None,
            "error": error,
            "data": data,
            "back": "/stats"
            + (f"?{q}" if (q := urlencode(_filters(start, end, street, level))) else ""),
        },
    )


def _label(plan: Any, figure: str) -> str:
    """A figure key in words, for the list's heading."""
    parts = figure.removeprefix("drills.").split(".")
    drill = "演练：" if figure.startswith("drills.") else ""
    head = parts[0]
    if head == "timeliness" and len(parts) > 1:
        kind = deadline_name(plan, parts[1])
        return (
            drill
            + kind
            + (
                f"·{OUTCOME_NAMES[parts[2]]}"
                if len(parts) > 2 and parts[2] in OUTCOME_NAMES
                else ""
            )
        )
    names = {
        "incidents": "接报事件",
        "late_or_missed": "迟报、逾期未报",
        "interval": "响应用时",
        "ack": "通知确认",
        "street": "街道",
        "level": "响应级别",
        "month": "月份",
        "year": "年度",
    }
    return drill + "·".join([names.get(head, head), *parts[1:]])
