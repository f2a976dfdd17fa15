"""Fixtures for the web tests.

- `web`: the app on the shared `service` fixture (a temporary SQLite file, a hand-moved clock),
  without the background scheduler, with three users and a bearer token each:
  `officer` (区房管局, administrator), `hq` (区指挥部) and `street` (鹦鹉街's 街道办事处: a
  street office's account belongs to one street).
- `client`: a FastAPI TestClient on it (no cookies); `login(client, user)` logs a client in
  through the console's form and returns the session's CSRF token.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from engine.service import IncidentService
from engine.settings import Settings
from web import accounts as accounts_module
from web.accounts import Accounts
from web.app import create_app
from web.auth import WebSettings

PASSWORD = "correct horse 1"
USERS = {
    "officer": ("值班员甲", "district_housing_bureau", True),
    "hq": ("指挥部乙", "district_hq", False),
    "street": ("街道丙", "street_office", False),
}
STREETS = {"street": "yingwu"}


@dataclass
class Web:
    app: FastAPI
    service: IncidentService
    accounts: Accounts
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its production cost takes half a second a hash here; tests need no more
    than the same algorithm."""
    monkeypatch.setattr(
        accounts_module, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def web(service: IncidentService) -> Web:
    app = create_app(
        service, Settings(db_url=str(service.db.url)), WebSettings(), run_scheduler=False
    )
    accounts: Accounts = app.state.accounts
    out = Web(app, service, accounts)
    for username, (name, unit, admin) in USERS.items():
        user = accounts.create_user(
            username, name, unit, PASSWORD, is_admin=admin, street=STREETS.get(username)
        )
        assert user.id is not None
        out.tokens[username] = accounts.issue_token(user.id, "tests")[1]
    return out


@pytest.fixture
def client(web: Web) -> Iterator[TestClient]:
    with TestClient(web.app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def password() -> str:
    return PASSWORD


CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def login() -> Callable[[TestClient, str], str]:
    def do(client: TestClient, username: str) -> str:
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        )
        assert response.status_code == 303, response.text
        return csrf_of(client.get("/").text)

    return do


def new_report(**overrides: Any) -> dict[str, Any]:
    """Discovered 20 minutes before the tests' clock (T0 = 2026-03-02 09:00 in Wuhan)."""
    report: dict[str, Any] = {
        "address": "鹦鹉街3栋",
        "street": "yingwu",
        "condition": "imminent_collapse",
        "discovered_at": "2026-03-02T08:40:00+08:00",
        "people_at_risk": 120,
    }
    report.update(overrides)
    return report


@pytest.fixture
def report_data() -> Callable[..., dict[str, Any]]:
    return new_report


ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """`python main.py serve` as a real process on a free port with a temporary database."""

    def __init__(self, workdir: Path, **env: str) -> None:
        self.db = workdir / "fangan.db"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FANGAN_")},
            "FANGAN_DB_URL": f"sqlite:///{self.db}",
            **env,
        }
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "serve.log"

    def accounts(self, *args: str, stdin: str = "") -> dict[str, Any]:
        """`python -m web.cli_users ARGS` against this database (JSON out)."""
        done = subprocess.run(
            [sys.executable, "-m", "web.cli_users", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=self.env,
            timeout=60,
            check=True,
        )
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def user(self, username: str, name: str, unit: str, *, admin: bool = False) -> str:
        """Create a user; returns a bearer token for them."""
        command = "create-admin" if admin else "create"
        self.accounts(
            command,
            "--username",
            username,
            "--name",
            name,
            "--unit",
            unit,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        return str(self.accounts("token", "--username", username)["token"])

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "main.py"), "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, self.log.read_text()
            time.sleep(0.1)
        raise AssertionError(f"serve did not become healthy:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path)
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium under Playwright, without network chatter; the test is skipped
    where either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
