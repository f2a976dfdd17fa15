"""Who was on duty (§3.5 值班制度, SPEC R11): the roster's shift at an instant, as every
timeline event records it (the kernel's `Workflow.on_duty` hook, `engine.onduty`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from workflows.housing_safety.duty_tables import DutyShift


def shift_record(shift: DutyShift) -> dict[str, Any]:
    """What an event keeps of the shift: enough to read without the roster (which may change)."""
    return {"shift": shift.id, "leader": shift.leader, "officers": list(shift.officers)}


def on_duty(session: Session, at: datetime) -> dict[str, Any] | None:
    """The shift covering `at` (starts_at <= at < ends_at; the latest to start if shifts
    touch), or None when the roster has a gap there."""
    shift = session.exec(
        select(DutyShift)
        .where(col(DutyShift.starts_at) <= at, col(DutyShift.ends_at) > at)
        .order_by(col(DutyShift.starts_at).desc())
        .limit(1)
    ).first()
    return None if shift is None else shift_record(shift)
