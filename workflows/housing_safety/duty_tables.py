"""Tables of the duty desk (§3.5 值班制度, SPEC R11): the call log, the roster, handovers.

They sit on the engine's `SQLModel.metadata` and are created by revision 0015; the kernel never
reads them. A handover's sheet is frozen when it is built (what was handed over stays readable as
it was), and a confirmation is written once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.models import UTCDateTime


def _time(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _text() -> Any:
    return Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))


class DutyCall(SQLModel, table=True):
    """One incoming call of the duty telephone book (值班电话记录)."""

    __tablename__ = "duty_call"
    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = _time(index=True)
    caller_unit: str = Field(default="", max_length=200)
    caller_name: str = Field(default="", max_length=100)
    caller_position: str = Field(default="", max_length=100)
    caller_phone: str = Field(default="", max_length=64)
    street: str | None = Field(default=None, max_length=32)
    place: str = Field(max_length=500)
    content: str = _text()
    recorder: str = Field(max_length=100)
    instruction: str = _text()  # 领导批示
    handling: str = _text()  # 处理情况
    # open → incident (opened one) | attached (to an existing one) | closed (with a reason)
    status: str = Field(default="open", max_length=16, index=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    close_reason: str | None = Field(default=None, max_length=2000)
    settled_at: datetime | None = _time(nullable=True)
    settled_by: str | None = Field(default=None, max_length=64)
    logged_by: str = Field(max_length=64)
    created_at: datetime = _time()


class DutyShift(SQLModel, table=True):
    """One shift of the roster: its leader on duty (带班领导) and its officers (account names)."""

    __tablename__ = "duty_shift"
    id: int | None = Field(default=None, primary_key=True)
    starts_at: datetime = _time(index=True)
    ends_at: datetime = _time()
    leader: str = Field(max_length=100)
    officers: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False)
    )
    created_by: str = Field(max_length=64)
    created_at: datetime = _time()


class Handover(SQLModel, table=True):
    """A handover sheet from one shift to the next, with each officer's confirmation."""

    __tablename__ = "duty_handover"
    id: int | None = Field(default=None, primary_key=True)
    from_shift_id: int = Field(foreign_key="duty_shift.id", index=True)
    to_shift_id: int = Field(foreign_key="duty_shift.id", index=True)
    sheet: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON(), nullable=False)
    )
    note: str = _text()
    built_at: datetime = _time()
    built_by: str = Field(max_length=64)
    outgoing_by: str | None = Field(default=None, max_length=64)
    outgoing_at: datetime | None = _time(nullable=True)
    incoming_by: str | None = Field(default=None, max_length=64)
    incoming_at: datetime | None = _time(nullable=True)
