"""The information reports' draft (§4.2 信息报送, R11) on the API: the prefilled text of the
next 首报, 续报 or 终报 to a recipient, for the officer to edit and send with the
`submit_info_report` action. Nothing is recorded by asking for a draft."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from engine.service import IncidentService
from web.api import CODE, ERRORS, BoundedRoute, RowId, Service, User_
from workflows.housing_safety import info_reports

router = APIRouter(prefix="/api", responses=ERRORS, route_class=BoundedRoute)

Code = Annotated[str, Query(pattern=CODE, max_length=64)]


def draft_for(service: IncidentService, incident_id: int, kind: str, to: str) -> dict[str, Any]:
    """The draft as the API and the CLI give it (one place, one shape)."""
    incident = service.show(incident_id)
    return info_reports.draft(service.plan, incident, kind, to).as_dict()


@router.get("/incidents/{incident_id}/info-reports/draft", tags=["incidents"])
def info_report_draft(
    incident_id: RowId, _: User_, service: Service, kind: Code, to: Code
) -> dict[str, Any]:
    """The next information report of `kind` (initial, progress, final) to `to`, drafted from
    the record: its number, title, sections and text. Refused as sending it would be: 422 for an
    unknown kind or recipient, 409 when it is not its turn (续报 before the 首报, 终报 before the
    response ended, a second 首报 or 终报), 404 for an unknown incident."""
    return draft_for(service, incident_id, kind, to)
