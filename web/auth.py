"""Who is asking: session cookies for the console, bearer tokens for API clients, and CSRF.

A session is a signed cookie (Starlette's SessionMiddleware: HttpOnly, SameSite=Lax) holding the
id of a `web_session` row, the user's `auth_version` and a CSRF token. Logging out deletes the row
and a change of password, unit or status bumps the version, so a copied cookie stops working on
the server, not only in the browser. A request made with the cookie that changes something must
carry that CSRF token (form field `csrf_token` or header `X-CSRF-Token`); a bearer token is not
sent by browsers on their own, so it needs none.

Password hashing (argon2, a fraction of a second of CPU on every core) never runs on the event
loop: `hashing` sends it to a small pool of its own; `log_in` and `log_out` are blocking
(database) and run in the thread pool.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import Request
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.concurrency import run_in_threadpool

from web.accounts import Accounts, Principal, principal
from web.models import User
from web.throttle import LoginThrottle, ThrottlePolicy

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
T = TypeVar("T")


class WebSettings(BaseSettings):
    """The web side's settings (FANGAN_*), apart from the engine's own."""

    model_config = SettingsConfigDict(env_prefix="FANGAN_", extra="ignore")

    session_hours: float = 12.0
    # Set behind HTTPS so the cookie is never sent in clear.
    cookie_secure: bool = False
    poll_seconds: float = 4.0
    # Login throttling (web.throttle), local policy: free failures per (username, address) pair
    # and per address, then a delay doubling from `login_delay_seconds` up to the maximum.
    login_free_failures_per_user: int = 3
    login_free_failures_per_address: int = 10
    login_delay_seconds: float = 1.0
    login_max_delay_seconds: float = 300.0
    login_forget_after_seconds: float = 3600.0
    # Argon2 hashes at once per process (each already uses 4 lanes).
    password_hash_workers: int = 1

    def throttle_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            free_per_user=self.login_free_failures_per_user,
            free_per_address=self.login_free_failures_per_address,
            delay_seconds=self.login_delay_seconds,
            max_delay_seconds=self.login_max_delay_seconds,
            forget_after_seconds=self.login_forget_after_seconds,
        )


_UNKNOWN = object()


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
    return (
        isinstance(expected, str)
        and given is not None
        and hmac.compare_digest(expected.encode(), given.encode())
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def hashing(request: Request, call: Callable[[], T]) -> T:
    """Run a call that hashes or verifies a password in the app's small pool of hashing
    threads: off the event loop, and at most `password_hash_workers` at once, so that a flood
    of logins queues there instead of taking every core from the other requests."""
    pool: ThreadPoolExecutor = request.app.state.hash_pool
    return await asyncio.get_running_loop().run_in_executor(pool, call)


async def attempt_login(request: Request, username: str, password: str) -> tuple[User | None, int]:
    """The user when the password is right; else None and the seconds to wait (0: may retry
    now) when the throttle refused to check it."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = client_address(request)
    wait = await run_in_threadpool(throttle.charge, username, address)
    if wait:
        return None, wait
    user = await hashing(request, lambda: accounts_of(request).authenticate(username, password))
    if user is not None:
        await run_in_threadpool(throttle.succeeded, username, address)
    return user, 0


def log_in(request: Request, who: Principal) -> None:
    """A fresh session on login (no fixation): a new server-side session, CSRF token and the
    user's version. Blocking: run it in the thread pool."""
    settings: WebSettings = request.app.state.web_settings
    sid = accounts_of(request).open_session(who.user_id, settings.session_hours)
    request.state.who = who
    session = session_of(request)
    session.clear()
    session.update({"sid": sid, "av": who.auth_version, "csrf": secrets.token_urlsafe(32)})


def log_out(request: Request) -> None:
    """Ends the session on the server too: the cookie, if kept, is refused. Blocking."""
    sid = session_of(request).get("sid")
    if isinstance(sid, str):
        accounts_of(request).end_session(sid)
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
    sid, version = session.get("sid"), session.get("av")
    if not isinstance(sid, str):
        return None
    user = accounts_of(request).session_user(sid)
    if user is None or user.auth_version != version:
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
    if request.method not in SAFE_METHODS and not csrf_ok(
        request, request.headers.get(CSRF_HEADER)
    ):
        raise AuthError(403, "forbidden", f"{CSRF_HEADER}: missing or wrong (session requests)")
    return who


def admin_user(request: Request) -> Principal:
    who = api_user(request)
    if not who.is_admin:
        raise AuthError(403, "forbidden", "only an administrator may manage users")
    return who
