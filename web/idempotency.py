"""Idempotency keys: a double submit of a report or an action runs once.

The key is claimed (a row with no response) before the engine is called and completed with the
response after; a replay with the same key and the same request gets the stored response, a
replay while the first is still running gets `conflict`, the same key with a different request
gets `invalid_input`. Only successes are kept: a refused request changed nothing, so its key is
released and the request may be sent again.

The claim and the engine's transaction are separate: a crash between the engine's commit and the
completion leaves the key claimed, and a replay is then refused with `conflict` rather than run
twice (the safe side).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from engine.errors import Conflict, InvalidInput
from web.models import IdempotencyKey

KEEP = timedelta(hours=24)
MAX_KEY = 200


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: object) -> str:
    canonical = json.dumps(
        [method.upper(), path, body], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class IdempotencyStore:
    def __init__(self, db: sa.Engine, now: Callable[[], datetime]) -> None:
        self.db = db
        self.now = now

    def run(
        self, user_id: int, key: str | None, print_: str, call: Callable[[], Stored]
    ) -> tuple[Stored, bool]:
        """Run `call` once per (user, key); returns the response and whether it is a replay."""
        if key is None:
            return call(), False
        key = key.strip()
        if not key or len(key) > MAX_KEY:
            raise InvalidInput(f"Idempotency-Key: 1 to {MAX_KEY} characters")
        stored = self._claim(user_id, key, print_)
        if stored is not None:
            return stored, True
        try:
            result = call()
        except BaseException:
            self._release(user_id, key)
            raise
        self._complete(user_id, key, result)
        return result, False

    def _claim(self, user_id: int, key: str, print_: str) -> Stored | None:
        now = self.now()
        try:
            with Session(self.db) as session:
                session.exec(
                    delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < now - KEEP)
                )
                session.add(
                    IdempotencyKey(user_id=user_id, key=key, fingerprint=print_, created_at=now)
                )
                session.commit()
            return None
        except sa.exc.IntegrityError:
            pass
        with Session(self.db) as session:
            row = session.exec(
                select(IdempotencyKey).where(
                    IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
                )
            ).first()
        if row is None:  # released meanwhile: the first attempt was refused; try once more
            return self._claim(user_id, key, print_)
        if row.fingerprint != print_:
            raise InvalidInput("Idempotency-Key: already used for a different request")
        if row.status_code is None:
            raise Conflict("Idempotency-Key: the first request with this key is still running")
        return Stored(row.status_code, row.response)

    def _complete(self, user_id: int, key: str, result: Stored) -> None:
        with Session(self.db) as session:
            row = session.exec(
                select(IdempotencyKey).where(
                    IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
                )
            ).one()
            row.status_code = result.status_code
            row.response = result.body
            row.completed_at = self.now()
            session.add(row)
            session.commit()

    def _release(self, user_id: int, key: str) -> None:
        with Session(self.db) as session:
            session.exec(
                delete(IdempotencyKey).where(
                    col(IdempotencyKey.user_id) == user_id,
                    col(IdempotencyKey.key) == key,
                    col(IdempotencyKey.status_code).is_(None),
                )
            )
            session.commit()
