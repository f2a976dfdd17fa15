"""The scheduler around the timers: what the watchdog reports, and a clean stop."""

from __future__ import annotations

import threading
import time

import pytest

from engine.clock import ManualClock
from engine.scheduler import TimerScheduler
from engine.service import IncidentService

from .conftest import new_report


def test_a_failing_catch_up_turns_the_health_check_unhealthy(
    service: IncidentService, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler = TimerScheduler(service, resync_seconds=60, deliver_seconds=60)
    scheduler.start()
    assert scheduler.health(watchdog_seconds=60)["healthy"] is True

    def broken() -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(service, "tick", broken)
    scheduler.wake()
    health = scheduler.health(watchdog_seconds=60)
    assert health["healthy"] is False
    assert "database is locked" in str(health["last_error"])
    monkeypatch.undo()
    scheduler.wake()
    assert scheduler.health(watchdog_seconds=60)["healthy"] is True
    scheduler.shutdown()


def test_shutdown_does_not_hang_while_a_wake_runs(
    service: IncidentService, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        service.report(new_report())
    scheduler = TimerScheduler(service, resync_seconds=0.05, deliver_seconds=0.05)
    real_tick = service.tick

    def slow_tick() -> list:  # type: ignore[type-arg]
        time.sleep(0.05)
        return real_tick()

    monkeypatch.setattr(service, "tick", slow_tick)
    scheduler.start()
    time.sleep(0.3)
    stopper = threading.Thread(target=scheduler.shutdown)
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive()
    assert scheduler.wake() == []  # stopped: no further wake runs
