"""The command-line contract (SPEC §5).

JSON on stdout; every error as one JSON line `{"error", "message"}` on stderr, the last line
written, with exit code 2 — never a traceback; logs go to stderr or a file, never to stdout.
"""

from __future__ import annotations

import json
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import click
import typer
from loguru import logger

from engine.clock import Clock, fixed_clock, system_clock
from engine.contacts import load_directory, stale_entries
from engine.errors import FanganError, InvalidInput
from engine.plan import PlanError, load_plan
from engine.service import IncidentService, classify_facts, load_workflow
from engine.settings import Settings
from engine.timeutil import parse_instant
from web.cli_users import users_app

WORKFLOW = "workflows.housing_safety:WORKFLOW"

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Fang'an (房安): housing-safety emergency response engine.")
incident_app = typer.Typer(no_args_is_help=True, help="Log and drive incidents.")
app.add_typer(incident_app, name="incident")
app.add_typer(users_app, name="user")


@dataclass
class Globals:
    settings: Settings
    clock: Clock
    _service: IncidentService | None = None

    def service(self) -> IncidentService:
        if self._service is None:
            settings = self.settings
            self._service = IncidentService(
                settings.db_url, load_plan(settings.plan), load_workflow(WORKFLOW),
                clock=self.clock, directory=load_directory(settings.contacts),
                public_url=settings.public_url, secret_key=settings.secret_key)
        return self._service


def configure_logging(settings: Settings) -> None:
    logger.remove()
    logger.add(sys.stderr, level="WARNING", format="{time:YYYY-MM-DD HH:mm:ss} {level} {message}")
    if settings.log_file is not None:
        logger.add(settings.log_file, level=settings.log_level, serialize=True,
                   rotation="50 MB", retention=10)


def emit(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def read_json_stdin() -> Any:
    text = sys.stdin.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"stdin: not valid JSON ({exc.msg} at line {exc.lineno} "
                           f"column {exc.colno})") from exc


def parse_json_option(text: str | None, name: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name}: not valid JSON ({exc.msg} at column {exc.colno})") from exc


def _globals(ctx: typer.Context) -> Globals:
    found: Globals = ctx.find_root().obj
    return found


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (FANGAN_DB_URL).")] = None,
    now: Annotated[str | None, typer.Option("--now", help="The engine's clock (ISO 8601).")]
    = None,
) -> None:
    settings = Settings()
    if db is not None:
        settings = settings.model_copy(update={"db_url": db})
    configure_logging(settings)
    clock = fixed_clock(parse_instant(now, "--now")) if now is not None else system_clock
    ctx.obj = Globals(settings, clock)


@app.command("classify")
def classify_cmd(ctx: typer.Context) -> None:
    """Facts JSON on stdin → grade, response level, scope and reasons."""
    emit(classify_facts(load_plan(_globals(ctx).settings.plan), read_json_stdin()))


@incident_app.command("report")
def incident_report(
    ctx: typer.Context,
    actor: Annotated[str, typer.Option(help="Who logs it.")] = "district_housing_bureau",
) -> None:
    """Log a new report: incident JSON on stdin."""
    emit(_globals(ctx).service().report(read_json_stdin(), actor=actor))


@incident_app.command("show")
def incident_show(ctx: typer.Context, incident_id: int) -> None:
    emit(_globals(ctx).service().show(incident_id))


@incident_app.command("list")
def incident_list(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only incidents in this state.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
) -> None:
    emit(_globals(ctx).service().list_incidents(state=state, include_closed=not open_only))


@incident_app.command("act")
def incident_act(
    ctx: typer.Context,
    incident_id: int,
    action: str,
    actor: Annotated[str, typer.Option(help="The actor code (SPEC §3).")],
    at: Annotated[str | None, typer.Option(help="When it happened (ISO 8601).")] = None,
    data: Annotated[str | None, typer.Option(help="The action's data as JSON.")] = None,
) -> None:
    emit(_globals(ctx).service().act(incident_id, action, actor=actor, at=at,
                                     data=parse_json_option(data, "--data")))


@app.command("tick")
def tick_cmd(
    ctx: typer.Context,
    until: Annotated[str, typer.Option(help="Bring every timer up to this instant (ISO 8601).")],
) -> None:
    """Catch up every timer to an instant; one JSON object per alert fired."""
    instant = parse_instant(until, "--until")
    g = _globals(ctx)
    g.clock = fixed_clock(instant)
    service = g.service()
    zone = ZoneInfo(service.plan.plan.timezone)
    for alert in service.tick(instant):
        typer.echo(json.dumps(alert.as_dict(zone), ensure_ascii=False))


@app.command("notice")
def notice_cmd(
    ctx: typer.Context,
    incident_id: int,
    unit: Annotated[str, typer.Option(help="The unit the notice went to.")],
    kind: Annotated[str, typer.Option(help="The notice kind, e.g. activation_II.")],
    fmt: Annotated[str, typer.Option("--format", help="html or pdf.")] = "pdf",
    out: Annotated[Path, typer.Option(help="Where to write the file.")] = Path("notice.pdf"),
    occasion: Annotated[int | None, typer.Option(
        help="Which issue of the notice (1, 2, …); default the latest.")] = None,
) -> None:
    """Render a notice the incident produced as a GB/T 9704 official document."""
    from documents import render_notice_html, render_notice_pdf

    if fmt not in ("html", "pdf"):
        raise InvalidInput(f"--format: must be html or pdf, not '{fmt}'")
    document = _globals(ctx).service().notice_document(incident_id, unit, kind, occasion)
    if fmt == "html":
        out.write_text(render_notice_html(document), encoding="utf-8")
    else:
        out.write_bytes(render_notice_pdf(document))
    emit({"incident_id": incident_id, "unit": unit, "kind": kind, "format": fmt,
          "out": str(out), "doc_number": document.doc_number})


@app.command("report")
def report_cmd(
    ctx: typer.Context,
    incident_id: int,
    fmt: Annotated[str, typer.Option("--format", help="md, html, docx or pdf.")],
    out: Annotated[Path, typer.Option(help="Where to write the report.")],
) -> None:
    """The §5.2 investigation report: drafted from the record until it is submitted."""
    from documents.report import FORMATS, render_report

    if fmt not in FORMATS:
        raise InvalidInput(f"--format: must be one of {'|'.join(FORMATS)}, not '{fmt}'")
    report = _globals(ctx).service().investigation_report(incident_id)
    content = render_report(report, fmt)
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise InvalidInput(f"--out: cannot write {out} ({exc.strerror})") from exc
    emit({"incident_id": incident_id, "format": fmt, "out": str(out), "bytes": len(content),
          "draft": report.draft})


@app.command("deliver")
def deliver_cmd(ctx: typer.Context) -> None:
    """Send what the outbox holds and is due, once; one JSON object per message tried."""
    for outcome in _globals(ctx).service().deliver():
        typer.echo(json.dumps(outcome.__dict__, ensure_ascii=False))


contacts_app = typer.Typer(no_args_is_help=True, help="The contact directory (§6.1).")
app.add_typer(contacts_app, name="contacts")


@contacts_app.command("stale")
def contacts_stale(ctx: typer.Context) -> None:
    """Units and roles whose contacts are missing, unverified for too long, or not 24-hour."""
    g = _globals(ctx)
    plan = load_plan(g.settings.plan)
    directory = load_directory(g.settings.contacts)
    codes = [*plan.member_units, *plan.roles.items, "duty_officer"]
    today = g.clock().astimezone(ZoneInfo(plan.plan.timezone)).date()
    emit(stale_entries(directory, codes, today))


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """API, web console and scheduler in one process (stops cleanly on SIGTERM)."""
    import uvicorn

    from web.app import create_app

    g = _globals(ctx)
    settings = g.settings
    logger.add(sys.stderr, level=settings.log_level, filter=lambda r: r["level"].no < 30,
               format="{time:YYYY-MM-DD HH:mm:ss} {level} {message}")
    app_ = create_app(g.service(), settings)
    # uvicorn shuts down gracefully on SIGTERM and then re-raises it; exit 0 after a clean stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(app_, host=host or settings.host, port=port or settings.port,
                log_level="warning")


def fail(code: str, message: str, exit_code: int = 2) -> NoReturn:
    sys.stderr.write(json.dumps({"error": code, "message": message}, ensure_ascii=False) + "\n")
    sys.stderr.flush()
    raise SystemExit(exit_code)


def main(argv: list[str] | None = None) -> None:
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="main.py", standalone_mode=False)
    except FanganError as exc:
        fail(exc.code, exc.message)
    except PlanError as exc:
        fail("invalid_config", str(exc))
    except (click.exceptions.Exit, typer.Exit) as exc:
        raise SystemExit(exc.exit_code) from None
    except (click.exceptions.Abort, typer.Abort):
        fail("aborted", "aborted")
    except Exception as exc:  # the contract: never a traceback on the terminal
        # Usage errors: click's, or the copy of click that newer Typer versions vendor.
        if callable(getattr(exc, "format_message", None)):
            fail("usage", exc.format_message())  # type: ignore[attr-defined]
        logger.opt(exception=exc).debug("internal error")
        fail("internal", f"{type(exc).__name__}: {exc}", exit_code=1)
