"""`main.py incident report-draft`: the next information report's draft (§4.2), as JSON.

Sending it is the action: `main.py incident act ID submit_info_report --actor CODE --data
'{"to": …, "kind": …, "text": …}'`."""

from __future__ import annotations

from typing import Annotated

import typer

from engine.cli import IncidentId, _globals, emit


def report_draft(
    ctx: typer.Context,
    incident_id: IncidentId,
    kind: Annotated[
        str, typer.Option("--kind", help="initial (首报), progress (续报), final (终报).")
    ],
    to: Annotated[
        str, typer.Option("--to", help="The recipient's code (e.g. city_housing_bureau).")
    ] = "city_housing_bureau",
) -> None:
    """The next report of --kind to --to drafted from the record: {kind, number, title, to,
    sections, text}. Refused (exit 2) for an unknown kind or recipient, or out of turn."""
    from workflows.housing_safety import info_reports  # the record's modules: on use (classify)

    service = _globals(ctx).service()
    emit(info_reports.draft(service.plan, service.show(incident_id), kind, to).as_dict())
