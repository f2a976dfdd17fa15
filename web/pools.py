"""The resources service on the app (made once), for the prevention pages and for the incident
page's action forms, which offer the expert pool when the danger is confirmed gone."""

from __future__ import annotations

from fastapi import Request

from web.api import service_of
from workflows.housing_safety.resources_service import ResourceService
from workflows.housing_safety.termination import TASK


def resources_of(request: Request) -> ResourceService:
    service: ResourceService | None = getattr(request.app.state, "resources", None)
    if service is None:
        service = request.app.state.resources = ResourceService(service_of(request))
    return service


def expert_choices(request: Request, incident_id: int) -> tuple[list[tuple[str, str]], list[str]]:
    """The pool's available experts and those already picked for danger elimination."""
    return resources_of(request).offered(incident_id, TASK)
