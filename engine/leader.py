"""One active scheduler among several `serve`s: a leased leader row in the database.

Every `serve` serves the API and the console; only the holder of the `scheduler` lease runs the
timer catch-up and the delivery worker. The others stand by, trying to take the lease every
`renew_seconds`; a leader killed with SIGKILL stops renewing and its lease runs out, so a standby
takes over within `lease_seconds + renew_seconds` (4 s with the defaults). A clean stop releases
the lease at once.

Why a leased row rather than a PostgreSQL advisory lock: the same code holds on SQLite and on
PostgreSQL, so the one-leader rule is the same on both (on SQLite a second `serve` on the same
file simply stands by); a lease ends by itself when its holder dies, freezes or loses the
database, whereas an advisory lock lives as long as a TCP session the server may take minutes
to see dead, and is lost silently with a pooled connection; and the row can be read, so an
operator sees who leads. Expiry is judged on the database's clock, not the hosts', so instances
whose clocks differ still agree on when a lease has run out. A leader also stops acting the
moment its own last renewal is older than the lease (a stalled renewal cannot know whether a
standby took over); the unique keys of fired alerts and the delivery claims keep the rare
overlap of a stall harmless.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import sqlalchemy as sa
from loguru import logger
from sqlmodel import col

from engine.models import SchedulerLease

NAME = "scheduler"


def _db_now(dialect: str) -> sa.ColumnElement[float]:
    """Seconds since the epoch on the database's clock."""
    if dialect == "sqlite":
        return (sa.func.julianday("now") - 2440587.5) * 86400.0
    return sa.cast(sa.extract("epoch", sa.func.clock_timestamp()), sa.Float)


class LeaderLease:
    def __init__(
        self, db: sa.Engine, *, lease_seconds: float = 3.0, renew_seconds: float = 1.0
    ) -> None:
        if renew_seconds >= lease_seconds:
            raise ValueError("the lease must outlast the interval between renewals")
        self.db = db
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.last_attempt: float | None = None  # monotonic time of the last try, ok or not
        self.leading_since: float | None = None  # wall-clock time this instance took the lead
        self._valid_until = 0.0  # monotonic: when this instance must stop acting as leader
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._now = _db_now(db.dialect.name)

    def is_leader(self) -> bool:
        return time.monotonic() < self._valid_until

    def start(self, on_lead: Callable[[], None] | None = None) -> None:
        """Try once now (so a lone `serve` leads before it answers), then keep trying in a
        thread; `on_lead()` runs in that thread whenever this instance takes the lead later."""
        self._ensure_row()
        self.renew()
        self._thread = threading.Thread(
            target=self._run, args=(on_lead,), daemon=True, name="leader-lease"
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing and hand the lease back, so a standby takes over at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        was_leader = self.is_leader()
        self._valid_until = 0.0
        if was_leader:
            try:
                with self.db.begin() as connection:
                    connection.execute(
                        sa.update(SchedulerLease)
                        .where(
                            col(SchedulerLease.name) == NAME,
                            col(SchedulerLease.holder) == self.holder,
                        )
                        .values(until=0.0)
                    )
            except sa.exc.SQLAlchemyError as exc:
                logger.warning("could not release the scheduler lease: {}", exc)

    def renew(self) -> bool:
        """Take or extend the lease if it is ours or has run out; True while we lead."""
        began = time.monotonic()
        was_leader = self.is_leader()
        try:
            with self.db.begin() as connection:
                result = cast(
                    sa.CursorResult[Any],
                    connection.execute(
                        sa.update(SchedulerLease)
                        .where(
                            col(SchedulerLease.name) == NAME,
                            sa.or_(
                                col(SchedulerLease.holder) == self.holder,
                                col(SchedulerLease.until) < self._now,
                            ),
                        )
                        .values(holder=self.holder, until=self._now + self.lease_seconds)
                    ),
                )
                won = result.rowcount == 1
        except sa.exc.SQLAlchemyError as exc:
            won = False
            logger.warning("scheduler lease not renewed: {}", exc)
        self.last_attempt = time.monotonic()
        if won:
            # Judged from before the statement: the database may have granted it any time after.
            self._valid_until = began + self.lease_seconds
            if not was_leader:
                self.leading_since = time.time()
                logger.info("{} leads the scheduler", self.holder)
        elif was_leader:
            self._valid_until = 0.0
            self.leading_since = None
            logger.warning("{} lost the scheduler lease; standing by", self.holder)
        return won

    def _run(self, on_lead: Callable[[], None] | None) -> None:
        while not self._stop.wait(self.renew_seconds):
            was_leader = self.is_leader()
            if self.renew() and not was_leader and on_lead is not None:
                on_lead()

    def _ensure_row(self) -> None:
        """The one lease row, created expired by whichever instance comes first."""
        with self.db.begin() as connection:
            exists = connection.execute(
                sa.select(col(SchedulerLease.name)).where(col(SchedulerLease.name) == NAME)
            ).first()
        if exists is None:
            try:
                with self.db.begin() as connection:
                    connection.execute(
                        sa.insert(SchedulerLease).values(name=NAME, holder="", until=0.0)
                    )
            except sa.exc.IntegrityError:
                pass  # another instance created it first
