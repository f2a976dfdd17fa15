"""Accounts, API tokens and console sessions, kept in the engine's database.

Each method is one short transaction of its own, like the engine's service. Errors are the
engine's `FanganError`s so that the API and the CLI report them the same way.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from loguru import logger
from sqlmodel import Session, col, func, select

from engine.db import reading, transaction
from engine.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from engine.plan import Plan
from web.models import ApiToken, User, WebSession

USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "fa_"
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown users (same cost, no timing tell); made on first
    use, not at import: every CLI call imports this module."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> str:
    """Tokens are 256-bit random values: a plain SHA-256 is enough and allows a direct lookup."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking: the person and the unit (actor code) they act for."""

    user_id: int
    username: str
    display_name: str
    unit: str
    is_admin: bool
    auth_version: int
    # A street office's account: the one street whose incidents it sees and acts on.
    street: str | None = None


def principal(user: User) -> Principal:
    assert user.id is not None
    return Principal(
        user.id,
        user.username,
        user.display_name,
        user.unit,
        user.is_admin,
        user.auth_version,
        user.street,
    )


class Accounts:
    def __init__(self, db: sa.Engine, plan: Plan, now: Callable[[], datetime]) -> None:
        self.db = db
        self.plan = plan
        self.now = now

    def transaction(self) -> AbstractContextManager[Session]:
        return transaction(self.db)

    # -- users ----------------------------------------------------------------------------

    def _check_unit(self, unit: str) -> None:
        if unit not in self.plan.actors:
            raise InvalidInput(f"unit: unknown unit '{unit}' (an actor code of the plan)")

    def per_street(self, unit: str) -> bool:
        actor = self.plan.actors.get(unit)
        return actor is not None and actor.per_street

    def _check_street(self, unit: str, street: str | None) -> None:
        """A per-street unit's account names one of the plan's streets; no other account has
        one (it would scope nothing, or scope an account the plan does not bind to a street)."""
        if self.per_street(unit):
            if not street:
                raise InvalidInput(
                    f"street: required for an account of '{unit}' (it belongs to one street)"
                )
            if street not in self.plan.streets.items:
                raise InvalidInput(
                    f"street: unknown street '{street[:40]}' "
                    f"(known: {', '.join(self.plan.streets.items)})"
                )
        elif street:
            raise InvalidInput(f"street: only a street office's account has a street, not '{unit}'")

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"password: must be at least {MIN_PASSWORD} characters")

    def create_user(
        self,
        username: str,
        display_name: str,
        unit: str,
        password: str,
        *,
        is_admin: bool = False,
        street: str | None = None,
    ) -> User:
        username = username.strip()
        display_name = display_name.strip()
        if not USERNAME.match(username):
            raise InvalidInput("username: 2-64 letters, digits, '.', '_' or '-'")
        if not display_name:
            raise InvalidInput("display_name: required")
        self._check_unit(unit)
        street = (street or "").strip() or None
        self._check_street(unit, street)
        self._check_password(password)
        password_hash = _hasher.hash(password)  # before the transaction: it holds no lock
        with self.transaction() as session:
            if session.exec(select(User).where(User.username == username)).first():
                raise Conflict(f"username: '{username}' is already taken")
            user = User(
                username=username,
                display_name=display_name,
                unit=unit,
                street=street,
                is_admin=is_admin,
                password_hash=password_hash,
                created_at=self.now(),
            )
            session.add(user)
            session.flush()
        logger.info(
            "user {} created (unit {}, street {}, admin {})", username, unit, street, is_admin
        )
        return user

    def get(self, user_id: int) -> User:
        with self.transaction() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            return user

    def list_users(self) -> list[User]:
        with self.transaction() as session:
            return list(session.exec(select(User).order_by(col(User.id))))

    def count_admins(self) -> int:
        with self.transaction() as session:
            return session.exec(
                select(func.count())
                .select_from(User)
                .where(col(User.is_admin).is_(True), col(User.active).is_(True))
            ).one()

    def update_user(
        self,
        user_id: int,
        *,
        display_name: str | None = None,
        unit: str | None = None,
        is_admin: bool | None = None,
        active: bool | None = None,
        password: str | None = None,
        street: str | None = None,
    ) -> User:
        """Change a user; a change of password, unit, street or status ends their open
        sessions. `street=""` takes the street away (the unit no longer has one); a unit
        that is not per-street drops the old street by itself."""
        if unit is not None:
            self._check_unit(unit)
        if password is not None:
            self._check_password(password)
        # Hashed before the transaction: a write transaction holds the database's write lock.
        password_hash = None if password is None else _hasher.hash(password)
        with self.transaction() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            demoted = (is_admin is False or active is False) and user.is_admin and user.active
            if (
                demoted
                and session.exec(
                    select(func.count())
                    .select_from(User)
                    .where(col(User.is_admin).is_(True), col(User.active).is_(True))
                ).one()
                <= 1
            ):
                raise PreconditionFailed("the last active administrator cannot be removed")
            if display_name is not None:
                if not display_name.strip():
                    raise InvalidInput("display_name: required")
                user.display_name = display_name.strip()
            new_unit = user.unit if unit is None else unit
            if street is None:
                new_street = user.street if self.per_street(new_unit) else None
            else:
                new_street = street.strip() or None
            self._check_street(new_unit, new_street)
            ends_sessions = (
                password is not None
                or (unit is not None and unit != user.unit)
                or new_street != user.street
                or (active is not None and active != user.active)
                or (is_admin is not None and is_admin != user.is_admin)
            )
            if unit is not None:
                user.unit = unit
            user.street = new_street
            if is_admin is not None:
                user.is_admin = is_admin
            if active is not None:
                user.active = active
            if password_hash is not None:
                user.password_hash = password_hash
            if ends_sessions:
                user.auth_version += 1
            session.add(user)
        logger.info("user {} updated", user.username)
        return user

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this name and password, or None (the cause is not told). The
        password is checked outside any write transaction (which would hold every other writer
        for the hash's duration); only the login time is written afterwards."""
        with reading(self.db) as session:
            user = session.exec(select(User).where(User.username == username.strip())).first()
        try:
            _hasher.verify(user.password_hash if user else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            logger.info("failed login for {!r}", username[:64])
            return None
        if user is None or not user.active:
            return None
        rehashed = (
            _hasher.hash(password) if _hasher.check_needs_rehash(user.password_hash) else None
        )
        with self.transaction() as session:
            current = session.get(User, user.id)
            if (
                current is None or not current.active or current.password_hash != user.password_hash
            ):  # changed meanwhile
                return None
            if rehashed is not None:
                current.password_hash = rehashed
            current.last_login_at = self.now()
            session.add(current)
        logger.info("login {}", current.username)
        return current

    # -- API tokens -----------------------------------------------------------------------

    def issue_token(self, user_id: int, name: str) -> tuple[ApiToken, str]:
        """A new bearer token; the plain value is returned once and never stored."""
        name = name.strip()
        if not name:
            raise InvalidInput("name: required")
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.transaction() as session:
            if session.get(User, user_id) is None:
                raise NotFound(f"user {user_id} does not exist")
            token = ApiToken(
                user_id=user_id,
                name=name[:200],
                token_hash=hash_token(plain),
                prefix=plain[:10],
                created_at=self.now(),
            )
            session.add(token)
            session.flush()
        return token, plain

    def tokens(self, user_id: int) -> list[ApiToken]:
        with self.transaction() as session:
            return list(
                session.exec(
                    select(ApiToken).where(ApiToken.user_id == user_id).order_by(col(ApiToken.id))
                )
            )

    def revoke_token(self, user_id: int, token_id: int) -> ApiToken:
        with self.transaction() as session:
            token = session.get(ApiToken, token_id)
            if token is None or token.user_id != user_id:
                raise NotFound(f"token {token_id} does not exist")
            if token.revoked_at is None:
                token.revoked_at = self.now()
                session.add(token)
            return token

    def user_for_token(self, plain: str) -> User | None:
        with self.transaction() as session:
            token = session.exec(
                select(ApiToken).where(ApiToken.token_hash == hash_token(plain))
            ).first()
            if token is None or token.revoked_at is not None:
                return None
            user = session.get(User, token.user_id)
            if user is None or not user.active:
                return None
            token.last_used_at = self.now()
            session.add(token)
            return user

    # -- console sessions ------------------------------------------------------------------

    def open_session(self, user_id: int, hours: float) -> str:
        """A new session id for the cookie (only its hash is stored); expired ones are pruned."""
        sid = secrets.token_urlsafe(32)
        now = self.now()
        with self.transaction() as session:
            session.execute(sa.delete(WebSession).where(col(WebSession.expires_at) <= now))
            session.add(
                WebSession(
                    user_id=user_id,
                    sid_hash=hash_token(sid),
                    created_at=now,
                    expires_at=now + timedelta(hours=hours),
                )
            )
        return sid

    def session_user(self, sid: str) -> User | None:
        """The active user of an unexpired session, or None (logged out, expired, unknown)."""
        with self.transaction() as session:
            return session.exec(
                select(User)
                .join(WebSession)
                .where(
                    WebSession.sid_hash == hash_token(sid),
                    col(WebSession.expires_at) > self.now(),
                    col(User.active).is_(True),
                )
            ).first()

    def end_session(self, sid: str) -> None:
        with self.transaction() as session:
            session.execute(
                sa.delete(WebSession).where(col(WebSession.sid_hash) == hash_token(sid))
            )
