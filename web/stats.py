"""The figures on the console (`/stats`, charts drawn on the server) and in the API
(`GET /api/stats`, JSON or a file). Every number on the page links to the incidents behind it
(`/stats/incidents?figure=…` with the same filters). Included with one line in web/app.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import col, select

from documents.annual import CHART_WIDTH
from documents.charts import layout, to_svg
from engine.errors import InvalidInput
from engine.models import Incident
from engine.plan import LEVELS, Plan
from engine.service import IncidentService
from web.api import ERRORS, FORMATS, Service, User_, service_of
from web.console import current, render
from workflows.housing_safety.figures import Summary
from workflows.housing_safety.figures_record import ask
from workflows.housing_safety.figures_view import (
    DIMENSION_NAMES,
    MILESTONE_NAMES,
    OUTCOME_NAMES,
    charts,
    deadline_name,
    export,
    group_name,
)

router = APIRouter(responses=ERRORS)

MEDIA = {
    **FORMATS,
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PHONE_WIDTH = 360
FIELDS = {"from": "开始日期", "to": "结束日期", "street": "街道", "level": "响应级别"}
Day = Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD (inclusive) or ISO 8601")]
Code = Annotated[str | None, Query(max_length=40)]


@dataclass(frozen=True)
class Filters:
    """The period and filters a caller asked for, as given (checked by `ask`)."""

    start: str | None
    end: str | None
    street: str | None
    level: str | None

    def query(self) -> dict[str, str]:
        pairs = (
            ("from", self.start),
            ("to", self.end),
            ("street", self.street),
            ("level", self.level),
        )
        return {k: v for k, v in pairs if v}

    def answer(self, service: IncidentService) -> tuple[Summary, dict[str, Any]]:
        return ask(
            service.db, service.plan, service.now(), self.start, self.end, self.street, self.level
        )


def filters(
    start: Annotated[Day, Query(alias="from")] = None,
    end: Annotated[Day, Query(alias="to")] = None,
    street: Code = None,
    level: Code = None,
) -> Filters:
    """An empty form field means no filter."""
    return Filters(start or None, end or None, street or None, level or None)


Asked = Annotated[Filters, Depends(filters)]


@router.get(
    "/api/stats",
    tags=["figures"],
    responses={**ERRORS, 200: {"content": {MEDIA[f]: {} for f in ("xlsx", "docx", "pdf")}}},
)
def stats_api(
    _: User_,
    service: Service,
    asked: Asked,
    format: Literal["json", "xlsx", "docx", "pdf"] = "json",
) -> Response:
    """The figures of incidents reported in a period (`from`, `to`: YYYY-MM-DD, both inclusive,
    or ISO 8601 instants; default this year), optionally of one `street` and one final `level`:
    report timeliness, response times, acknowledgements, by street, level, month and year;
    drills apart. Each figure carries the ids of its incidents. `format` xlsx gives every table
    as Excel; docx and pdf give the annual summary for 区指挥部办公室."""
    data = asked.answer(service)[1]
    if format == "json":
        return JSONResponse(data)
    stem = f"fangan-stats-{data['period']['from'][:10]}-{data['period']['to'][:10]}"
    return Response(
        export(data, service.plan, format, service.now()),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{format}"'},
    )


def _page_answer(
    request: Request, asked: Filters
) -> tuple[Summary | None, dict[str, Any] | None, str | None]:
    """The answer for a console page, or the Chinese words for what is wrong with the form."""
    try:
        found, data = asked.answer(service_of(request))
    except InvalidInput as exc:
        field = exc.message.split(":", 1)[0]
        return None, None, f"{FIELDS.get(field, '查询条件')}无效，请重新选择。"
    return found, data, None


@router.get("/stats", include_in_schema=False)
def stats_page(request: Request, asked: Asked) -> HTMLResponse:
    current(request)
    plan = service_of(request).plan
    _, data, error = _page_answer(request, asked)
    query = asked.query()

    def link(figure: str) -> str:
        return "/stats/incidents?" + urlencode({**query, "figure": figure})

    # Each chart twice: for wide screens and, labels above the bars, for a phone (CSS picks).
    pictures = {
        key: (to_svg(layout(chart, CHART_WIDTH)), to_svg(layout(chart, PHONE_WIDTH)))
        for key, chart in (charts(data, link).items() if data else ())
    }
    exports = urlencode(query) + ("&" if query else "")
    return render(
        request,
        "stats.html",
        {
            "data": data,
            "error": error,
            "charts": pictures,
            "link": link,
            "values": {k: query.get(k, "") for k in FIELDS},
            "streets": plan.streets.items,
            "levels": {lv: plan.levels[lv].name for lv in reversed(LEVELS)},
            "outcomes": OUTCOME_NAMES,
            "exports": {f: f"/api/stats?{exports}format={f}" for f in ("xlsx", "docx", "pdf")},
        },
    )


@router.get("/stats/incidents", include_in_schema=False)
def stats_incidents(
    request: Request, asked: Asked, figure: Annotated[str, Query(max_length=200)]
) -> HTMLResponse:
    """The incidents behind one figure of the page, with the same filters (one query)."""
    current(request)
    service = service_of(request)
    found, data, error = _page_answer(request, asked)
    ids = found.index().get(figure) if found else None
    rows: list[Incident] = []
    if ids:
        with service.reading() as session:
            rows = list(
                session.exec(
                    select(Incident).where(col(Incident.id).in_(ids)).order_by(col(Incident.id))
                )
            )
    back = urlencode(asked.query())
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
            "back": "/stats" + (f"?{back}" if back else ""),
        },
    )


EXTRA = {"never": "未确认", "resent": "重发备用联系人", "late_or_missed": "迟报、逾期未报"}
HEADS = {
    "incidents": "接报事件",
    "late_or_missed": "迟报、逾期未报",
    "interval": "",
    "ack": "通知确认",
    **DIMENSION_NAMES,
}


def _label(plan: Plan, figure: str) -> str:
    """A figure key in words, for the list's heading (e.g. 鹦鹉街·迟报)."""
    drill = "演练：" if figure.startswith("drills.") else ""
    head, *rest = figure.removeprefix("drills.").split(".")
    words = []
    if rest:
        key = rest[0]
        words.append(
            deadline_name(plan, key)
            if head == "timeliness"
            else MILESTONE_NAMES.get(key, key)
            if head == "interval"
            else plan.actor_name(key)
            if head == "ack"
            else group_name(plan, head, key)
            if head in DIMENSION_NAMES
            else key
        )
    else:
        words.append(HEADS.get(head, head))
    words += [OUTCOME_NAMES.get(p) or EXTRA.get(p, p) for p in rest[1:]]
    return drill + "·".join(words)
