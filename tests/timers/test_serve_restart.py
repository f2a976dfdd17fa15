"""`serve` as a real process: a deadline falls due while the engine is killed (SIGKILL); the
restarted engine sends the overdue alert exactly once, late, with its lateness recorded.

The plan is the shipped one with its minutes scaled down to seconds, so the test waits seconds of
real time (the one place a real clock is needed: the process and its scheduler are real).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DUE_SECONDS = 12.0


def scaled_plan(tmp_path: Path) -> Path:
    plan = yaml.safe_load((ROOT / "config" / "hanyang.yaml").read_text(encoding="utf-8"))
    plan["deadlines"]["initial_report"]["within_minutes"] = DUE_SECONDS / 60
    plan["alerts"]["reminder_minutes_before"] = [4 / 60]
    plan["alerts"]["overdue_interval_minutes"] = 10  # step 2 stays far away
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Engine:
    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "fangan.db"
        self.env = {
            **os.environ,
            "FANGAN_DB_URL": f"sqlite:///{self.db}",
            "FANGAN_PLAN": str(scaled_plan(tmp_path)),
            "FANGAN_RESYNC_SECONDS": "0.5",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "serve", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("serve did not become healthy")

    def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=15)

    def cli(self, *args: str, stdin: str = "") -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            check=True,
        )
        result: dict[str, object] = json.loads(done.stdout)
        return result

    def fired(self) -> list[tuple[str, str, int, float]]:
        with sqlite3.connect(self.db) as conn:
            rows = conn.execute("SELECT deadline, kind, step, fired_at, due_at FROM fired_alert")
            return [
                (d, k, s, (datetime.fromisoformat(f) - datetime.fromisoformat(u)).total_seconds())
                for d, k, s, f, u in rows
            ]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = Engine(tmp_path)
    yield e
    if e.proc is not None and e.proc.poll() is None:
        e.kill()


def test_overdue_alert_survives_sigkill_and_fires_exactly_once(engine: Engine) -> None:
    engine.start()
    now = datetime.now(UTC)
    incident = engine.cli(
        "incident",
        "report",
        stdin=json.dumps(
            {
                "address": "汉阳区晴川街某号",
                "street": "qingchuan",
                "condition": "hidden_danger",
                "discovered_at": now.isoformat(),
                "reported_at": now.isoformat(),
            }
        ),
    )
    assert engine.kill() == -signal.SIGKILL
    # Down through the reminder (due - 4 s) and the deadline.
    time.sleep(
        max(0.0, (now + timedelta(seconds=DUE_SECONDS + 1.5) - datetime.now(UTC)).total_seconds())
    )
    assert engine.fired() == []
    engine.start()  # start-up catches up before /health turns healthy
    fired = engine.fired()
    assert [(d, k, s) for d, k, s, _ in fired] == [("initial_report", "overdue", 1)]
    lateness = fired[0][3]
    assert lateness >= 1.5
    shown = engine.cli("incident", "show", str(incident["id"]))
    events = [e for e in shown["timeline"] if e["kind"] == "alert_overdue"]  # type: ignore[union-attr,index]
    assert len(events) == 1
    assert events[0]["data"]["late_seconds"] >= 1.5
    # Another restart sends nothing again.
    assert engine.kill() == -signal.SIGKILL
    engine.start()
    time.sleep(1.0)
    assert len(engine.fired()) == 1


def test_serve_fires_on_time_and_stops_cleanly_on_sigterm(engine: Engine) -> None:
    engine.start()
    now = datetime.now(UTC)
    engine.cli(
        "incident",
        "report",
        stdin=json.dumps(
            {
                "address": "汉阳区晴川街某号",
                "street": "qingchuan",
                "condition": "hidden_danger",
                "discovered_at": now.isoformat(),
                "reported_at": now.isoformat(),
            }
        ),
    )
    end = time.monotonic() + DUE_SECONDS + 5
    while time.monotonic() < end and len(engine.fired()) < 2:
        time.sleep(0.2)
    fired = engine.fired()
    assert [(d, k, s) for d, k, s, _ in fired] == [
        ("initial_report", "reminder", 1),
        ("initial_report", "overdue", 1),
    ]
    # Picked up by the resync job (0.5 s) and then woken at the instant: well under 2 s late.
    assert all(late < 2.0 for *_, late in fired)
    health = httpx.get(f"http://127.0.0.1:{engine.port}/health").json()
    assert health["healthy"] is True
    assert engine.kill(signal.SIGTERM) == 0


def test_a_second_serve_on_the_same_file_stands_by_and_takes_over_on_sigkill(
    tmp_path: Path,
) -> None:
    leader, standby = Engine(tmp_path), Engine(tmp_path)

    def role(e: Engine) -> object:
        body = httpx.get(f"http://127.0.0.1:{e.port}/health", timeout=5)
        assert body.status_code == 200  # a standby is healthy too
        return body.json()["role"]

    try:
        leader.start()
        standby.start()
        assert (role(leader), role(standby)) == ("leader", "standby")
        now = datetime.now(UTC)
        leader.cli(
            "incident",
            "report",
            stdin=json.dumps(
                {
                    "address": "汉阳区晴川街某号",
                    "street": "qingchuan",
                    "condition": "hidden_danger",
                    "discovered_at": now.isoformat(),
                    "reported_at": now.isoformat(),
                }
            ),
        )
        assert leader.kill() == -signal.SIGKILL
        killed = time.monotonic()
        while role(standby) != "leader":
            assert time.monotonic() - killed < 5.0
            time.sleep(0.05)
        end = time.monotonic() + DUE_SECONDS + 10
        while time.monotonic() < end and len(standby.fired()) < 2:
            time.sleep(0.2)
        assert [(d, k, s) for d, k, s, _ in standby.fired()] == [
            ("initial_report", "reminder", 1),
            ("initial_report", "overdue", 1),
        ]
    finally:
        for e in (leader, standby):
            if e.proc is not None and e.proc.poll() is None:
                e.kill()
