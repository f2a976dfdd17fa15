"""Reporting-deadline arithmetic (§4.2, §4.1.2, §4.1.3; SPEC R3): pure functions over plain data.

"Within" is inclusive: a report at exactly the due instant is on time. A deadline is `overdue`
once its due instant has passed unmet. A stopped deadline (incident dismissed or closed) is judged
at the instant it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from engine.plan import DeadlineRule

Status = Literal["pending", "met", "overdue", "met_late"]


@dataclass(frozen=True)
class Deadline:
    code: str
    started_at: datetime
    due_at: datetime
    recipients: tuple[str, ...]
    reported: dict[str, datetime] = field(default_factory=dict)
    met_at: datetime | None = None
    stopped_at: datetime | None = None
    occasion: int = 1

    @property
    def open(self) -> bool:
        """Still waiting for a report and still running."""
        return self.met_at is None and self.stopped_at is None

    def waiting_on(self) -> tuple[str, ...]:
        return tuple(r for r in self.recipients if r not in self.reported)


def start(rule: DeadlineRule, code: str, started_at: datetime, occasion: int = 1) -> Deadline:
    return Deadline(
        code=code,
        started_at=started_at,
        due_at=started_at + timedelta(minutes=rule.within_minutes),
        recipients=tuple(rule.recipients),
        occasion=occasion,
    )


def record_report(deadline: Deadline, recipient: str, at: datetime) -> Deadline:
    """The deadline after a report to `recipient` at `at`; met once every recipient has one."""
    if not deadline.open or recipient not in deadline.waiting_on():
        return deadline
    reported = {**deadline.reported, recipient: at}
    met_at = max(reported.values()) if len(reported) == len(deadline.recipients) else None
    return replace(deadline, reported=reported, met_at=met_at)


def status(deadline: Deadline, now: datetime) -> Status:
    if deadline.met_at is not None:
        return "met" if deadline.met_at <= deadline.due_at else "met_late"
    judged_at = min(now, deadline.stopped_at) if deadline.stopped_at else now
    return "overdue" if judged_at > deadline.due_at else "pending"


def backfilled(
    deadline: Deadline, met_recorded_at: datetime | None, overdue_alerted_at: datetime | None
) -> bool:
    """Backfilled: met on time by its report's effective time, but that report was recorded only
    after the due instant, once an overdue alert had gone out. The status stays `met` (R3 judges the
    effective time); the flag keeps the alarm the record raised from being read as plain `met`."""
    return (
        deadline.met_at is not None
        and deadline.met_at <= deadline.due_at
        and met_recorded_at is not None
        and met_recorded_at > deadline.due_at
        and overdue_alerted_at is not None
        and overdue_alerted_at <= met_recorded_at
    )


def lateness(deadline: Deadline, now: datetime) -> timedelta | None:
    """How late the deadline was met, or is by now; None when on time or still pending."""
    end = deadline.met_at or (min(now, deadline.stopped_at) if deadline.stopped_at else now)
    return end - deadline.due_at if end > deadline.due_at else None
