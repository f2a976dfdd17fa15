"""`python main.py stats`: the figures of a period (SPEC R14) as JSON, an Excel workbook, or the
annual summary (Word, PDF). Registered in the root CLI with one line,
`app.command("stats")(stats)`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.errors import InvalidInput

FORMATS = ("json", "xlsx", "docx", "pdf")


def stats(
    ctx: typer.Context,
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="First day (YYYY-MM-DD) or instant (ISO 8601); default 1 January."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="Last day, inclusive (YYYY-MM-DD), or an instant (exclusive)."),
    ] = None,
    street: Annotated[str | None, typer.Option(help="Only this street (a code).")] = None,
    level: Annotated[str | None, typer.Option(help="Only this final level: III, II or I.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json, xlsx, docx or pdf.")] = "json",
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write to this file (xlsx, docx and pdf default to fangan-stats.<format>)."
        ),
    ] = None,
) -> None:
    """The figures of incidents reported in a period (default: this year), judged at the
    engine's clock; JSON on stdout unless --out or another --format is given."""
    # Imported here: the figures bring openpyxl and the document renderers, which no other
    # command needs at start-up.
    from engine.cli import emit, write_output
    from workflows.housing_safety.figures_record import ask
    from workflows.housing_safety.figures_view import export

    if fmt not in FORMATS:
        raise InvalidInput(f"--format: must be one of {'|'.join(FORMATS)}, not '{fmt}'")
    service = ctx.find_root().obj.service()
    now = service.now()
    _, data = ask(
        service.db,
        service.plan,
        now,
        start,
        end,
        street,
        level,
        names=("--from", "--to", "--street", "--level"),
    )
    if fmt == "json" and out is None:
        emit(data)
        return
    target = out or Path(f"fangan-stats.{fmt}")
    content = export(data, service.plan, fmt, now)
    write_output(target, content)
    emit(
        {
            "format": fmt,
            "out": str(target),
            "bytes": len(content),
            "period": data["period"],
            "incidents": data["incidents"]["count"],
        }
    )
