"""Public-building checks (§3.3): the listed departments record their periodic checks of their
own public buildings; a hazard found is reported to 区房管局 (a message through the outbox).
The plan says 定期 without an interval: a building whose last check is older than the configured
interval (local policy) is flagged overdue (`building_status`, pure over plain data)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

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


@dataclass(frozen=True)
class BuildingStatus:
    """A public building as its checks know it: the last check and when the next is due."""

    department: str
    building: str
    address: str
    street: str
    last_checked_on: date
    due_on: date
    overdue: bool
    days_overdue: int
    checks: int

    def view(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items() if not isinstance(v, date)},
            "last_checked_on": self.last_checked_on.isoformat(),
            "due_on": self.due_on.isoformat(),
        }


def _key(check: Mapping[str, Any]) -> tuple[str, str, str]:
    """One building: its department's, by name and address (spacing and case aside)."""
    return (
        check["department"],
        " ".join(str(check["building"]).split()).casefold(),
        " ".join(str(check["address"]).split()).casefold(),
    )


def building_status(
    checks: Iterable[Mapping[str, Any]], today: date, interval_days: int
) -> list[BuildingStatus]:
    """Each building's last check (plain rows with department, building, address, street and
    checked_on as a date) and whether the next, due `interval_days` after it, is overdue on
    `today`: the overdue first, most overdue first, then by the date due."""
    latest: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for check in checks:
        key = _key(check)
        counts[key] = counts.get(key, 0) + 1
        if key not in latest or check["checked_on"] > latest[key]["checked_on"]:
            latest[key] = check
    out = []
    for key, check in latest.items():
        due = check["checked_on"] + timedelta(days=interval_days)
        late = (today - due).days
        out.append(
            BuildingStatus(
                department=check["department"],
                building=check["building"],
                address=check["address"],
                street=check["street"],
                last_checked_on=check["checked_on"],
                due_on=due,
                overdue=late > 0,
                days_overdue=max(late, 0),
                checks=counts[key],
            )
        )
    return sorted(out, key=lambda b: (not b.overdue, b.due_on, b.department, b.building))


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

    def buildings(
        self, department: str | None = None, overdue_only: bool = False
    ) -> dict[str, Any]:
        """Each checked building with its last check and whether the next is overdue today
        (the interval is local policy: the plan says 定期)."""
        rules = prevention(self.incidents.plan).public_buildings
        if department is not None and department not in rules.departments:
            raise InvalidInput(f"department: must be one of {', '.join(rules.departments)}")
        today = self.incidents.now().astimezone(ZoneInfo(self.incidents.plan.plan.timezone)).date()
        with self.incidents.reading() as session:
            query = select(PublicBuildingCheck)
            if department:
                query = query.where(PublicBuildingCheck.department == department)
            rows = [r.model_dump() for r in session.exec(query)]
        found = building_status(rows, today, rules.check_interval_days)
        return {
            "as_of": today.isoformat(),
            "interval_days": rules.check_interval_days,
            "local_policy": rules.interval_local_policy,
            "note": rules.interval_note,
            "overdue": sum(b.overdue for b in found),
            "buildings": [b.view() for b in found if b.overdue or not overdue_only],
        }

    def list(self, department: str | None = None) -> list[dict[str, Any]]:
        with self.incidents.reading() as session:
            query = select(PublicBuildingCheck).order_by(col(PublicBuildingCheck.checked_on).desc())
            if department:
                query = query.where(PublicBuildingCheck.department == department)
            return [self._view(r) for r in session.exec(query)]
