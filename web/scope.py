"""Street scope (SPEC R11): a street office's account belongs to one street and sees and acts
on that street's incidents only.

The account's street is on the `Principal`; every surface that shows or changes an incident
(the API, the console, the board and history, the live stream, acknowledgements) asks here
first. An account without a street (every unit the plan does not bind to a street) is not
scoped. Refusals are `Forbidden` (403) with the incident and both streets named.
"""

from __future__ import annotations

from sqlmodel import col, select

from engine.errors import Forbidden, NotFound
from engine.models import Incident
from engine.service import IncidentService
from web.accounts import Principal


def incident_street(service: IncidentService, incident_id: int) -> str:
    """The street of an incident (one indexed read, not the whole view)."""
    with service.reading() as session:
        street = session.exec(
            select(Incident.street).where(col(Incident.id) == incident_id)
        ).first()
    if street is None:
        raise NotFound(f"incident {incident_id} does not exist")
    return street


def allowed(who: Principal | None, street: str) -> bool:
    return who is None or who.street is None or who.street == street


def check_incident(service: IncidentService, who: Principal | None, incident_id: int) -> None:
    """Refuse an incident of another street to a scoped account (an unknown id stays 404)."""
    if who is None or who.street is None:
        return
    street = incident_street(service, incident_id)
    if street != who.street:
        raise Forbidden(
            f"incident {incident_id} is in street '{street}'; "
            f"this account acts for street '{who.street}' only"
        )


def check_street(who: Principal, street: object) -> None:
    """Refuse a report (or a filter) naming another street to a scoped account."""
    if who.street is not None and street is not None and street != who.street:
        raise Forbidden(
            f"street: this account acts for street '{who.street}' only, not '{str(street)[:40]}'"
        )


def list_street(who: Principal, asked: str | None) -> str | None:
    """The street filter a list runs with: a scoped account's own street, always."""
    check_street(who, asked or None)
    return who.street if who.street is not None else asked
