"""`serve` as a real process: console, API and health answer; SIGTERM stops it cleanly even with
a console connection still open; the generated key (a file, not in the database) survives a
restart."""

from __future__ import annotations

import signal
import sqlite3
import time
from typing import Any

import httpx


def test_serve_answers_and_stops_on_sigterm(served: Any) -> None:
    token = served.user("admin", "管理员", "district_housing_bureau", admin=True)
    served.start()
    with httpx.Client(base_url=served.base, timeout=5) as keep_alive:
        assert keep_alive.get("/login").status_code == 200
        assert keep_alive.get("/").status_code == 303
        me = keep_alive.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["unit"] == "district_housing_bureau"
        started = time.monotonic()
        code = served.stop(signal.SIGTERM)
        elapsed = time.monotonic() - started
    assert code == 0, served.log.read_text()
    assert elapsed < 5, f"took {elapsed:.1f} s to stop"


def test_the_generated_session_key_survives_a_restart(served: Any, password: str) -> None:
    served.user("admin", "管理员", "district_housing_bureau", admin=True)
    served.start()
    with httpx.Client(base_url=served.base, timeout=5, follow_redirects=False) as browser:
        page = browser.get("/login").text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        logged_in = browser.post(
            "/login", data={"username": "admin", "csrf_token": csrf, "password": password}
        )
        assert logged_in.status_code == 303
        assert served.stop() == 0
        served.start()
        assert browser.get("/").status_code == 200  # the same cookie is still valid
    assert served.stop() == 0
    # the key was generated once, into a 0600 file beside the database, not into the database
    assert served.log.read_text().count("generated the key file") == 1
    assert served.db.with_suffix(".key").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(served.db) as connection:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert "secret" not in tables
