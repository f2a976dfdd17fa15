"""Logins under attack and sessions that end on the server.

The throttle is a progressive delay kept in the database (shared by every instance), charged per
(username, address) pair and per address: a guesser waits longer and longer, the real user at
another address is never held up. Password hashing runs off the event loop. A cookie replayed
after logout, or after a password change, is refused.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from engine.clock import ManualClock
from engine.db import make_engine
from engine.service import IncidentService
from engine.settings import Settings
from web import accounts as accounts_module
from web.app import create_app
from web.auth import WebSettings
from web.throttle import LoginThrottle, ThrottlePolicy, delay_after

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROOT = Path(__file__).resolve().parents[2]
BURST = Path(__file__).resolve().parent / "login_burst.py"


def browser(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 40000))


def post_login(client: TestClient, username: str, password: str) -> httpx.Response:
    found = CSRF.search(client.get("/login").text)
    assert found
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": found.group(1)}
    )


def burst(url: str, clock: ManualClock, workdir: Path, processes: int = 6) -> list[int]:
    """Three failures of one pair, then `processes` processes (tests/web/login_burst.py) charge
    the same pair at once, one second later when its first delay has run out."""
    throttle = LoginThrottle(make_engine(url), clock)
    assert [throttle.charge("officer", "203.0.113.1") for _ in range(3)] == [0, 0, 0]
    go = workdir / "go"
    at = (clock() + timedelta(seconds=1)).isoformat()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, str(BURST), url, str(go), at, str(n)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    deadline = time.monotonic() + 60
    while len(list(workdir.glob("go.ready.*"))) < processes and time.monotonic() < deadline:
        assert all(child.poll() is None for child in children)
        time.sleep(0.05)
    go.touch()
    outputs = [child.communicate(timeout=60)[0] for child in children]
    assert all(child.returncode == 0 for child in children)
    return sorted(int(out) for out in outputs)


def failure_rows(service: IncidentService) -> int:
    with service.db.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM web_login_failure")).scalar_one())


def test_the_delay_doubles_after_the_free_failures_up_to_the_cap() -> None:
    policy = ThrottlePolicy(delay_seconds=1, max_delay_seconds=300)
    assert [delay_after(n, 3, policy) for n in range(3)] == [0, 0, 0]
    assert [delay_after(n, 3, policy) for n in range(3, 8)] == [1, 2, 4, 8, 16]
    assert delay_after(12, 3, policy) == 300 and delay_after(10**6, 3, policy) == 300


def test_a_guesser_waits_longer_each_time_and_is_never_locked_out(
    web: Any, clock: ManualClock, password: str
) -> None:
    with browser(web.app, "203.0.113.5") as client:
        assert [post_login(client, "officer", "guess guess").status_code for _ in range(3)] == [
            401
        ] * 3
        for wait in (1, 2, 4, 8):
            refused = post_login(client, "officer", password)
            assert refused.status_code == 429, refused.text
            assert refused.headers["Retry-After"] == str(wait)
            assert f"请 {wait} 秒后再试" in refused.text
            clock.advance(seconds=wait - 0.5)
            assert post_login(client, "officer", "guess guess").status_code == 429
            clock.advance(seconds=0.5)
            assert post_login(client, "officer", "guess guess").status_code == 401
        clock.advance(seconds=16)
        assert post_login(client, "officer", password).status_code == 303
        # The right password cleared the pair: the next slip is free again.
        assert post_login(client, "officer", "guess guess").status_code == 401
        assert failure_rows(web.service) == 2
        clock.advance(hours=2)  # idle keys are forgotten and pruned
        assert post_login(client, "hq", "guess guess").status_code == 401
        assert failure_rows(web.service) == 2


def test_a_clock_a_little_ahead_elsewhere_does_not_delay_free_attempts(
    service: IncidentService, clock: ManualClock
) -> None:
    """Another instance's clock ahead of ours (or a charge committed while we waited for the
    lock) must not turn a free attempt into a refusal."""
    ahead = ManualClock(clock() + timedelta(seconds=2))
    here, there = LoginThrottle(service.db, clock), LoginThrottle(service.db, ahead)
    assert there.charge("officer", "10.1.1.1") == 0
    assert here.charge("officer", "10.1.1.1") == 0
    assert here.charge("officer", "10.1.1.1") == 0
    assert here.charge("officer", "10.1.1.1") == 1  # the fourth one waits, as ever


def test_a_burst_when_the_delay_ends_gets_one_try(
    service: IncidentService, clock: ManualClock, tmp_path: Path
) -> None:
    """Six processes charge at the instant the delay runs out: one may try, five wait."""
    assert burst(str(service.db.url), clock, tmp_path) == [0] + [2] * 5


def test_the_real_user_logs_in_while_another_address_floods(web: Any, password: str) -> None:
    with browser(web.app, "203.0.113.9") as attacker, browser(web.app, "10.20.0.7") as officer:
        flood = [post_login(attacker, "officer", f"guess {n:04d}").status_code for n in range(20)]
        assert flood.count(401) == 3 and flood.count(429) == 17
        # Many usernames from one address: the address's own key slows them (10 free).
        names = [post_login(attacker, f"user{n}", "guess guess").status_code for n in range(12)]
        assert names.count(401) == 7 and names.count(429) == 5
        # Even the right password waits at the flooding address...
        assert post_login(attacker, "officer", password).status_code == 429
        # ...but not at the officer's own.
        assert post_login(officer, "officer", password).status_code == 303
        assert officer.get("/").status_code == 200


def test_the_count_is_shared_by_two_instances_on_one_database(
    web: Any, clock: ManualClock, password: str
) -> None:
    other_service = IncidentService(
        str(web.service.db.url), web.service.plan, web.service.workflow, clock=clock
    )
    other = create_app(
        other_service,
        Settings(db_url=str(web.service.db.url)),
        WebSettings(secret_key="test-secret-key"),
        run_scheduler=False,
    )
    with browser(web.app, "198.51.100.7") as first, browser(other, "198.51.100.7") as second:
        assert [post_login(first, "officer", "guess guess").status_code for _ in range(3)] == [
            401
        ] * 3
        assert post_login(second, "officer", password).status_code == 429
        clock.advance(seconds=1)
        assert post_login(second, "officer", password).status_code == 303
        # The success on the second instance cleared the pair for the first.
        assert post_login(first, "officer", "guess guess").status_code == 401


def test_a_cookie_replayed_after_logout_is_refused(web: Any, password: str) -> None:
    with browser(web.app, "10.20.0.7") as client:
        assert post_login(client, "officer", password).status_code == 303
        cookie = client.cookies["fangan_session"]
        page = client.get("/")
        assert page.status_code == 200
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert csrf
        assert client.post("/logout", data={"csrf_token": csrf.group(1)}).status_code == 303
    with TestClient(web.app, follow_redirects=False, cookies={"fangan_session": cookie}) as replay:
        assert replay.get("/").headers["location"].startswith("/login")
        assert replay.get("/api/me").status_code == 401


def test_a_password_change_ends_every_older_session(web: Any, password: str) -> None:
    with browser(web.app, "10.20.0.7") as here, browser(web.app, "10.20.0.8") as elsewhere:
        for client in (here, elsewhere):
            assert post_login(client, "officer", password).status_code == 303
        before = here.cookies["fangan_session"]
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', here.get("/account").text)
        assert csrf
        changed = here.post(
            "/account/password",
            data={"csrf_token": csrf.group(1), "current": password, "password": "a new one 22"},
        )
        assert changed.status_code == 303
        assert here.get("/account").status_code == 200  # this browser has a new session
        assert elsewhere.get("/").headers["location"].startswith("/login")
        assert elsewhere.get("/api/me").status_code == 401
    with TestClient(web.app, follow_redirects=False, cookies={"fangan_session": before}) as replay:
        assert replay.get("/").headers["location"].startswith("/login")


class GatedHasher(PasswordHasher):
    """Hashes and verifies only once the test opens the gate, telling it when one has begun."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.armed = False
        self.entered = threading.Event()
        self.gate = threading.Event()

    def _wait(self) -> None:
        if self.armed:
            self.entered.set()
            self.gate.wait(10)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._wait()
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._wait()
        return super().verify(hash, password)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[GatedHasher]:
    hasher = GatedHasher()
    monkeypatch.setattr(accounts_module, "_hasher", hasher)
    yield hasher
    hasher.gate.set()


SLOW_POSTS = {
    "login": ("/login", {"username": "officer", "password": "correct horse 1"}),
    "password_change": (
        "/account/password",
        {"current": "correct horse 1", "password": "a new one 22"},
    ),
    "create_user": (
        "/admin/users",
        {
            "username": "duty9",
            "display_name": "值班员戊",
            "unit": "duty_officer",
            "password": "long enough",
        },
    ),
    "admin_sets_password": (
        "/admin/users/2",
        {
            "display_name": "指挥部乙",
            "unit": "district_hq",
            "active": "on",
            "password": "long enough",
        },
    ),
}


@pytest.mark.parametrize("route", list(SLOW_POSTS))
def test_hashing_does_not_hold_up_other_requests(web: Any, gated: GatedHasher, route: str) -> None:
    """While a password is being hashed or checked (held by the gate), /api/me still answers:
    were the hashing on the event loop, nothing else could run until it returned."""
    path, form = SLOW_POSTS[route]

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=web.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ua:
            found = CSRF.search((await ua.get("/login")).text)
            assert found
            csrf = found.group(1)
            if route != "login":
                logged_in = await ua.post(
                    "/login",
                    data={"username": "officer", "password": "correct horse 1", "csrf_token": csrf},
                )
                assert logged_in.status_code == 303
                page = (await ua.get("/account")).text
                found = re.search(r'name="csrf-token" content="([^"]+)"', page)
                assert found
                csrf = found.group(1)
            gated.armed = True
            slow = asyncio.create_task(ua.post(path, data={**form, "csrf_token": csrf}))
            deadline = time.monotonic() + 10
            while not gated.entered.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert gated.entered.is_set() and not slow.done()
            me = await ua.get("/api/me", headers=web.auth("hq"))
            assert me.status_code == 200
            assert not slow.done(), "the hashing held up the event loop"
            gated.gate.set()
            assert (await slow).status_code == 303

    asyncio.run(scenario())
