"""Prevention and resources on the web: the register (/api/houses), warnings, shelters, experts,
rescue resources and the fund under /api, and the console's pages for them.

Every route needs a user; whoever acts does so as their unit. A register upload with bad rows
comes back with every problem (row, column, reason) and imports nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from engine.errors import FanganError, InvalidInput, NotFound
from engine.lifecycle import FormField
from web import forms
from web.api import ERRORS, STATUS, BoundedRoute, RowId, User_, service_of
from web.console import checked_form, current, flash, refusal_text, refused, render, text
from web.pools import resources_of
from workflows.housing_safety.drills import DrillService
from workflows.housing_safety.prevention_config import prevention
from workflows.housing_safety.prevention_service import InvalidRows, PreventionService
from workflows.housing_safety.public_buildings import PublicBuildingService
from workflows.housing_safety.resources_service import ResourceService
from workflows.housing_safety.warnings_service import WarningService

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 10_000_000

router = APIRouter(responses=ERRORS, route_class=BoundedRoute)
# A workbook or a CAP message as the raw body: not JSON, so not bounded as JSON.
uploads = APIRouter(responses=ERRORS)


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


@uploads.post("/api/houses/import", tags=["register"], responses=ERRORS)
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
    return render(
        request,
        "house.html",
        {
            "h": houses.show_house(house_id),
            **_labels(houses),
            "warning_tasks": warnings_of(request).tasks_for_house(house_id),
        },
    )


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


# -- warnings, shelters, resources ----------------------------------------------------------


def warnings_of(request: Request) -> WarningService:
    service: WarningService | None = getattr(request.app.state, "warnings", None)
    if service is None:
        service = request.app.state.warnings = WarningService(service_of(request))
    return service


Warnings = Annotated[WarningService, Depends(warnings_of)]
Resources = Annotated[ResourceService, Depends(resources_of)]
Json = Annotated[dict[str, Any], Body()]


@router.get("/api/warnings", tags=["warnings"])
def list_warnings(_: User_, warnings: Warnings) -> list[dict[str, Any]]:
    return warnings.list_warnings()


@router.post("/api/warnings", status_code=201, tags=["warnings"], responses=ERRORS)
def record_warning(who: User_, warnings: Warnings, body: Json) -> dict[str, Any]:
    """A warning by hand (§3.5): an inspection task for every registered C/D house."""
    return warnings.record_warning(body, who.unit)


@uploads.post("/api/warnings/cap", status_code=201, tags=["warnings"], responses=ERRORS)
async def import_cap(who: User_, warnings: Warnings, request: Request) -> dict[str, Any]:
    """A CAP 1.2 / GB/T 35965.1 XML message as the body."""
    return warnings.import_cap(await request.body(), who.unit)


@router.get("/api/warnings/{warning_id}", tags=["warnings"], responses=ERRORS)
def show_warning(warning_id: RowId, _: User_, warnings: Warnings) -> dict[str, Any]:
    return warnings.show_warning(warning_id)


@router.post("/api/inspections/{task_id}", tags=["warnings"], responses=ERRORS)
def inspect(task_id: RowId, who: User_, warnings: Warnings, body: Json) -> dict[str, Any]:
    return warnings.record_inspection(task_id, body, who.unit)


@router.get("/api/shelters", tags=["resources"])
def list_shelters(_: User_, warnings: Warnings) -> list[dict[str, Any]]:
    return warnings.list_shelters()


@router.post("/api/shelters", status_code=201, tags=["resources"], responses=ERRORS)
def add_shelter(who: User_, warnings: Warnings, body: Json) -> dict[str, Any]:
    return warnings.add_shelter(body, who.unit)


@router.put("/api/shelters/{shelter_id}", tags=["resources"], responses=ERRORS)
def update_shelter(shelter_id: RowId, who: User_, warnings: Warnings, body: Json) -> dict[str, Any]:
    """A shelter's entry corrected as a whole; its capacity never below those sheltered."""
    return warnings.update_shelter(shelter_id, body, who.unit)


@router.post("/api/evacuations", tags=["resources"], responses=ERRORS)
def evacuate(who: User_, warnings: Warnings, body: Json) -> dict[str, Any]:
    """People moved to a shelter; refused beyond its room."""
    return warnings.evacuate(body, who.unit)


@router.get("/api/experts", tags=["resources"])
def list_experts(_: User_, resources: Resources, field: str | None = None) -> list[dict[str, Any]]:
    return resources.list_experts(field)


@router.post("/api/experts", status_code=201, tags=["resources"], responses=ERRORS)
def add_expert(who: User_, resources: Resources, body: Json) -> dict[str, Any]:
    return resources.add_expert(body, who.unit)


@router.put("/api/experts/{expert_id}", tags=["resources"], responses=ERRORS)
def update_expert(expert_id: RowId, who: User_, resources: Resources, body: Json) -> dict[str, Any]:
    """An expert's entry corrected as a whole."""
    return resources.update_expert(expert_id, body, who.unit)


@router.post("/api/incidents/{incident_id}/experts", tags=["resources"], responses=ERRORS)
def pick_experts(
    incident_id: RowId, who: User_, resources: Resources, body: Json
) -> dict[str, Any]:
    return resources.pick(incident_id, body, who.unit)


@router.get("/api/rescue", tags=["resources"])
def list_rescue(_: User_, resources: Resources) -> list[dict[str, Any]]:
    return resources.list_resources()


@router.post("/api/rescue", status_code=201, tags=["resources"], responses=ERRORS)
def add_rescue(who: User_, resources: Resources, body: Json) -> dict[str, Any]:
    return resources.add_resource(body, who.unit)


@router.get("/api/fund/{year}", tags=["resources"], responses=ERRORS)
def fund(
    year: Annotated[int, Path(ge=2000, le=2100)], who: User_, resources: Resources
) -> dict[str, Any]:
    """The year's emergency fund (§6.3): for 区财政局, 区审计局 and those who record it."""
    return resources.fund(year, who.unit)


@router.post("/api/fund", tags=["resources"], responses=ERRORS)
def set_budget(who: User_, resources: Resources, body: Json) -> dict[str, Any]:
    return resources.set_budget(body, who.unit)


@router.post("/api/fund/spending", tags=["resources"], responses=ERRORS)
def spend(who: User_, resources: Resources, body: Json) -> dict[str, Any]:
    return resources.spend(body, who.unit)


def _warning_names(warnings: WarningService) -> dict[str, Any]:
    section = warnings.section
    return {
        "kinds": section.warnings.kinds,
        "colours": section.warnings.colours,
        "inspection": section.warnings.inspection,
        "grades": section.appraisal_grades.items,
    }


@router.get("/warnings", include_in_schema=False)
def warnings_page(request: Request) -> HTMLResponse:
    current(request)
    warnings = warnings_of(request)
    return render(
        request,
        "warnings.html",
        {
            "warnings": warnings.list_warnings(),
            "shelters": warnings.list_shelters(),
            **_warning_names(warnings),
        },
    )


async def _console_call(
    request: Request, back: str, done: str, call: Any, fields: tuple[FormField, ...] = ()
) -> Response:
    """A console form's call: a flash with the outcome (a refusal naming the form's field, in
    Chinese), then back to the page."""
    try:
        result = await call()
    except FanganError as exc:
        if exc.code == "not_found":
            raise
        flash(request, "error", f"未完成。{refused(request, exc, fields)[1]}")
        return RedirectResponse(back, status_code=303)
    flash(request, "ok", done.format(**result) if isinstance(result, dict) else done)
    return RedirectResponse(back, status_code=303)


@router.post("/warnings", include_in_schema=False)
async def warning_form(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    warnings = warnings_of(request)
    zone = warnings.zone

    async def call() -> dict[str, Any]:
        upload = form.get("cap")
        if isinstance(upload, UploadFile) and upload.filename:
            created = warnings.import_cap(await upload.read(MAX_UPLOAD + 1), who.unit)
        else:
            created = warnings.record_warning(
                {
                    "kind": text(form, "kind"),
                    "colour": text(form, "colour"),
                    "streets": [s for s in form.getlist("streets") if isinstance(s, str)],
                    "starts_at": forms.local_instant(text(form, "starts_at"), zone, "starts_at"),
                    "ends_at": forms.local_instant(text(form, "ends_at"), zone, "ends_at"),
                    "headline": text(form, "headline") or None,
                },
                who.unit,
            )
        return {"count": len(created["tasks"])}

    return await _console_call(
        request, "/warnings", "预警已登记，已生成 {count} 项危险房屋排查任务。", call
    )


@router.post("/inspections/{task_id}", include_in_schema=False)
async def inspection_form(request: Request, task_id: int) -> Response:
    who = current(request)
    form = await checked_form(request)
    warnings = warnings_of(request)

    async def call() -> dict[str, Any]:
        return warnings.record_inspection(
            task_id,
            {
                "inspector": text(form, "inspector") or who.display_name,
                "result": text(form, "result"),
            },
            who.unit,
        )

    return await _console_call(request, "/warnings", "排查结果已记录。", call)


# -- the resources page's forms (§6.2–§6.4): named fields, so a refusal names its field -------

EXPERT_FIELDS = (
    FormField("name", "姓名", required=True),
    FormField("field", "专业领域", required=True),
    FormField("phone", "联系电话", required=True),
    FormField("employer", "工作单位"),
    FormField("available", "可调用"),
)
SHELTER_FIELDS = (
    FormField("name", "场所名称", required=True),
    FormField("kind", "场所类别", required=True),
    FormField("street", "所在街道", required=True),
    FormField("address", "地址", required=True),
    FormField("capacity", "可容纳人数", required=True),
)
BUDGET_FIELDS = (
    FormField("year", "年度", required=True),
    FormField("budget_yuan", "应急启动资金（元）", required=True),
)
SPENDING_FIELDS = (
    FormField("amount_yuan", "支出金额（元）", required=True),
    FormField("purpose", "用途", required=True),
    FormField("incident_id", "事件编号"),
    FormField("at", "支出时间"),
)


def _number(form: Any, name: str) -> int | str | None:
    """A whole number typed in a form; anything else is sent as typed for the engine to refuse
    (naming the field), and an empty box is left out."""
    raw = text(form, name)
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() else raw


def _expert_data(form: Any) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "field": text(form, "field"),
        "phone": text(form, "phone"),
        "employer": text(form, "employer") or None,
        "available": text(form, "available") == "on",
    }


def _shelter_data(form: Any) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "kind": text(form, "kind"),
        "street": text(form, "street"),
        "address": text(form, "address"),
        "capacity": _number(form, "capacity"),
    }


async def _add_or_edit(
    request: Request,
    item_id: int | None,
    add: Callable[[dict[str, Any], str], dict[str, Any]],
    edit: Callable[[int, dict[str, Any], str], dict[str, Any]],
    data_of: Callable[[Any], dict[str, Any]],
    done: tuple[str, str],
    fields: tuple[FormField, ...],
) -> Response:
    """A resource's form, one route without the id (add) and with it (edit): the outcome as a
    flash (`done`: added, edited), back to the resources page."""
    who = current(request)
    form = await checked_form(request)

    async def call() -> dict[str, Any]:
        data = data_of(form)
        return add(data, who.unit) if item_id is None else edit(item_id, data, who.unit)

    return await _console_call(request, "/resources", done[item_id is not None], call, fields)


@router.post("/resources/experts", include_in_schema=False)
@router.post("/resources/experts/{expert_id}", include_in_schema=False)
async def expert_form(request: Request, expert_id: int | None = None) -> Response:
    resources = resources_of(request)
    return await _add_or_edit(
        request,
        expert_id,
        resources.add_expert,
        resources.update_expert,
        _expert_data,
        ("专家{name}已登记入库。", "专家{name}的信息已更新。"),
        EXPERT_FIELDS,
    )


@router.post("/resources/shelters", include_in_schema=False)
@router.post("/resources/shelters/{shelter_id}", include_in_schema=False)
async def shelter_form(request: Request, shelter_id: int | None = None) -> Response:
    warnings = warnings_of(request)
    return await _add_or_edit(
        request,
        shelter_id,
        warnings.add_shelter,
        warnings.update_shelter,
        _shelter_data,
        ("避险场所{name}已登记。", "避险场所{name}的信息已更新。"),
        SHELTER_FIELDS,
    )


@router.post("/resources/fund", include_in_schema=False)
async def budget_form(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    resources = resources_of(request)

    async def call() -> dict[str, Any]:
        data = {"year": _number(form, "year"), "budget_yuan": text(form, "budget_yuan") or None}
        return resources.set_budget({k: v for k, v in data.items() if v is not None}, who.unit)

    return await _console_call(
        request, "/resources", "{year}年应急启动资金已记录。", call, BUDGET_FIELDS
    )


@router.post("/resources/fund/spending", include_in_schema=False)
async def spending_form(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    resources = resources_of(request)

    async def call() -> dict[str, Any]:
        data = {
            "amount_yuan": text(form, "amount_yuan") or None,
            "purpose": text(form, "purpose") or None,
            "incident_id": _number(form, "incident_id"),
            "at": forms.local_instant(text(form, "at"), resources.zone, "at"),
        }
        try:
            return resources.spend({k: v for k, v in data.items() if v is not None}, who.unit)
        except NotFound as exc:  # the incident typed: a refusal beside its box, not a 404
            raise InvalidInput(f"incident_id: no incident {data['incident_id']}") from exc

    return await _console_call(request, "/resources", "支出已记录。", call, SPENDING_FIELDS)


@router.get("/resources", include_in_schema=False)
def resources_page(request: Request) -> HTMLResponse:
    who = current(request)
    resources = resources_of(request)
    section = resources.section
    year = resources.incidents.now().astimezone(resources.zone).year
    try:
        fund_year: dict[str, Any] | None = resources.fund(year, who.unit)
        fund_note = None
    except FanganError as exc:
        fund_year, fund_note = None, refusal_text(exc)
    return render(
        request,
        "resources.html",
        {
            "experts": resources.list_experts(),
            "rescue": resources.list_resources(),
            "shelters": warnings_of(request).list_shelters(),
            "fund": fund_year,
            "fund_note": fund_note,
            "year": year,
            "fields": section.experts.fields,
            "rescue_kinds": section.rescue.kinds,
            "shelter_kinds": section.shelters.kinds,
            "fund_rules": section.fund,
            "fund_writer": who.unit in section.fund.writers,
            "streets": service_of(request).plan.streets.items,
        },
    )


@router.get("/api/public-checks", tags=["prevention"])
def list_checks(_: User_, request: Request, department: str | None = None) -> list[dict[str, Any]]:
    return PublicBuildingService(service_of(request)).list(department)


@router.get("/api/public-buildings", tags=["prevention"], responses=ERRORS)
def list_buildings(
    _: User_, request: Request, department: str | None = None, overdue: bool = False
) -> dict[str, Any]:
    """Each checked public building, its last check and whether the next is overdue (§3.3; the
    interval is local policy)."""
    return PublicBuildingService(service_of(request)).buildings(department, overdue)


@router.post("/api/public-checks", status_code=201, tags=["prevention"], responses=ERRORS)
def record_check(who: User_, request: Request, body: Json) -> dict[str, Any]:
    """A public-building check (§3.3); a hazard is reported to 区房管局."""
    return PublicBuildingService(service_of(request)).record(body, who.unit)


@router.get("/api/drills", tags=["prevention"])
def drill_calendar(_: User_, request: Request) -> dict[str, Any]:
    return DrillService(service_of(request)).calendar()


@router.post("/api/drills", status_code=201, tags=["prevention"], responses=ERRORS)
def plan_drill(who: User_, request: Request, body: Json) -> dict[str, Any]:
    return DrillService(service_of(request)).plan_drill(body, who.unit)


@router.post("/api/drills/{drill_id}/held", tags=["prevention"], responses=ERRORS)
def drill_held(drill_id: RowId, who: User_, request: Request, body: Json) -> dict[str, Any]:
    return DrillService(service_of(request)).record_held(drill_id, body, who.unit)


@router.get("/checks", include_in_schema=False)
def checks_page(request: Request) -> HTMLResponse:
    current(request)
    service = service_of(request)
    section = prevention(service.plan)
    return render(
        request,
        "checks.html",
        {
            "checks": PublicBuildingService(service).list(),
            "buildings": PublicBuildingService(service).buildings(),
            "calendar": DrillService(service).calendar(),
            "departments": section.public_buildings.departments,
            "drills": section.drills,
        },
    )


@router.post("/evacuations", include_in_schema=False)
async def evacuation_form(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    warnings = warnings_of(request)

    def number(name: str) -> int | None:
        value = text(form, name)
        return int(value) if value.isdigit() else None

    async def call() -> dict[str, Any]:
        return warnings.evacuate(
            {
                "shelter_id": number("shelter_id"),
                "people": number("people"),
                "house_id": number("house_id"),
                "warning_id": number("warning_id"),
            },
            who.unit,
        )

    return await _console_call(
        request, "/warnings", "已记录避险转移：{name} 现有 {occupied} 人，余量 {room} 人。", call
    )


router.include_router(uploads)
