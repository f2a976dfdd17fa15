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


def test_shutdown_does_not_hang_while_the_first_wake_waits_for_the_lock(
    service: IncidentService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first catch-up is a job in the scheduler's thread; when it is still waiting behind a
    wake of the caller's and shutdown takes the lock first, shutdown (which waits for running
    jobs) must not wait for a job that waits for it. Repeated: which thread gets a freed lock
    first is up to the system."""
    real_tick = service.tick
    for _ in range(10):
        entered, release = threading.Event(), threading.Event()

        def held_tick(
            entered: threading.Event = entered, release: threading.Event = release
        ) -> list:  # type: ignore[type-arg]
            if entered.is_set():  # only the first wake (the holder's) is held
                return real_tick()
            entered.set()
            release.wait(5)
            return real_tick()

        monkeypatch.setattr(service, "tick", held_tick)
        scheduler = TimerScheduler(service, resync_seconds=60, deliver_seconds=60)
        holder = threading.Thread(target=scheduler.wake)  # a wake outside the scheduler
        holder.start()
        assert entered.wait(5)
        scheduler.start()  # its first catch-up queues behind the holder
        stopper = threading.Thread(target=scheduler.shutdown)
        stopper.start()
        release.set()
        holder.join(timeout=5)
        stopper.join(timeout=10)
        assert not stopper.is_alive(), "shutdown hung behind a wake waiting for the lock"
