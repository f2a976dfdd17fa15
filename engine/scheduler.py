"""APScheduler wakes the engine at the instant a timer is owed; the database decides what fires.

The scheduler's own job store is never the truth (it drops misfired jobs, forgets unpicklable ones
and duplicates jobs under two schedulers): it holds just two jobs in memory, both derived from the
database — `wake` at the earliest `next_alert_at`/`ack_due_at`, and `resync`, which re-reads the
database every few seconds to pick up incidents logged by another process (the CLI). Both run the
same idempotent catch-up, so a restart, a crash or a missed wake loses nothing and repeats nothing.

The first catch-up (whatever fell due while the engine was down: thousands of reminders after a
long outage) runs in the scheduler's thread, not in `start`, so the server answers at once; the
watchdog counts a wake in progress as alive until it has run longer than the watchdog allows.

Among several `serve`s only the holder of the leader lease (`engine.leader`) catches up and
delivers; the others keep their jobs but skip them, and catch up at once when they take the lead.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from loguru import logger

from engine.leader import LeaderLease
from engine.service import IncidentService
from engine.timers import Fired, next_wake

# A wake catches up again while more is already owed (dense timers), this many times at most.
MAX_ROUNDS = 20
# How often a wake waiting for the lock looks whether shutdown has begun.
LOCK_POLL_SECONDS = 0.05


class TimerScheduler:
    def __init__(
        self,
        service: IncidentService,
        *,
        resync_seconds: float,
        deliver_seconds: float = 1.0,
        lease: LeaderLease | None = None,
    ) -> None:
        self.service = service
        self.lease = lease  # None: the only instance, always leading
        self.resync_seconds = resync_seconds
        self.deliver_seconds = deliver_seconds
        self.last_wake: datetime | None = None
        self.last_error: str | None = None
        self.wakes = 0
        # Since when a wake is owed or running (monotonic), None between wakes.
        self._waking_since: float | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )

    def start(self) -> None:
        """Catch up at once (whatever fell due while the engine was down) in the scheduler's
        thread, then keep time; returns without waiting for the catch-up."""
        self._waking_since = time.monotonic()
        self._scheduler.start()
        self._scheduler.add_job(self.wake, "interval", seconds=self.resync_seconds, id="resync")
        self._scheduler.add_job(
            self.deliver, "interval", seconds=self.deliver_seconds, id="deliver"
        )
        if self.lease is not None:
            self.lease.start(on_lead=self._took_lead)
        self._scheduler.add_job(self.wake, id="wake", replace_existing=True)

    @property
    def leading(self) -> bool:
        return self.lease is None or self.lease.is_leader()

    def _took_lead(self) -> None:
        """Catch up at once, in the scheduler's own threads (not the lease's)."""
        if self._scheduler.running and not self._stopping:
            self._scheduler.add_job(self.wake, id="wake", replace_existing=True)

    def deliver(self) -> None:
        """Drain the outbox; a failure is logged and retried on the next run."""
        if not self.leading:
            return
        try:
            self.service.deliver()
        except Exception:
            logger.exception("delivery run failed; retrying at the next run")

    def shutdown(self) -> None:
        """Stop cleanly: no new wake starts, the running one finishes, then the jobs stop.
        (APScheduler's shutdown holds its job-store lock while it waits for running jobs, so a
        wake that re-schedules itself during shutdown would otherwise hang it.)"""
        self._stopping = True
        with self._lock:
            self._scheduler.shutdown(wait=True)
        if self.lease is not None:  # after the last job: no overlap with the next leader
            self.lease.stop()

    def wake(self) -> list[Fired]:
        """Catch up until nothing more is owed now, then sleep until the next instant owed."""
        if not self._enter():
            return []
        try:
            return self._catch_up()
        finally:
            self._lock.release()

    def _enter(self) -> bool:
        """Take the wake lock, or give up once shutdown has begun: `shutdown` holds the lock
        while APScheduler waits for the running jobs, so a wake job still waiting for the lock
        would otherwise wait for ever and the shutdown with it."""
        while not self._lock.acquire(timeout=LOCK_POLL_SECONDS):
            if self._stopping:
                return False
        return True

    def _catch_up(self) -> list[Fired]:
        """The wake itself, under the lock (one catch-up at a time)."""
        fired: list[Fired] = []
        if self._stopping or not self.leading:
            self._waking_since = None
            return fired
        self._waking_since = self._waking_since or time.monotonic()
        try:
            for _ in range(MAX_ROUNDS):
                fired += self.service.tick()
                at = next_wake(self.service.db, self.service.workflow.subject_alerts)
                if at is None or at > self.service.now():
                    break
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._waking_since = None
            logger.exception("timer catch-up failed; retrying at the next wake")
            return fired
        self.last_error = None
        self._waking_since = None
        self.last_wake = datetime.now(UTC)
        self.wakes += 1
        self._schedule(at)
        if fired:  # their messages go out now, not at the next delivery run
            self._scheduler.add_job(self.deliver, id="deliver_now", replace_existing=True)
        return fired

    def _schedule(self, at: datetime | None) -> None:
        if at is None:
            return
        # The engine's clock may differ from the wall clock (replays, tests): wait the difference.
        delay = max((at - self.service.now()).total_seconds(), 0.0)
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(
            self.wake, DateTrigger(run_date=run_date), id="wake", replace_existing=True
        )

    def health(self, watchdog_seconds: float) -> dict[str, object]:
        """A leader is healthy while it wakes on time (counted from when it took the lead); a
        standby while it keeps trying for the lease."""
        now = datetime.now(UTC)
        age = None if self.last_wake is None else (now - self.last_wake).total_seconds()
        alive, waking = age, self._waking_since
        if waking is not None:  # a wake owed or running is alive for a watchdog's time
            running = time.monotonic() - waking
            alive = running if alive is None else min(alive, running)
        leading = self.leading
        if self.lease is None:
            watched = alive
        elif leading:
            since = self.lease.leading_since
            watched = min(
                alive if alive is not None else float("inf"),
                float("inf") if since is None else now.timestamp() - since,
            )
        else:
            tried = self.lease.last_attempt
            watched = None if tried is None else time.monotonic() - tried
        return {
            "role": "leader" if leading else "standby",
            "instance": None if self.lease is None else self.lease.holder,
            "scheduler_running": self._scheduler.running,
            "last_wake": None if self.last_wake is None else self.last_wake.isoformat(),
            "seconds_since_wake": age,
            "wakes": self.wakes,
            "catching_up": waking is not None,
            "last_error": self.last_error,
            "healthy": (
                watched is not None
                and watched <= watchdog_seconds
                and self._scheduler.running
                and self.last_error is None
            ),
        }
