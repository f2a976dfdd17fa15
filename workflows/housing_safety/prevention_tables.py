"""Tables of the prevention chapter (§3.2 register and patrols, §4.1.1 appraisals).

Each house keeps its own append-only record (`HouseEvent`): registration, corrections, patrols,
appraisals, alerts on its patrol deadline and the messages sent about it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.models import _json, _time

AREA = sa.Numeric(12, 2, asdecimal=True)


class House(SQLModel, table=True):
    """A house on the danger-house register (危险房屋清册, §3.2; SPEC R12)."""

    __tablename__ = "house"
    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=500)
    street: str = Field(max_length=32, index=True)
    community: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=200)
    owner_phone: str | None = Field(default=None, max_length=40)
    user: str | None = Field(default=None, max_length=200)
    user_phone: str | None = Field(default=None, max_length=40)
    responsible: str | None = Field(default=None, max_length=200)
    responsible_phone: str | None = Field(default=None, max_length=40)
    structure: str | None = Field(default=None, max_length=50)
    floors: int | None = None
    year_built: int | None = None
    area_m2: Decimal | None = Field(default=None, sa_type=AREA)
    use: str | None = Field(default=None, max_length=50)
    grade: str | None = Field(default=None, max_length=8, index=True)
    appraisal_body: str | None = Field(default=None, max_length=200)
    report_number: str | None = Field(default=None, max_length=100)
    appraised_on: date | None = None
    disposition: str | None = Field(default=None, max_length=32)
    remediation_due: date | None = None
    warden: str | None = Field(default=None, max_length=200)
    warden_phone: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=2000)
    registered_at: datetime = _time()
    registered_by: str = Field(max_length=64)
    last_patrol_at: datetime | None = _time(nullable=True)


class HouseEvent(SQLModel, table=True):
    __tablename__ = "house_event"
    id: int | None = Field(default=None, primary_key=True)
    house_id: int = Field(foreign_key="house.id", index=True)
    at: datetime = _time()
    recorded_at: datetime = _time()
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    data: dict[str, Any] = _json({})


class Patrol(SQLModel, table=True):
    """One patrol of a registered house (巡查记录, §3.2)."""

    __tablename__ = "patrol"
    id: int | None = Field(default=None, primary_key=True)
    house_id: int = Field(foreign_key="house.id", index=True)
    at: datetime = _time()
    recorded_at: datetime = _time()
    actor: str = Field(max_length=64)
    patroller: str = Field(max_length=200)
    findings: str = Field(max_length=4000)
    major_hazard: bool = False
    incident_id: int | None = Field(default=None, foreign_key="incident.id")


class Appraisal(SQLModel, table=True):
    """A commissioned safety appraisal (§4.1.1) of a house or for an incident."""

    __tablename__ = "appraisal"
    id: int | None = Field(default=None, primary_key=True)
    house_id: int | None = Field(default=None, foreign_key="house.id", index=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    address: str = Field(max_length=500)
    street: str = Field(max_length=32)
    agency: str = Field(max_length=200)
    commissioned_at: datetime = _time()
    commissioned_by: str = Field(max_length=64)
    grade: str | None = Field(default=None, max_length=8)
    report_number: str | None = Field(default=None, max_length=100)
    appraised_on: date | None = None
    recorded_at: datetime | None = _time(nullable=True)


class PublicBuildingCheck(SQLModel, table=True):
    """A department's periodic check of a public building of its own system (§3.3)."""

    __tablename__ = "public_building_check"
    id: int | None = Field(default=None, primary_key=True)
    department: str = Field(max_length=64, index=True)
    building: str = Field(max_length=200)
    address: str = Field(max_length=500)
    street: str = Field(max_length=32)
    checked_on: date
    findings: str = Field(max_length=4000)
    hazard: bool = False
    recorded_at: datetime = _time()
    recorded_by: str = Field(max_length=64)


class Drill(SQLModel, table=True):
    """A housing-safety drill (§7.2): planned on the calendar, then held (a drill incident may
    carry it through the workflow, marked 【演练】)."""

    __tablename__ = "drill"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    planned_on: date
    units: list[str] = _json([])
    held_on: date | None = None
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    note: str | None = Field(default=None, max_length=4000)
    planned_by: str = Field(max_length=64)
