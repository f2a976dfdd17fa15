"""Tables of the web side: accounts, API tokens, console sessions, login throttling and
idempotency keys.

They live on the engine's `SQLModel.metadata` so that one Alembic history (revisions 0002,
0005) owns them; the engine itself never reads them. Secrets are stored only as hashes
(passwords: argon2; API tokens and session ids: SHA-256 of a high-entropy random value). A
generated session-signing key lives in the engine's `secret` table (`engine.keys`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from engine.models import UTCDateTime


def _time(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


class User(SQLModel, table=True):
    """A person who logs in. Everything they do is done as their `unit` (an actor code)."""

    __tablename__ = "web_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    unit: str = Field(max_length=64)
    # The street (a plan street code) of a per-street unit's account (a street office): it sees
    # and acts on that street's incidents only. None for every other unit.
    street: str | None = Field(default=None, max_length=32)
    is_admin: bool = False
    active: bool = True
    password_hash: str = Field(max_length=255)
    # Bumped when the password, unit, street or status changes: every older session stops working.
    auth_version: int = 1
    created_at: datetime = _time()
    last_login_at: datetime | None = _time(nullable=True)


class ApiToken(SQLModel, table=True):
    __tablename__ = "web_api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    name: str = Field(max_length=200)
    token_hash: str = Field(max_length=64, unique=True)
    # The first characters of the token, so a person can tell their tokens apart.
    prefix: str = Field(max_length=16)
    created_at: datetime = _time()
    last_used_at: datetime | None = _time(nullable=True)
    revoked_at: datetime | None = _time(nullable=True)


class WebSession(SQLModel, table=True):
    """A console login, so that logging out ends it on the server: the signed cookie carries the
    session's id, and a cookie replayed after the row is gone (logout, expiry) is refused."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    sid_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _time()
    expires_at: datetime = _time(index=True)


class LoginFailure(SQLModel, table=True):
    """Recent failed logins of one throttling key (web.throttle): a (username, address) pair or
    one address. The key is a SHA-256, so names typed by mistake (often a password) are not kept."""

    __tablename__ = "web_login_failure"
    scope: str = Field(max_length=16, primary_key=True)
    key: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    last_failed_at: datetime = _time(index=True)


class IdempotencyKey(SQLModel, table=True):
    """One submitted report or action per (user, key): a replay gets the stored response."""

    __tablename__ = "web_idempotency_key"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    key: str = Field(max_length=200)
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: str = Field(max_length=64)
    status_code: int | None = None
    response: Any = Field(default=None, sa_column=sa.Column(sa.JSON(), nullable=True))
    created_at: datetime = _time()
    completed_at: datetime | None = _time(nullable=True)
