"""The drill calendar (§7.2): drills planned and held, and a long gap since the last one flagged
(the gap is local policy). A held drill may name the drill incident that carried it through the
workflow (its notices marked 【演练】, kept out of real figures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import Field
from sqlmodel import col, select

from engine.errors import Forbidden, InvalidInput, NotFound
from engine.models import Incident
from engine.schemas import Id, Input, Text, limit, validate
from engine.service import IncidentService
from workflows.housing_safety.prevention import Day
from workflows.housing_safety.prevention_config import prevention
from workflows.housing_safety.prevention_tables import Drill


def gap(last_held: date | None, today: date, max_gap_days: int) -> dict[str, Any]:
    """Days since the last drill held, and whether that is longer than the policy allows."""
    if last_held is None:
        return {"last_held_on": None, "days_since": None, "flagged": True}
    days = (today - last_held).days
    return {
        "last_held_on": last_held.isoformat(),
        "days_since": days,
        "flagged": days > max_gap_days,
    }


class DrillIn(Input):
    title: Text
    planned_on: Day
    units: list[str] = Field(default_factory=list, max_length=60)


class HeldIn(Input):
    held_on: Day
    incident_id: Id | None = None
    note: Annotated[str, Field(max_length=limit(Drill, "note"))] | None = None


@dataclass
class DrillService:
    incidents: IncidentService

    def _organiser(self, actor: str) -> None:
        organiser = prevention(self.incidents.plan).drills.organiser
        if actor != organiser:
            raise Forbidden(f"actor: drills are organised by {organiser} (§7.2)")

    def plan_drill(self, data: object, actor: str) -> dict[str, Any]:
        self._organiser(actor)
        payload: DrillIn = validate(DrillIn, data)
        for unit in payload.units:
            if unit not in self.incidents.plan.actors:
                raise InvalidInput(f"units: unknown unit '{unit}'")
        with self.incidents.transaction() as session:
            row = Drill(**payload.model_dump(), planned_by=actor)
            session.add(row)
            session.flush()
            return _view(row)

    def record_held(self, drill_id: int, data: object, actor: str) -> dict[str, Any]:
        self._organiser(actor)
        payload: HeldIn = validate(HeldIn, data)
        if payload.held_on > self.incidents.now().date():
            raise InvalidInput("held_on: is later than today")
        with self.incidents.transaction() as session:
            row = session.get(Drill, drill_id)
            if row is None:
                raise NotFound(f"drill {drill_id} not found")
            if payload.incident_id is not None:
                incident = session.get(Incident, payload.incident_id)
                if incident is None or not incident.drill:
                    raise InvalidInput(
                        f"incident_id: {payload.incident_id} is not a drill incident"
                    )
            row.held_on, row.incident_id, row.note = (
                payload.held_on,
                payload.incident_id,
                payload.note,
            )
            session.add(row)
            return _view(row)

    def calendar(self) -> dict[str, Any]:
        rules = prevention(self.incidents.plan).drills
        with self.incidents.reading() as session:
            rows = list(session.exec(select(Drill).order_by(col(Drill.planned_on))))
        held = [r.held_on for r in rows if r.held_on is not None]
        return {
            "drills": [_view(r) for r in rows],
            "max_gap_days": rules.max_gap_days,
            **gap(max(held, default=None), self.incidents.now().date(), rules.max_gap_days),
        }


def _view(row: Drill) -> dict[str, Any]:
    out = row.model_dump()
    out["planned_on"] = row.planned_on.isoformat()
    out["held_on"] = None if row.held_on is None else row.held_on.isoformat()
    return out
