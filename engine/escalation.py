"""Reminders and overdue escalation (SPEC R4, local policy): pure arithmetic over a deadline.

Catch-up coalesces: of the reminders missed for a deadline still in the future only the latest is
due, none once the deadline is reached, and an overdue deadline fires once at the escalation step
it has reached (not every step it missed). Steps already fired are never due again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from engine.deadlines import Deadline

AlertKind = Literal["reminder", "overdue", "resend"]


@dataclass(frozen=True)
class AlertPolicy:
    reminder_minutes_before: tuple[float, ...]
    overdue_interval_minutes: float
    responsible: str
    chain: tuple[str, ...]

    def reminders(self) -> tuple[float, ...]:
        """Lead times, earliest reminder first (largest lead first)."""
        return tuple(sorted(set(self.reminder_minutes_before), reverse=True))


@dataclass(frozen=True)
class DueAlert:
    deadline: str
    kind: AlertKind
    step: int
    recipients: tuple[str, ...]
    at: datetime


def reminder_at(deadline: Deadline, policy: AlertPolicy, step: int) -> datetime:
    return deadline.due_at - timedelta(minutes=policy.reminders()[step - 1])


def overdue_at(deadline: Deadline, policy: AlertPolicy, step: int) -> datetime:
    return deadline.due_at + (step - 1) * timedelta(minutes=policy.overdue_interval_minutes)


def overdue_recipients(policy: AlertPolicy, step: int, first_sent: bool) -> tuple[str, ...]:
    """Step n goes to the chain's n-th entry (its last once n passes its length); the first
    overdue alert actually sent also goes to the responsible party."""
    target = policy.chain[min(step, len(policy.chain)) - 1]
    if first_sent:
        return (target,)
    return tuple(dict.fromkeys((policy.responsible, target)))


def due_alert(
    deadline: Deadline,
    policy: AlertPolicy,
    now: datetime,
    fired: set[tuple[str, int]],
) -> DueAlert | None:
    """The one alert this deadline owes at `now`, given the (kind, step) pairs already fired."""
    if not deadline.open:
        return None
    if now >= deadline.due_at:
        elapsed = now - deadline.due_at
        step = int(elapsed // timedelta(minutes=policy.overdue_interval_minutes)) + 1
        sent_steps = [s for kind, s in fired if kind == "overdue"]
        if sent_steps and max(sent_steps) >= step:
            return None
        return DueAlert(
            deadline.code,
            "overdue",
            step,
            overdue_recipients(policy, step, bool(sent_steps)),
            overdue_at(deadline, policy, step),
        )
    leads = policy.reminders()
    reached = [
        i + 1 for i, lead in enumerate(leads) if now >= deadline.due_at - timedelta(minutes=lead)
    ]
    if not reached:
        return None
    step = max(reached)
    if any(kind == "reminder" and s >= step for kind, s in fired):
        return None
    return DueAlert(
        deadline.code, "reminder", step, (policy.responsible,), reminder_at(deadline, policy, step)
    )


def next_alert_at(
    deadline: Deadline, policy: AlertPolicy, fired: set[tuple[str, int]]
) -> datetime | None:
    """When this deadline next owes an alert (for waking the scheduler); None if never again."""
    if not deadline.open:
        return None
    sent_overdue = [s for kind, s in fired if kind == "overdue"]
    if sent_overdue:
        return overdue_at(deadline, policy, max(sent_overdue) + 1)
    sent_reminders = [s for kind, s in fired if kind == "reminder"]
    next_reminder = max(sent_reminders, default=0) + 1
    if next_reminder <= len(policy.reminders()):
        return min(reminder_at(deadline, policy, next_reminder), deadline.due_at)
    return deadline.due_at
