"""Tables of the resources chapter (§6.2, §6.3): the expert pool and who was picked for what,
the rescue team, equipment and vehicles, and the emergency fund with its spending."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.models import Money, _time


class Expert(SQLModel, table=True):
    __tablename__ = "expert"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    field: str = Field(max_length=32, index=True)
    phone: str = Field(max_length=40)
    employer: str | None = Field(default=None, max_length=200)
    available: bool = True


class ExpertAssignment(SQLModel, table=True):
    """An expert picked for an incident's verification, danger elimination or loss assessment."""

    __tablename__ = "expert_assignment"
    __table_args__ = (sa.UniqueConstraint("expert_id", "incident_id", "task"),)
    id: int | None = Field(default=None, primary_key=True)
    expert_id: int = Field(foreign_key="expert.id", index=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    task: str = Field(max_length=32)
    at: datetime = _time()
    picked_by: str = Field(max_length=64)


class RescueResource(SQLModel, table=True):
    """The rescue team (专班), its materials, equipment and vehicles (§6.2)."""

    __tablename__ = "rescue_resource"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    name: str = Field(max_length=200)
    quantity: int = 1
    in_good_order: bool = True  # 并保证使用情况良好
    checked_on: datetime | None = _time(nullable=True)
    note: str | None = Field(default=None, max_length=2000)


class FundYear(SQLModel, table=True):
    """The year's emergency start-up fund (应急启动资金, §6.3)."""

    __tablename__ = "fund_year"
    year: int = Field(primary_key=True)
    budget_yuan: Decimal = Field(sa_type=Money)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = _time()


class FundSpending(SQLModel, table=True):
    __tablename__ = "fund_spending"
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(foreign_key="fund_year.year", index=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    amount_yuan: Decimal = Field(sa_type=Money)
    purpose: str = Field(max_length=1000)
    at: datetime = _time()
    recorded_by: str = Field(max_length=64)
