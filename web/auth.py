"""Who is asking: session cookies for the console, bearer tokens for API clients, and CSRF.

A session is a signed cookie (Starlette's SessionMiddleware: HttpOnly, SameSite=Lax) holding the
user's id, the user's `auth_version` and a CSRF token. A request made with the cookie that changes
something must carry that CSRF token (form field `csrf_token` or header `X-CSRF-Token`); a bearer
token is not sent by browsers on their own, so it needs none.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from typing import Any

from fastapi import Request
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.errors import NotFound
from web.accounts import Accounts, Principal, principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class WebSettings(BaseSettings):
    """The web side's settings (FANGAN_*), apart from the engine's own."""

    model_config = SettingsConfigDict(env_prefix="FANGAN_", extra="ignore")

    session_hours: float = 12.0
    # Set behind HTTPS so the cookie is never sent in clear.
    cookie_secure: bool = False
    poll_seconds: float = 4.0


_UNKNOWN = object()


class LoginThrottle:
    """Slows down password guessing: after `limit` failures for one name within `window`
    seconds, that name is refused until the oldest failure ages out (per process, in memory)."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, []) if now - t < self.window]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def wait_seconds(self, username: str) -> float:
        """0 when a login may be tried now, else how long to wait."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent(username.strip().lower(), now)
            if len(recent) < self.limit:
                return 0.0
            return self.window - (now - recent[-self.limit])

    def failed(self, username: str) -> None:
        with self._lock:
            self._failures.setdefault(username.strip().lower(), []).append(time.monotonic())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username.strip().lower(), None)


class AuthError(Exception):
    """Not logged in (401) or not allowed by the web layer itself (403)."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


def session_of(request: Request) -> dict[str, Any]:
    session: dict[str, Any] = request.session
    return session


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created with the session (also before login: login forms)."""
    session = session_of(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(request: Request, given: str | None) -> bool:
    expected = session_of(request).get("csrf")
    return (isinstance(expected, str) and given is not None
            and hmac.compare_digest(expected.encode(), given.encode()))


def log_in(request: Request, who: Principal) -> None:
    """A fresh session on login (no fixation): new CSRF token, the user's id and version."""
    request.state.who = who
    session = session_of(request)
    session.clear()
    session.update({"uid": who.user_id, "av": who.auth_version,
                    "csrf": secrets.token_urlsafe(32)})


def log_out(request: Request) -> None:
    request.state.who = None
    session_of(request).clear()


def accounts_of(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


def session_user(request: Request) -> Principal | None:
    """The logged-in user, or None when the session is missing, stale or the user is gone
    (looked up once per request)."""
    who: Principal | object | None = getattr(request.state, "who", _UNKNOWN)
    if who is _UNKNOWN:
        who = request.state.who = _session_user(request)
    assert who is None or isinstance(who, Principal)
    return who


def _session_user(request: Request) -> Principal | None:
    session = session_of(request)
    uid, version = session.get("uid"), session.get("av")
    if not isinstance(uid, int):
        return None
    try:
        user = accounts_of(request).get(uid)
    except NotFound:
        user = None
    if user is None or not user.active or user.auth_version != version:
        session.clear()
        return None
    return principal(user)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthError(401, "unauthorized", "Authorization: expected 'Bearer <token>'")
    return value.strip()


def api_user(request: Request) -> Principal:
    """FastAPI dependency of every /api route: a bearer token, or a session plus CSRF header."""
    token = bearer_token(request)
    if token is not None:
        user = accounts_of(request).user_for_token(token)
        if user is None:
            raise AuthError(401, "unauthorized", "the bearer token is unknown or revoked")
        return principal(user)
    who = session_user(request)
    if who is None:
        raise AuthError(401, "unauthorized", "log in, or send 'Authorization: Bearer <token>'")
    if request.method not in SAFE_METHODS and not csrf_ok(request,
                                                          request.headers.get(CSRF_HEADER)):
        raise AuthError(403, "forbidden", f"{CSRF_HEADER}: missing or wrong (session requests)")
    return who


def admin_user(request: Request) -> Principal:
    who = api_user(request)
    if not who.is_admin:
        raise AuthError(403, "forbidden", "only an administrator may manage users")
    return who
