"""`house`, `appraisal`, `warning`, `shelter`: the register, patrols, appraisals, warnings and
shelters (§3, §4.1.1, §6.4); `expert`, `rescue`, `fund`: resources (§6.2, §6.3) on the CLI.

JSON out, errors as `{"error", "message"}` with exit 2 (engine.cli); a register import that
fails writes each problem as a JSON line on stderr before the error line, and imports nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from engine.cli import _globals, emit, parse_json_option, read_json_stdin, write_output
from engine.errors import InvalidInput
from engine.schemas import MAX_INT
from workflows.housing_safety.drills import DrillService
from workflows.housing_safety.prevention_service import InvalidRows, PreventionService
from workflows.housing_safety.public_buildings import PublicBuildingService
from workflows.housing_safety.resources_service import ResourceService
from workflows.housing_safety.warnings_service import WarningService

house_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The danger-house register (危险房屋清册, §3.2) and its patrols.",
)
appraisal_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Safety appraisals (§4.1.1) of houses and for incidents.",
)

HouseId = Annotated[int, typer.Argument(min=1, max=MAX_INT)]
Actor = Annotated[str, typer.Option(help="Who acts (a unit code).")]


def _service(ctx: typer.Context) -> PreventionService:
    return PreventionService(_globals(ctx).service())


@house_app.command("register")
def register(ctx: typer.Context, actor: Actor = "district_housing_bureau") -> None:
    """Register one house: its JSON on stdin (fields: README, `house` section)."""
    emit(_service(ctx).register(read_json_stdin(), actor))


@house_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An .xlsx file.")],
    actor: Actor = "district_housing_bureau",
) -> None:
    """Import a register workbook: every house, or none when any row is wrong (each problem:
    row, column, reason)."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"file: cannot read {file} ({exc.strerror})") from exc
    try:
        ids = _service(ctx).import_xlsx(content, actor)
    except InvalidRows as exc:
        for problem in exc.problems:
            sys.stderr.write(json.dumps(problem, ensure_ascii=False) + "\n")
        raise
    emit({"imported": len(ids), "ids": ids})


@house_app.command("export")
def export_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Where to write it.")] = Path("register.xlsx"),
) -> None:
    """Write the register as an Excel workbook."""
    content = _service(ctx).export_xlsx()
    write_output(out, content)
    emit({"out": str(out), "bytes": len(content)})


@house_app.command("list")
def list_cmd(
    ctx: typer.Context,
    street: Annotated[str | None, typer.Option(help="Only this street.")] = None,
    grade: Annotated[str | None, typer.Option(help="Only this grade (A–D).")] = None,
) -> None:
    """Registered houses, by street, with the next patrol due."""
    emit(_service(ctx).list_houses(street, grade))


@house_app.command("show")
def show_cmd(ctx: typer.Context, house_id: HouseId) -> None:
    """One house: its fields, deadlines, patrols, appraisals, incidents and record."""
    emit(_service(ctx).show_house(house_id))


@house_app.command("patrol")
def patrol_cmd(
    ctx: typer.Context,
    house_id: HouseId,
    actor: Actor = "district_housing_bureau",
    data: Annotated[
        str | None,
        typer.Option(
            help='{"patroller", "findings", "at"?, "major_hazard"?, "open_incident"?, "condition"?}'
        ),
    ] = None,
) -> None:
    """Record a patrol: it meets the patrol deadline and starts the next."""
    emit(_service(ctx).record_patrol(house_id, parse_json_option(data, "--data") or {}, actor))


@house_app.command("report-hazard")
def report_hazard_cmd(
    ctx: typer.Context,
    house_id: HouseId,
    to: Annotated[str, typer.Option(help="district_government or city_housing_bureau.")],
    at: Annotated[str | None, typer.Option(help="When (ISO 8601).")] = None,
    actor: Actor = "district_housing_bureau",
) -> None:
    """Record the §3.2 report of a major hazard made to one of its recipients."""
    body: dict[str, str] = {"to": to} | ({"at": at} if at else {})
    emit(_service(ctx).record_hazard_report(house_id, body, actor))


@house_app.command("demo")
def demo_cmd(ctx: typer.Context) -> None:
    """Load the demonstration register (fictitious houses across the 11 streets)."""
    from workflows.housing_safety.demo_houses import load_demo

    emit(load_demo(_service(ctx)))


@appraisal_app.command("commission")
def commission_cmd(
    ctx: typer.Context,
    actor: Actor = "district_housing_bureau",
    data: Annotated[
        str | None, typer.Option(help='{"agency", "house_id" | "incident_id", "at"?}')
    ] = None,
) -> None:
    """Record a commissioned safety appraisal."""
    emit(_service(ctx).commission_appraisal(parse_json_option(data, "--data") or {}, actor))


@appraisal_app.command("record")
def record_cmd(
    ctx: typer.Context,
    appraisal_id: HouseId,
    actor: Actor = "district_housing_bureau",
    data: Annotated[
        str | None, typer.Option(help='{"grade", "report_number", "appraised_on", "disposition"?}')
    ] = None,
) -> None:
    """Record an appraisal's result; C or D registers the house."""
    emit(
        _service(ctx).record_appraisal(appraisal_id, parse_json_option(data, "--data") or {}, actor)
    )


warning_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Weather and geological warnings (§3.5) and their inspections.",
)
shelter_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Emergency shelters (§6.4) and evacuations to them.",
)


def _warnings(ctx: typer.Context) -> WarningService:
    return WarningService(_globals(ctx).service())


@warning_app.command("record")
def warning_record(ctx: typer.Context, actor: Actor = "district_housing_bureau") -> None:
    """A warning by hand: {"kind", "colour", "streets", "starts_at", "ends_at", "headline"?} on
    stdin; every registered C/D house in the streets gets an inspection task."""
    emit(_warnings(ctx).record_warning(read_json_stdin(), actor))


@warning_app.command("import")
def warning_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A CAP 1.2 XML message.")],
    actor: Actor = "district_housing_bureau",
) -> None:
    """Import a CAP 1.2 / GB/T 35965.1 message (refused whole if malformed or hostile)."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"file: cannot read {file} ({exc.strerror})") from exc
    emit(_warnings(ctx).import_cap(content, actor))


@warning_app.command("list")
def warning_list(ctx: typer.Context) -> None:
    """Every warning, newest first, with its inspection tasks."""
    emit(_warnings(ctx).list_warnings())


@warning_app.command("show")
def warning_show(ctx: typer.Context, warning_id: HouseId) -> None:
    emit(_warnings(ctx).show_warning(warning_id))


@warning_app.command("inspect")
def warning_inspect(
    ctx: typer.Context,
    task_id: HouseId,
    actor: Actor = "district_housing_bureau",
    data: Annotated[str | None, typer.Option(help='{"inspector", "result", "at"?}')] = None,
) -> None:
    """Record an inspection task's result (meets its deadline)."""
    emit(_warnings(ctx).record_inspection(task_id, parse_json_option(data, "--data") or {}, actor))


@shelter_app.command("add")
def shelter_add(ctx: typer.Context, actor: Actor = "district_housing_bureau") -> None:
    """A shelter: {"name", "street", "kind", "address", "capacity"} on stdin."""
    emit(_warnings(ctx).add_shelter(read_json_stdin(), actor))


@shelter_app.command("list")
def shelter_list(ctx: typer.Context) -> None:
    """Shelters with capacity, people in them now, and room left."""
    emit(_warnings(ctx).list_shelters())


@shelter_app.command("evacuate")
def shelter_evacuate(
    ctx: typer.Context,
    actor: Actor = "district_housing_bureau",
    data: Annotated[
        str | None, typer.Option(help='{"shelter_id", "people", "house_id"?, "warning_id"?, "at"?}')
    ] = None,
) -> None:
    """People moved to a shelter; refused beyond the room it has left."""
    emit(_warnings(ctx).evacuate(parse_json_option(data, "--data") or {}, actor))


@shelter_app.command("end")
def shelter_end(
    ctx: typer.Context, shelter_id: HouseId, actor: Actor = "district_housing_bureau"
) -> None:
    """Everyone has left the shelter."""
    emit(_warnings(ctx).end_evacuation(shelter_id, actor))


expert_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The expert pool (专家库, §6.2) and experts picked for incidents.",
)
rescue_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The rescue team, materials, equipment and vehicles (§6.2).",
)
fund_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The emergency fund (§6.3) and its spending per incident.",
)
IncidentId = Annotated[int, typer.Argument(min=1, max=MAX_INT)]


def _resources(ctx: typer.Context) -> ResourceService:
    return ResourceService(_globals(ctx).service())


@expert_app.command("add")
def expert_add(ctx: typer.Context, actor: Actor = "district_housing_bureau") -> None:
    """An expert: {"name", "field", "phone", "employer"?, "available"?} on stdin."""
    emit(_resources(ctx).add_expert(read_json_stdin(), actor))


@expert_app.command("list")
def expert_list(
    ctx: typer.Context, field: Annotated[str | None, typer.Option(help="Only this field.")] = None
) -> None:
    emit(_resources(ctx).list_experts(field))


@expert_app.command("availability")
def expert_availability(
    ctx: typer.Context,
    expert_id: IncidentId,
    available: Annotated[bool, typer.Option("--available/--unavailable")],
    actor: Actor = "district_housing_bureau",
) -> None:
    emit(_resources(ctx).set_available(expert_id, available, actor))


@expert_app.command("pick")
def expert_pick(
    ctx: typer.Context,
    incident_id: IncidentId,
    actor: Actor = "district_housing_bureau",
    data: Annotated[
        str | None, typer.Option(help='{"task", "field"?, "count"?, "expert_ids"?}')
    ] = None,
) -> None:
    """Pick experts for an incident's verification, danger elimination or loss assessment."""
    emit(_resources(ctx).pick(incident_id, parse_json_option(data, "--data") or {}, actor))


@rescue_app.command("add")
def rescue_add(ctx: typer.Context, actor: Actor = "district_housing_bureau") -> None:
    """{"kind", "name", "quantity"?, "in_good_order"?, "note"?} on stdin."""
    emit(_resources(ctx).add_resource(read_json_stdin(), actor))


@rescue_app.command("list")
def rescue_list(ctx: typer.Context) -> None:
    emit(_resources(ctx).list_resources())


@fund_app.command("budget")
def fund_budget(
    ctx: typer.Context,
    actor: Actor = "district_finance_bureau",
    data: Annotated[str | None, typer.Option(help='{"year", "budget_yuan"}')] = None,
) -> None:
    """The year's start-up fund (the plan's floor: 1,000,000 yuan; below it is flagged)."""
    emit(_resources(ctx).set_budget(parse_json_option(data, "--data") or {}, actor))


@fund_app.command("spend")
def fund_spend(
    ctx: typer.Context,
    actor: Actor = "district_housing_bureau",
    data: Annotated[
        str | None, typer.Option(help='{"amount_yuan", "purpose", "incident_id"?, "at"?}')
    ] = None,
) -> None:
    emit(_resources(ctx).spend(parse_json_option(data, "--data") or {}, actor))


@fund_app.command("show")
def fund_show(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(min=2000, max=2100)],
    actor: Annotated[str, typer.Option(help="Who reads it.")] = "district_audit_bureau",
) -> None:
    """The year's fund: budget, spent, balance, per incident, every item."""
    emit(_resources(ctx).fund(year, actor))


check_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Public-building checks by the listed departments (§3.3).",
)
drill_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="The drill calendar (§7.2)."
)


@check_app.command("record")
def check_record(ctx: typer.Context, actor: Actor = "district_housing_bureau") -> None:
    """{"department", "building", "address", "street", "checked_on", "findings", "hazard"?} on
    stdin; a hazard is reported to 区房管局."""
    emit(PublicBuildingService(_globals(ctx).service()).record(read_json_stdin(), actor))


@check_app.command("list")
def check_list(
    ctx: typer.Context, department: Annotated[str | None, typer.Option()] = None
) -> None:
    emit(PublicBuildingService(_globals(ctx).service()).list(department))


@check_app.command("buildings")
def check_buildings(
    ctx: typer.Context,
    department: Annotated[str | None, typer.Option()] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only the overdue ones")] = False,
) -> None:
    """Each checked building, its last check and whether the next is overdue (the interval is
    local policy: the plan says 定期)."""
    emit(PublicBuildingService(_globals(ctx).service()).buildings(department, overdue))


@drill_app.command("plan")
def drill_plan(ctx: typer.Context, actor: Actor = "district_hq") -> None:
    """{"title", "planned_on", "units"?} on stdin."""
    emit(DrillService(_globals(ctx).service()).plan_drill(read_json_stdin(), actor))


@drill_app.command("held")
def drill_held(
    ctx: typer.Context,
    drill_id: IncidentId,
    actor: Actor = "district_hq",
    data: Annotated[str | None, typer.Option(help='{"held_on", "incident_id"?, "note"?}')] = None,
) -> None:
    emit(
        DrillService(_globals(ctx).service()).record_held(
            drill_id, parse_json_option(data, "--data") or {}, actor
        )
    )


@drill_app.command("calendar")
def drill_calendar(ctx: typer.Context) -> None:
    """Drills planned and held, and whether the gap since the last one is too long."""
    emit(DrillService(_globals(ctx).service()).calendar())
