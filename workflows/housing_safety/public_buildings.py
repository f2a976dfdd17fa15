"""Public-building checks (§3.3): the listed departments record their periodic checks of their
own public buildings; a hazard found is reported to 区房管局 (a message through the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field
from sqlmodel import col, select

from engine.errors import Forbidden, InvalidInput
from engine.notices import Rendered
from engine.outbox import insert
from engine.schemas import Flag, Input, Text, limit, validate
from engine.service import IncidentService
from workflows.housing_safety.prevention import Day
from workflows.housing_safety.prevention_config import prevention
from workflows.housing_safety.prevention_tables import PublicBuildingCheck


class CheckIn(Input):
    department: str
    building: Text
    address: Text
    street: str
    checked_on: Day
    findings: Annotated[str, Field(min_length=1, max_length=limit(PublicBuildingCheck, "findings"))]
    hazard: Flag = False


@dataclass
class PublicBuildingService:
    incidents: IncidentService

    def record(self, data: object, actor: str) -> dict[str, Any]:
        """A check, by its department (or by the proxy for one without an account)."""
        plan = self.incidents.plan
        rules = prevention(plan).public_buildings
        payload: CheckIn = validate(CheckIn, data)
        if payload.department not in rules.departments:
            raise InvalidInput(f"department: must be one of {', '.join(rules.departments)}")
        if actor not in (payload.department, rules.proxy):
            raise Forbidden(f"actor: a check is recorded by its department or by {rules.proxy}")
        if payload.street not in plan.streets.items:
            raise InvalidInput(f"street: unknown street '{payload.street}'")
        now = self.incidents.now()
        if payload.checked_on > now.date():
            raise InvalidInput("checked_on: is later than today")
        with self.incidents.transaction() as session:
            row = PublicBuildingCheck(**payload.model_dump(), recorded_at=now, recorded_by=actor)
            session.add(row)
            session.flush()
            if row.hazard:
                department = rules.departments[row.department]
                insert(
                    session,
                    self.incidents.outbox.about(
                        f"public_check:{row.id}",
                        rules.report_to,
                        "public_building_hazard",
                        Rendered(
                            f"公共建筑安全隐患通报：{row.building}",
                            f"{department}于{row.checked_on.isoformat()}检查"
                            f"{plan.streets.items[row.street]}{row.address}（{row.building}）"
                            f"发现房屋安全隐患：{row.findings}\n已责成房屋安全责任人及时治理"
                            "（§3.3）。",
                        ),
                        "hazard",
                        now,
                    ),
                )
            return self._view(row)

    def _view(self, row: PublicBuildingCheck) -> dict[str, Any]:
        out = row.model_dump()
        out["checked_on"] = row.checked_on.isoformat()
        out["recorded_at"] = row.recorded_at.isoformat()
        out["reported_to"] = (
            prevention(self.incidents.plan).public_buildings.report_to if row.hazard else None
        )
        return out

    def list(self, department: str | None = None) -> list[dict[str, Any]]:
        with self.incidents.reading() as session:
            query = select(PublicBuildingCheck).order_by(col(PublicBuildingCheck.checked_on).desc())
            if department:
                query = query.where(PublicBuildingCheck.department == department)
            return [self._view(r) for r in session.exec(query)]
