"""`main.py call`, `shift` and `handover`: the duty desk's commands (§3.5 值班制度).

JSON in on stdin where a record is given, JSON out; errors follow the kernel's contract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli import _globals, emit, parse_json_option, read_json_stdin, write_output
from engine.schemas import MAX_INT
from workflows.housing_safety.duty import DutyDesk

Id = Annotated[int, typer.Argument(min=1, max=MAX_INT)]
By = Annotated[str, typer.Option("--by", help="Who does it (account name or unit code).")]

call_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="The duty telephone book (值班电话记录)."
)
shift_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="The duty roster (值班表)."
)
handover_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Handover sheets between shifts (交接班)."
)


def _desk(ctx: typer.Context) -> DutyDesk:
    return DutyDesk(_globals(ctx).service())


@call_app.command("log")
def call_log(ctx: typer.Context, by: By = "cli") -> None:
    """Log a call: JSON on stdin {received_at?, caller_unit?, caller_name?, caller_position?,
    caller_phone?, street?, place, content, recorder, instruction?, handling?}."""
    emit(_desk(ctx).log_call(read_json_stdin(), by=by))


@call_app.command("list")
def call_list(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Option("--query", "-q", help="Words in caller, place or content.")
    ] = "",
    status: Annotated[str | None, typer.Option(help="open, incident, attached or closed.")] = None,
) -> None:
    """The call log, newest first (searched when --query is given)."""
    emit(_desk(ctx).calls(query, status))


@call_app.command("show")
def call_show(ctx: typer.Context, call_id: Id) -> None:
    """One call."""
    emit(_desk(ctx).call(call_id))


@call_app.command("attach")
def call_attach(
    ctx: typer.Context,
    call_id: Id,
    incident: Annotated[int, typer.Option(min=1, max=MAX_INT, help="The open incident.")],
    by: By = "cli",
) -> None:
    """Attach the call to an existing open incident."""
    emit(_desk(ctx).attach_call(call_id, incident, by=by))


@call_app.command("open")
def call_open(
    ctx: typer.Context,
    call_id: Id,
    by: By = "cli",
    data: Annotated[
        str | None,
        typer.Option(
            help="JSON {condition, street?, address?, discovered_at?, dead?, missing?, injured?, "
            "people_at_risk?, drill?}; default stdin."
        ),
    ] = None,
) -> None:
    """Open an incident prefilled from the call; prints the incident."""
    payload = parse_json_option(data, "--data") if data is not None else read_json_stdin()
    emit(_desk(ctx).open_incident(call_id, payload, by=by))


@call_app.command("close")
def call_close(
    ctx: typer.Context,
    call_id: Id,
    reason: Annotated[str, typer.Option(help="Why no incident is needed.")],
    by: By = "cli",
) -> None:
    """Close the call with a reason."""
    emit(_desk(ctx).close_call(call_id, reason, by=by))


@call_app.command("handle")
def call_handle(
    ctx: typer.Context,
    call_id: Id,
    instruction: Annotated[
        str | None, typer.Option(help="The leader's instruction (领导批示).")
    ] = None,
    handling: Annotated[str | None, typer.Option(help="How it was handled (处理情况).")] = None,
) -> None:
    """Record a leader's instruction on the call and how it was carried out."""
    data = {k: v for k, v in (("instruction", instruction), ("handling", handling)) if v}
    emit(_desk(ctx).record_handling(call_id, data))


@shift_app.command("add")
def shift_add(ctx: typer.Context, by: By = "cli") -> None:
    """Add a shift: JSON on stdin {starts_at, ends_at, leader, officers: [account names]}."""
    emit(_desk(ctx).add_shift(read_json_stdin(), by=by))


@shift_app.command("list")
def shift_list(ctx: typer.Context) -> None:
    """The roster, earliest first."""
    emit(_desk(ctx).shifts())


@handover_app.command("build")
def handover_build(
    ctx: typer.Context,
    from_shift: Annotated[int, typer.Option("--from", min=1, max=MAX_INT)],
    to_shift: Annotated[int, typer.Option("--to", min=1, max=MAX_INT)],
    note: Annotated[str, typer.Option(help="The outgoing officer's note.")] = "",
    by: By = "cli",
) -> None:
    """Build the handover sheet from the record as it stands now."""
    emit(_desk(ctx).build_handover(from_shift, to_shift, note, by=by))


@handover_app.command("confirm")
def handover_confirm(
    ctx: typer.Context,
    handover_id: Id,
    side: Annotated[str, typer.Option(help="outgoing (交班) or incoming (接班).")],
    officer: Annotated[str, typer.Option(help="The confirming officer's account name.")],
) -> None:
    """Confirm a handover as an officer of the outgoing or the incoming shift."""
    emit(_desk(ctx).confirm_handover(handover_id, side, officer))


@handover_app.command("show")
def handover_show(
    ctx: typer.Context,
    handover_id: Id,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="html or pdf: write the sheet as printed to --out."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Where --format writes.")] = Path("handover.pdf"),
) -> None:
    """One handover sheet as it was built, with its confirmations (JSON, or printed)."""
    desk = _desk(ctx)
    if fmt is None:
        emit(desk.handover(handover_id))
        return
    content = desk.handover_document(handover_id, fmt)
    write_output(out, content)
    emit({"handover_id": handover_id, "format": fmt, "out": str(out), "bytes": len(content)})
