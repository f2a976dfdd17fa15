"""The engine's clock, injectable so that tests and replays never sleep through real minutes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(instant: datetime) -> Clock:
    return lambda: instant


class ManualClock:
    """A clock a test moves by hand (forwards, or backwards to simulate a system clock jump)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now

    def set(self, instant: datetime) -> None:
        self.now = instant
