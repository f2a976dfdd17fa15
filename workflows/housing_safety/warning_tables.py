"""Tables of the warnings (§3.5) and shelters (§6.4): the warning, the inspection task it gives
each registered C/D house in its streets, and the evacuations to a shelter."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.models import _json, _time


class Warning(SQLModel, table=True):
    """A wind, rain, snow or geological warning, by hand or from a CAP message."""

    __tablename__ = "hazard_warning"
    __table_args__ = (sa.UniqueConstraint("identifier", name="uq_hazard_warning_identifier"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    colour: str = Field(max_length=16)
    streets: list[str] = _json([])
    starts_at: datetime = _time()
    ends_at: datetime = _time()
    headline: str | None = Field(default=None, max_length=500)
    source: str = Field(max_length=16)  # manual | cap
    # The CAP message's sender and identifier: one message is imported once.
    identifier: str | None = Field(default=None, max_length=300)
    recorded_at: datetime = _time()
    recorded_by: str = Field(max_length=64)


class InspectionTask(SQLModel, table=True):
    __tablename__ = "inspection_task"
    __table_args__ = (sa.UniqueConstraint("warning_id", "house_id"),)
    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="hazard_warning.id", index=True)
    house_id: int = Field(foreign_key="house.id", index=True)
    due_at: datetime = _time()
    done_at: datetime | None = _time(nullable=True)
    inspector: str | None = Field(default=None, max_length=200)
    result: str | None = Field(default=None, max_length=4000)


class Shelter(SQLModel, table=True):
    """An emergency shelter (紧急转移避险场所, §6.4)."""

    __tablename__ = "shelter"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    street: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    address: str = Field(max_length=500)
    capacity: int


class Evacuation(SQLModel, table=True):
    """People moved from a house to a shelter (避险转移, §3.5); `ended_at` when they left it."""

    __tablename__ = "evacuation"
    id: int | None = Field(default=None, primary_key=True)
    shelter_id: int = Field(foreign_key="shelter.id", index=True)
    house_id: int | None = Field(default=None, foreign_key="house.id", index=True)
    warning_id: int | None = Field(default=None, foreign_key="hazard_warning.id", index=True)
    people: int
    at: datetime = _time()
    ended_at: datetime | None = _time(nullable=True)
    recorded_by: str = Field(max_length=64)
