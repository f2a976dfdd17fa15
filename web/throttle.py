"""Login throttling kept in the database, so that every instance on it shares one count.

Each login attempt is counted against two keys: the (username, client address) pair and the
client address alone. A key allows a few free failures; after that every further attempt must
wait a delay that doubles with each failure, up to a cap — a progressive delay, never a lockout.
The username alone is deliberately not a key: failures from other addresses must not slow the
real user, so a flood on the duty officer's name from elsewhere leaves a login from an address
that has not failed untouched. An address that guesses many usernames is slowed by its own key.
A guesser spread over many addresses still pays the pair's delay at every one of them.

An attempt is charged before the password is checked and refunded when it proves right, so a
burst of simultaneous requests when a delay runs out gets one try, not one each. A right password
clears its pair; keys without a failure for `forget_after` are pruned. The address is the one the
ASGI server reports (uvicorn takes X-Forwarded-For from trusted proxies only).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from engine.db import transaction
from web.models import LoginFailure

PAIR = "user_address"
ADDRESS = "address"


@dataclass(frozen=True)
class ThrottlePolicy:
    """Local policy (the plan says nothing about logins); set through WebSettings."""

    free_per_user: int = 3
    free_per_address: int = 10
    delay_seconds: float = 1.0
    max_delay_seconds: float = 300.0
    forget_after_seconds: float = 3600.0


def delay_after(failures: int, free: int, policy: ThrottlePolicy) -> float:
    """Seconds a key with `failures` must wait after its latest one: none while `failures` is
    below `free`, then `delay_seconds` doubling with each failure, at most `max_delay_seconds`."""
    if failures < free:
        return 0.0
    doublings = min(failures - free, 64)
    return float(min(policy.max_delay_seconds, policy.delay_seconds * 2.0**doublings))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


class LoginThrottle:
    def __init__(
        self, db: sa.Engine, now: Callable[[], datetime], policy: ThrottlePolicy | None = None
    ) -> None:
        self.db = db
        self.now = now
        self.policy = policy or ThrottlePolicy()

    def _keys(self, username: str, address: str) -> list[tuple[str, str, int]]:
        """(scope, key, free failures), in one order so that PostgreSQL row locks never cross."""
        name = username.strip().lower()
        return sorted(
            [
                (ADDRESS, _digest(address), self.policy.free_per_address),
                (PAIR, _digest(name, address), self.policy.free_per_user),
            ]
        )

    def _insert_missing(self, session: Session, scope: str, key: str, now: datetime) -> None:
        dialect = postgresql if self.db.dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(LoginFailure)
            .values(scope=scope, key=key, failures=0, last_failed_at=now)
            .on_conflict_do_nothing()
        )

    def _remaining(self, row: LoginFailure, free: int, now: datetime) -> float:
        """Seconds left of the key's delay; a charge stamped a little later than `now` (another
        instance's clock, an attempt still in flight) counts as no time elapsed."""
        delay = delay_after(row.failures, free, self.policy)
        return delay - max(0.0, (now - row.last_failed_at).total_seconds()) if delay else 0.0

    def charge(self, username: str, address: str) -> int:
        """0 when the attempt may go ahead (it is counted as a failure until `succeeded`),
        else the whole seconds to wait before the next one (nothing is counted)."""
        with transaction(self.db) as session:
            # A write first: on SQLite it takes the write lock before anything is read.
            session.execute(
                sa.delete(LoginFailure).where(
                    col(LoginFailure.last_failed_at)
                    < self.now() - timedelta(seconds=self.policy.forget_after_seconds)
                )
            )
            now = self.now()  # after the lock: others' charges are not in our future
            keys = self._keys(username, address)
            rows = []
            for scope, key, free in keys:
                self._insert_missing(session, scope, key, now)
                row = session.get(
                    LoginFailure, (scope, key), with_for_update=True, populate_existing=True
                )
                assert row is not None
                rows.append((row, free))
            wait = max(self._remaining(row, free, now) for row, free in rows)
            if wait > 0:
                return math.ceil(wait)
            for row, _ in rows:
                row.failures += 1
                row.last_failed_at = now
                session.add(row)
            return 0

    def succeeded(self, username: str, address: str) -> None:
        """The charged attempt was right: the pair is cleared, the address's charge refunded."""
        keys = {scope: key for scope, key, _ in self._keys(username, address)}
        failures = col(LoginFailure.failures)
        with transaction(self.db) as session:
            session.execute(
                sa.delete(LoginFailure).where(
                    col(LoginFailure.scope) == PAIR, col(LoginFailure.key) == keys[PAIR]
                )
            )
            session.execute(
                sa.update(LoginFailure)
                .where(col(LoginFailure.scope) == ADDRESS, col(LoginFailure.key) == keys[ADDRESS])
                .values(failures=sa.case((failures > 0, failures - 1), else_=0))
            )
