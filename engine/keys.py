"""Signing keys the operator did not configure: generated once, kept in the database.

Sessions (web) and acknowledgement links (notices) both need a key that survives restarts and is
the same in every process (the CLI writes links that `serve` must verify).
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from loguru import logger

from engine.db import transaction
from engine.models import Secret


def stored_key(db: sa.Engine, name: str, now: datetime) -> str:
    """The key called `name`, generated on first use; a concurrent first start keeps one."""
    for _ in range(2):
        with transaction(db) as session:
            found = session.get(Secret, name)
            if found is not None:
                return found.value
        try:
            with transaction(db) as session:
                session.add(Secret(name=name, value=secrets.token_urlsafe(48), created_at=now))
            logger.warning("no FANGAN_SECRET_KEY: generated a {} key and stored it in the "
                           "database", name)
        except sa.exc.IntegrityError:
            continue
    with transaction(db) as session:
        stored = session.get(Secret, name)
        assert stored is not None
        return stored.value
