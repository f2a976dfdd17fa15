"""The command-line contract (docs/cli.md).

JSON on stdout; every error as one JSON line `{"error", "message"}` on stderr, the last line
written, with exit code 2 — never a traceback; logs go to stderr or a file, never to stdout.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Protocol
from zoneinfo import ZoneInfo

import click
import typer
from loguru import logger
from typer.core import TyperGroup

from engine.clock import Clock, fixed_clock, system_clock
from engine.errors import FanganError, InvalidInput, Tampered
from engine.inputs import MAX_INT, parse_json
from engine.plan import Plan, PlanError, load_plan
from engine.settings import Settings
from engine.timeutil import parse_instant

# A command imports what it needs when it runs: `classify` loads no database, document or web
# module (tests/test_cli_imports.py), the service and the workflow's table come on first use.
if TYPE_CHECKING:
    from typer._click import Command, Context  # the click Typer's groups are built on

    from engine.lifecycle import Workflow
    from engine.service import IncidentService


class LazyGroup(TyperGroup):
    """The root group: besides its own commands, ones the composition root names by where they
    live (`lazy`: name → "module:attr", a Typer app or a command function), imported only when
    invoked (or when the help lists them all)."""

    lazy: Mapping[str, str] = {}

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(_load_command(self.lazy[cmd_name], cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)


def _load_command(target: str, name: str) -> Command:
    module, _, attr = target.partition(":")
    found = getattr(importlib.import_module(module), attr)
    if not isinstance(found, typer.Typer):  # a command function: a one-command app is it
        single = typer.Typer(rich_markup_mode=None)
        single.command(name)(found)
        found = single
    command = typer.main.get_command(found)
    command.name = name
    return command


class Rules(Protocol):
    """The workflow's pure parts (a `Workflow` has them too): what the commands that only read
    the plan and compute take, without the table of actions and what it imports."""

    @property
    def classify(self) -> Callable[[Plan, object], dict[str, Any]]: ...

    @property
    def check(self) -> Callable[[Plan], None]: ...


@dataclass(frozen=True)
class LazyWorkflow:
    """A workflow the composition root names without importing it: its `rules` now, the whole
    `Workflow` from `load` when a command first needs it."""

    rules: Rules
    load: Callable[[], Workflow]


# Plain click help: Typer's rich panels print a `<bool>` type beside every flag (even --help).
app = typer.Typer(
    cls=LazyGroup,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Fang'an: emergency response workflow engine. Output is "
    "JSON on stdout; an error is one JSON line on stderr with exit code 2. "
    "The contract: docs/cli.md. Every code it accepts: `main.py codes`.",
)
incident_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Log and drive incidents."
)
app.add_typer(incident_app, name="incident")


@dataclass
class Globals:
    settings: Settings
    clock: Clock
    source: Workflow | LazyWorkflow
    _service: IncidentService | None = None
    _workflow: Workflow | None = field(default=None, repr=False)

    @property
    def workflow(self) -> Workflow:
        if self._workflow is None:
            source = self.source
            self._workflow = source.load() if isinstance(source, LazyWorkflow) else source
        return self._workflow

    @property
    def rules(self) -> Rules:
        """The pure parts, without loading the table of actions if it was named lazily."""
        if self._workflow is None and isinstance(self.source, LazyWorkflow):
            return self.source.rules
        return self.workflow

    def plan(self) -> Plan:
        """The plan file, checked against the workflow too (as a service is at start-up)."""
        plan = load_plan(self.settings.plan)
        self.rules.check(plan)
        return plan

    def db_url(self) -> str:
        """The database URL, checked (`check_db_url`) by the commands that open one."""
        check_db_url(self.settings.db_url)
        return self.settings.db_url

    def service(self) -> IncidentService:
        if self._service is None:
            import sqlalchemy as sa

            from engine.contacts import load_directory
            from engine.service import IncidentService

            settings = self.settings
            db_url = self.db_url()
            plan, directory = load_plan(settings.plan), load_directory(settings.contacts)
            try:
                self._service = IncidentService(
                    db_url,
                    plan,
                    self.workflow,
                    clock=self.clock,
                    directory=directory,
                    public_url=settings.console_url,
                    secret_key=settings.secret_key,
                    key_file=settings.key_file,
                )
            except sa.exc.OperationalError as exc:  # cannot connect or open the file
                reason = str(exc.orig).splitlines()[0] if exc.orig else "unreachable"
                raise InvalidInput(f"--db: cannot open the database ({reason})") from exc
        return self._service


def check_db_url(url: str) -> None:
    """A URL of a backend the engine runs on, with its driver installed; never echoed back
    (it may hold a password)."""
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise InvalidInput(
                "--db: only sqlite:///FILE and postgresql+psycopg://… URLs are supported"
            )
        parsed.get_dialect().import_dbapi()
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise InvalidInput("--db: not a database URL (e.g. sqlite:///fangan.db)") from exc
    except ImportError as exc:
        raise InvalidInput(f"--db: its driver is not installed ({exc.name})") from exc


def configure_logging(settings: Settings) -> None:
    logger.remove()
    logger.add(
        sys.stderr,
        level="WARNING",
        format="{time:YYYY-MM-DD HH:mm:ss} {level} {message}",
        filter=lambda record: "details" not in record["extra"],
    )
    if settings.log_file is not None:
        logger.add(
            settings.log_file,
            level=settings.log_level,
            serialize=True,
            rotation="50 MB",
            retention=10,
        )


def emit(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def read_json_stdin() -> Any:
    return parse_json(sys.stdin.read(), "stdin")


def parse_json_option(text: str | None, name: str) -> Any:
    return None if text is None else parse_json(text, name)


def write_output(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise InvalidInput(f"--out: cannot write {out} ({exc.strerror})") from exc


def _globals(ctx: typer.Context) -> Globals:
    found: Globals = ctx.find_root().obj
    return found


# Ids are BIGINT: a larger number is a usage error, not a database overflow.
IncidentId = Annotated[int, typer.Argument(min=1, max=MAX_INT)]


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (FANGAN_DB_URL).")] = None,
    now: Annotated[str | None, typer.Option("--now", help="The engine's clock (ISO 8601).")] = None,
) -> None:
    settings = Settings()
    if db is not None:
        settings = settings.model_copy(update={"db_url": db})
    configure_logging(settings)
    clock = fixed_clock(parse_instant(now, "--now")) if now is not None else system_clock
    # `run` hands over the workflow the composition root (main.py) chose.
    source: Workflow | LazyWorkflow = ctx.obj
    ctx.obj = Globals(settings, clock, source)


@app.command("classify")
def classify_cmd(ctx: typer.Context) -> None:
    """Facts JSON on stdin → grade, response level, scope and reasons."""
    g = _globals(ctx)
    emit(g.rules.classify(g.plan(), read_json_stdin()))


@incident_app.command("report")
def incident_report(
    ctx: typer.Context,
    actor: Annotated[
        str | None, typer.Option(help="Who logs it (default: the plan's intake desk).")
    ] = None,
    merge_into: Annotated[
        int | None,
        typer.Option(
            "--merge-into",
            min=1,
            max=MAX_INT,
            help="It duplicates this open incident: log it and fold it in (merge).",
        ),
    ] = None,
) -> None:
    """Log a new report: incident JSON on stdin. Check `incident duplicates` first."""
    emit(_globals(ctx).service().report(read_json_stdin(), actor=actor, merge_into=merge_into))


@incident_app.command("duplicates")
def incident_duplicates(ctx: typer.Context) -> None:
    """Open incidents a report (incident JSON on stdin, as `report` takes it) is likely a
    duplicate of: same street, a similar address, within the plan's window. Records nothing."""
    emit(_globals(ctx).service().duplicates(read_json_stdin()))


@app.command("codes")
def codes_cmd(ctx: typer.Context) -> None:
    """Every code the commands accept: streets, conditions, levels, grades, actors (units and
    roles), states, and each action with the states it is taken from and its --data fields."""
    from engine.codes import plan_codes

    g = _globals(ctx)
    emit(plan_codes(g.plan(), g.workflow))


@incident_app.command("show")
def incident_show(ctx: typer.Context, incident_id: IncidentId) -> None:
    """One whole incident: facts, deadlines, notices, obligations and its timeline."""
    emit(_globals(ctx).service().show(incident_id))


@incident_app.command("list")
def incident_list(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only incidents in this state.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
    street: Annotated[str | None, typer.Option(help="Only this street.")] = None,
    level: Annotated[str | None, typer.Option(help="Only this response level.")] = None,
    drill: Annotated[
        bool | None, typer.Option("--drill/--real", help="Only drills, or only real incidents.")
    ] = None,
    overdue: Annotated[
        bool | None,
        typer.Option(
            "--overdue/--not-overdue", help="Only those with (or without) an overdue deadline."
        ),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Reported at or after (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Reported before (ISO 8601).")] = None,
    q: Annotated[
        str | None, typer.Option("--q", help="Text in the address, description or reporter.")
    ] = None,
    order: Annotated[str, typer.Option(help="newest (default) or urgency.")] = "newest",
    limit: Annotated[int, typer.Option(help="At most this many (1-500).")] = 100,
    cursor: Annotated[str | None, typer.Option(help="The next page (printed on stderr).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Whole incidents, not summaries.")] = False,
) -> None:
    """Incident summaries, newest first (or by urgency), at most --limit; the cursor of the
    next page goes to stderr. Unknown states, streets, levels and orders are refused."""
    from engine.summaries import ListQuery, list_page

    service = _globals(ctx).service()

    def option(name: str) -> str:
        return f"--{name}"

    page = list_page(
        service,
        ListQuery(
            states=(state,) if state else (),
            open_only=open_only,
            street=street,
            level=level,
            drill=drill,
            overdue=overdue,
            since=parse_instant(since, "--since") if since else None,
            until=parse_instant(until, "--until") if until else None,
            text=q,
            order=order,
            limit=limit,
            cursor=cursor,
        ),
        option,
    )
    emit([service.show(row["id"]) for row in page.rows] if full else page.rows)
    if page.next_cursor:
        sys.stderr.write(f"next page: --cursor {page.next_cursor}\n")


@incident_app.command("act")
def incident_act(
    ctx: typer.Context,
    incident_id: IncidentId,
    action: str,
    actor: Annotated[
        str, typer.Option(help="Who acts: a unit or actor code (`main.py codes` lists them).")
    ],
    at: Annotated[
        str | None,
        typer.Option(
            help="When it happened (ISO 8601 with an offset); default the engine's clock."
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(help="The action's data as a JSON object (its fields: `main.py codes`)."),
    ] = None,
    proxy: Annotated[
        str | None,
        typer.Option(
            help='Recorded on a body\'s behalf (R11), as a JSON object: {"for": BODY, "source": '
            '"phone"|"fax"|"document"|"meeting", "conveyed_by": NAME}; --actor is the desk.'
        ),
    ] = None,
) -> None:
    """Take ACTION on incident INCIDENT_ID as --actor; prints the incident after it. A refused
    action changes nothing and says why (and who may act). The actions, the states each is
    taken from and their --data fields: `python main.py codes`."""
    emit(
        _globals(ctx)
        .service()
        .act(
            incident_id,
            action,
            actor=actor,
            at=at,
            data=parse_json_option(data, "--data"),
            proxy=parse_json_option(proxy, "--proxy"),
        )
    )


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
    incident_id: IncidentId,
    unit: Annotated[str, typer.Option(help="The unit the notice went to.")],
    kind: Annotated[str, typer.Option(help="The notice kind, e.g. activation_II.")],
    fmt: Annotated[str, typer.Option("--format", help="html or pdf.")] = "pdf",
    out: Annotated[Path, typer.Option(help="Where to write the file.")] = Path("notice.pdf"),
    occasion: Annotated[
        int | None, typer.Option(help="Which issue of the notice (1, 2, …); default the latest.")
    ] = None,
) -> None:
    """Render a notice the incident produced as a GB/T 9704 official document."""
    from documents import render_notice_html, render_notice_pdf

    if fmt not in ("html", "pdf"):
        raise InvalidInput(f"--format: must be html or pdf, not '{fmt}'")
    document = _globals(ctx).service().notice_document(incident_id, unit, kind, occasion)
    write_output(
        out,
        render_notice_html(document).encode("utf-8")
        if fmt == "html"
        else render_notice_pdf(document),
    )
    emit(
        {
            "incident_id": incident_id,
            "unit": unit,
            "kind": kind,
            "format": fmt,
            "out": str(out),
            "doc_number": document.doc_number,
        }
    )


@app.command("report")
def report_cmd(
    ctx: typer.Context,
    incident_id: IncidentId,
    fmt: Annotated[str, typer.Option("--format", help="md, html, docx or pdf.")],
    out: Annotated[Path, typer.Option(help="Where to write the report.")],
) -> None:
    """The §5.2 investigation report: drafted from the record until it is submitted."""
    from documents.report import FORMATS, render_report

    if fmt not in FORMATS:
        raise InvalidInput(f"--format: must be one of {'|'.join(FORMATS)}, not '{fmt}'")
    report = _globals(ctx).service().investigation_report(incident_id)
    content = render_report(report, fmt)
    write_output(out, content)
    emit(
        {
            "incident_id": incident_id,
            "format": fmt,
            "out": str(out),
            "bytes": len(content),
            "draft": report.draft,
        }
    )


@app.command("deliver")
def deliver_cmd(ctx: typer.Context) -> None:
    """Send what the outbox holds and is due, once; one JSON object per message tried."""
    for outcome in _globals(ctx).service().deliver():
        typer.echo(json.dumps(outcome.__dict__, ensure_ascii=False))


audit_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="The tamper-evident timeline."
)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    incident: Annotated[int | None, typer.Option("--incident", help="Only this incident.")] = None,
) -> None:
    """Check every incident's timeline chain (or one's). JSON on stdout: per incident `ok` or
    `broken` with each problem named (seq and what: mac_mismatch, missing, out_of_order,
    chain_broken, head_missing, head_mismatch, beyond_head, unsealed). Exit 0 when every chain is
    intact; exit 2 with {"error": "tampered"} on stderr when one is not."""
    verdicts = _globals(ctx).service().verify_audit(incident)
    broken = [v for v in verdicts if not v.ok]
    from engine.service import tampered_text

    emit(
        {
            "ok": not broken,
            "incidents": [
                {
                    "incident_id": v.incident_id,
                    "events": v.events,
                    "status": "ok" if v.ok else "broken",
                    "problems": [p.as_dict() for p in v.problems],
                }
                for v in verdicts
            ],
        }
    )
    if broken:
        raise Tampered(
            "; ".join(f"incident {v.incident_id}: {tampered_text(v.problems)}" for v in broken[:5])
            + (f"; and {len(broken) - 5} more incidents" if len(broken) > 5 else "")
        )


@audit_app.command("seal")
def audit_seal(ctx: typer.Context) -> None:
    """Chain the events recorded before the audit chain existed: run once after upgrading. It
    trusts those events as they stand; incidents whose sealed events were altered are refused."""
    from engine.service import tampered_text

    sealed, refused = _globals(ctx).service().seal_audit()
    emit({"sealed": sealed, "refused": [p.as_dict() for p in refused]})
    if refused:
        raise Tampered(tampered_text(refused))


contacts_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="The contact directory (§6.1)."
)
app.add_typer(contacts_app, name="contacts")


@contacts_app.command("stale")
def contacts_stale(ctx: typer.Context) -> None:
    """Units and roles whose contacts are missing, unverified for too long, or not 24-hour."""
    from engine.contacts import load_directory, stale_entries

    g = _globals(ctx)
    plan = g.plan()
    directory = load_directory(g.settings.contacts)
    codes = [*plan.member_units, *plan.roles.items, plan.plan.duty_desk]
    today = g.clock().astimezone(ZoneInfo(plan.plan.timezone)).date()
    emit(stale_entries(directory, codes, today))


def fail(code: str, message: str, exit_code: int = 2) -> NoReturn:
    sys.stderr.write(json.dumps({"error": code, "message": message}, ensure_ascii=False) + "\n")
    sys.stderr.flush()
    raise SystemExit(exit_code)


def run(
    root_app: typer.Typer,
    workflow: Workflow | LazyWorkflow,
    argv: list[str] | None = None,
    lazy: Mapping[str, str] | None = None,
) -> None:
    """Run the command line `root_app` (the kernel's commands and whatever the composition
    root added, `lazy` ones by where they live: see `LazyGroup`) on `workflow`, keeping the
    contract: JSON errors, exit 2, never a traceback."""
    command = typer.main.get_command(root_app)
    if isinstance(command, LazyGroup):
        command.lazy = dict(lazy or {})
    try:
        command.main(args=argv, prog_name="main.py", standalone_mode=False, obj=workflow)
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
        # The details (for a database error: its SQL and parameters) go to the log file only;
        # the message never carries them.
        logger.opt(exception=exc).bind(details=True).error("internal error")
        fail(
            "internal",
            f"internal error ({type(exc).__name__}); the details are in the log",
            exit_code=1,
        )
