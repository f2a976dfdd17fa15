"""The danger-house register on the web: the API under /api/houses and the console's pages.

Every route needs a user; whoever acts does so as their unit. A register upload with bad rows
comes back with every problem (row, column, reason) and imports nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from engine.errors import FanganError
from web.api import ERRORS, STATUS, RowId, User_, service_of
from web.console import checked_form, current, flash, refusal_text, render, text
from workflows.housing_safety.prevention_config import prevention
from workflows.housing_safety.prevention_service import InvalidRows, PreventionService

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 10_000_000

router = APIRouter()


def houses_of(request: Request) -> PreventionService:
    service: PreventionService | None = getattr(request.app.state, "houses", None)
    if service is None:
        service = request.app.state.houses = PreventionService(service_of(request))
    return service


Houses = Annotated[PreventionService, Depends(houses_of)]


def _rows_error(exc: InvalidRows) -> JSONResponse:
    return JSONResponse(exc.as_dict(), status_code=STATUS[exc.code])


# -- API -----------------------------------------------------------------------------------


@router.get("/api/houses", tags=["register"])
def list_houses(
    _: User_, houses: Houses, street: str | None = None, grade: str | None = None
) -> list[dict[str, Any]]:
    """The register (危险房屋清册), by street, with each house's next patrol due."""
    return houses.list_houses(street, grade)


@router.post("/api/houses", status_code=201, tags=["register"], responses=ERRORS)
def register(who: User_, houses: Houses, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Register a house; its street office is notified (§3.2)."""
    return houses.register(body, who.unit)


@router.post("/api/houses/import", tags=["register"], responses=ERRORS)
async def import_register(who: User_, houses: Houses, request: Request) -> Response:
    """An .xlsx register as the request body: every house, or none and every problem."""
    content = await request.body()
    if len(content) > MAX_UPLOAD:
        return JSONResponse(
            {"error": "invalid_input", "message": f"file: larger than {MAX_UPLOAD} bytes"},
            status_code=422,
        )
    try:
        ids = houses.import_xlsx(content, who.unit)
    except InvalidRows as exc:
        return _rows_error(exc)
    return JSONResponse({"imported": len(ids), "ids": ids})


@router.get("/api/houses/export", tags=["register"])
def export_register(_: User_, houses: Houses) -> Response:
    return Response(
        houses.export_xlsx(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="register.xlsx"'},
    )


@router.get("/api/houses/{house_id}", tags=["register"], responses=ERRORS)
def show_house(house_id: RowId, _: User_, houses: Houses) -> dict[str, Any]:
    return houses.show_house(house_id)


@router.post("/api/houses/{house_id}/patrols", tags=["register"], responses=ERRORS)
def patrol(
    house_id: RowId, who: User_, houses: Houses, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """A patrol record: meets the patrol deadline; a major hazard starts the §3.2 report."""
    return houses.record_patrol(house_id, body, who.unit)


@router.post("/api/houses/{house_id}/hazard-reports", tags=["register"], responses=ERRORS)
def hazard_report(
    house_id: RowId, who: User_, houses: Houses, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return houses.record_hazard_report(house_id, body, who.unit)


# -- console -------------------------------------------------------------------------------


def _labels(houses: PreventionService) -> dict[str, Any]:
    section = prevention(houses.plan)
    return {
        "grades": section.appraisal_grades.items,
        "dispositions": section.dispositions.items,
        "patrols": section.patrols,
        "hazard": section.major_hazard_report,
    }


@router.get("/houses", include_in_schema=False)
def register_page(
    request: Request,
    street: str = "",
    grade: str = "",
    problems: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    current(request)
    houses = houses_of(request)
    rows = houses.list_houses(street or None, grade or None)
    return render(
        request,
        "houses.html",
        {
            "houses": rows,
            "street": street,
            "grade": grade,
            **_labels(houses),
            "overdue": sum(1 for h in rows if h["patrol_overdue"]),
        },
    )


@router.post("/houses/import", include_in_schema=False)
async def import_page(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    upload = form.get("file")
    houses = houses_of(request)
    if not isinstance(upload, UploadFile):
        flash(request, "error", "请选择要导入的 Excel 文件（.xlsx）。")
        return RedirectResponse("/houses", status_code=303)
    content = await upload.read(MAX_UPLOAD + 1)
    try:
        ids = houses.import_xlsx(content, who.unit)
    except InvalidRows as exc:
        rows = houses.list_houses()
        return render(
            request,
            "houses.html",
            {
                "houses": rows,
                "street": "",
                "grade": "",
                **_labels(houses),
                "overdue": sum(1 for h in rows if h["patrol_overdue"]),
                "import_problems": exc.problems,
            },
            status_code=422,
        )
    except FanganError as exc:
        flash(request, "error", f"导入未完成。{refusal_text(exc)}")
        return RedirectResponse("/houses", status_code=303)
    flash(request, "ok", f"已导入 {len(ids)} 处房屋，并已通报所在街道办事处。")
    return RedirectResponse("/houses", status_code=303)


@router.get("/houses/export.xlsx", include_in_schema=False)
def export_page(request: Request) -> Response:
    current(request)
    return Response(
        houses_of(request).export_xlsx(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="register.xlsx"'},
    )


@router.get("/houses/{house_id}", include_in_schema=False)
def house_page(request: Request, house_id: int) -> HTMLResponse:
    current(request)
    houses = houses_of(request)
    return render(request, "house.html", {"h": houses.show_house(house_id), **_labels(houses)})


@router.post("/houses/{house_id}/patrol", include_in_schema=False)
async def patrol_page(request: Request, house_id: int) -> Response:
    who = current(request)
    form = await checked_form(request)
    houses = houses_of(request)
    hazard = text(form, "major_hazard") == "on"
    body = {
        "patroller": text(form, "patroller") or who.display_name,
        "findings": text(form, "findings"),
        "major_hazard": hazard,
        "open_incident": hazard and text(form, "open_incident") == "on",
    }
    try:
        after = houses.record_patrol(house_id, body, who.unit)
    except FanganError as exc:
        if exc.code == "not_found":
            raise
        flash(request, "error", f"巡查记录未保存。{refusal_text(exc)}")
        return RedirectResponse(f"/houses/{house_id}", status_code=303)
    opened = [p["incident_id"] for p in after["patrols"][:1] if p["incident_id"]]
    flash(
        request, "ok", "巡查已记录。" + (f"已按房屋信息立案：事件 #{opened[0]}。" if opened else "")
    )
    return RedirectResponse(f"/houses/{house_id}", status_code=303)
