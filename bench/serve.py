"""A real `python main.py serve` subprocess, and a watcher that sees alerts being committed."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent


def contacts_copy(source: Path, target: Path, outdir: Path) -> Path:
    """The contact directory with every channel's file `path` moved into `outdir`."""
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    for channel in (raw.get("channels") or {}).values():
        if isinstance(channel, dict) and "path" in channel:
            channel["path"] = str(outdir / Path(str(channel["path"])).name)
    target.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def parse_db_time(text: str) -> datetime:
    """SQLAlchemy stores UTC as naive 'YYYY-MM-DD HH:MM:SS.ffffff' text in SQLite."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Serve:
    """`python main.py serve` on a free 127.0.0.1 port, configured through FANGAN_* variables
    (the contact directory too, so that console channels write into the bench's work directory);
    its logs go to `log_path`. Stopped with SIGTERM (then SIGKILL) by its own pid only."""

    def __init__(
        self,
        db_path: Path,
        plan_path: Path,
        log_path: Path,
        resync_seconds: float,
        extra_args: tuple[str, ...] = (),
        contacts_path: Path | None = None,
        root: Path = ROOT,
    ) -> None:
        self.root = root  # the source tree whose `main.py serve` runs (`--before`: an old one)
        self.db_path = db_path
        self.contacts_path = contacts_path
        self.plan_path = plan_path
        self.log_path = log_path
        self.resync_seconds = resync_seconds
        self.extra_args = extra_args
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.launched = 0.0

    def __enter__(self) -> Serve:
        env = {
            **os.environ,
            "FANGAN_DB_URL": f"sqlite:///{self.db_path}",
            "FANGAN_PLAN": str(self.plan_path),
            "FANGAN_RESYNC_SECONDS": str(self.resync_seconds),
            "FANGAN_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(self.root),
        }
        env.pop("FANGAN_LOG_FILE", None)
        if self.contacts_path is not None:
            env["FANGAN_CONTACTS"] = str(self.contacts_path)
        self._log = self.log_path.open("wb")
        self.launched = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, *self.extra_args, "main.py", "serve", "--port", str(self.port)],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self, grace: float = 10.0) -> tuple[int | None, float]:
        """SIGTERM, then SIGKILL after `grace` seconds: (exit code, seconds to exit)."""
        if self.process is None:
            return None, 0.0
        began = time.perf_counter()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        code = self.process.returncode
        self.process = None
        self._log.close()
        return code, time.perf_counter() - began

    def wait_healthy(self, timeout: float = 120.0) -> tuple[float, dict[str, Any]]:
        """Seconds from launch until /health answers 200, and its body."""
        url = f"http://127.0.0.1:{self.port}/health"
        deadline = time.perf_counter() + timeout
        with httpx.Client(timeout=5.0) as client:
            while time.perf_counter() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(
                        f"serve exited with {self.process.returncode}; see {self.log_path}"
                    )
                try:
                    response = client.get(url)
                except httpx.TransportError:
                    time.sleep(0.01)
                    continue
                if response.status_code == 200:
                    return time.perf_counter() - self.launched, response.json()
                time.sleep(0.01)
        raise TimeoutError(f"serve not healthy after {timeout} s; see {self.log_path}")

    def wait_caught_up(self, timeout: float = 120.0) -> float:
        """Seconds from launch until /health no longer says `catching_up` (a tree without the
        field caught up before it answered)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self.health().get("catching_up"):
                return time.perf_counter() - self.launched
            time.sleep(0.02)
        raise TimeoutError(f"serve still catching up after {timeout} s; see {self.log_path}")

    def health(self) -> dict[str, Any]:
        response = httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=5.0)
        body: dict[str, Any] = response.json()
        body["status_code"] = response.status_code
        return body

    def log_count(self, *needles: str) -> int:
        """Lines of the serve log that contain every one of `needles`."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return sum(1 for line in text.splitlines() if all(n in line for n in needles))


class FiredWatcher(threading.Thread):
    """Polls the `fired_alert` table and notes when each row was first seen committed, so the
    lateness an outside observer sees can be set beside the engine's own `fired_at`."""

    def __init__(self, db_path: Path, interval: float = 0.05) -> None:
        super().__init__(daemon=True, name="fired-watcher")
        self.db_path = db_path
        self.interval = interval
        self.seen: dict[int, datetime] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        connection = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        last = 0
        try:
            while not self._halt.is_set():
                try:
                    rows = connection.execute(
                        "SELECT id FROM fired_alert WHERE id > ? ORDER BY id", (last,)
                    ).fetchall()
                except sqlite3.OperationalError:
                    rows = []
                now = datetime.now(UTC)
                for (row_id,) in rows:
                    self.seen[row_id] = now
                    last = row_id
                self._halt.wait(self.interval)
        finally:
            connection.close()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


class StreamClients:
    """`count` consoles holding the live stream (`GET /api/stream`) of a running `serve`, each
    in its own thread with a bearer token, as open browsers do; counts the events each got and
    notes when each `alert` event arrived. Reconnects (with Last-Event-ID) when dropped."""

    def __init__(self, port: int, token: str, count: int) -> None:
        self.url = f"http://127.0.0.1:{port}/api/stream"
        self.token = token
        self.events: list[dict[str, int]] = [{} for _ in range(count)]
        self.alerts_at: list[list[datetime]] = [[] for _ in range(count)]
        self.reconnects = [0] * count
        self.errors: list[str] = []
        self._halt = threading.Event()
        self._threads = [
            threading.Thread(target=self._hold, args=(n,), daemon=True, name=f"sse-{n}")
            for n in range(count)
        ]

    def start(self) -> StreamClients:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._halt.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _hold(self, n: int) -> None:
        last_id: str | None = None
        timeout = httpx.Timeout(10.0, read=60.0)
        while not self._halt.is_set():
            headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
            if last_id:
                headers["Last-Event-ID"] = last_id
            try:
                with httpx.stream("GET", self.url, headers=headers, timeout=timeout) as response:
                    if response.status_code != 200:
                        self.errors.append(f"HTTP {response.status_code}")
                        self._halt.wait(1.0)
                        continue
                    kind = "message"
                    for line in response.iter_lines():
                        if self._halt.is_set():
                            return
                        if line.startswith("event:"):
                            kind = line[6:].strip()
                        elif line.startswith("id:"):
                            last_id = line[3:].strip()
                        elif not line:
                            self.events[n][kind] = self.events[n].get(kind, 0) + 1
                            if kind == "alert":
                                self.alerts_at[n].append(datetime.now(UTC))
                            kind = "message"
            except httpx.HTTPError as exc:
                if self._halt.is_set():
                    return
                self.errors.append(type(exc).__name__)
            self.reconnects[n] += 1
            self._halt.wait(0.2)

    def summary(self) -> dict[str, Any]:
        kinds: dict[str, list[int]] = {}
        for got in self.events:
            for kind, n in got.items():
                kinds.setdefault(kind, []).append(n)
        return {
            "clients": len(self.events),
            "events_per_client": {k: sorted(v) for k, v in sorted(kinds.items())},
            "alert_events_per_client": [len(a) for a in self.alerts_at],
            "reconnects": sum(self.reconnects),
            "errors": sorted(set(self.errors)),
        }


def console_token(db_path: Path, plan_path: Path) -> str:
    """A console account and its API token in the bench's database, for the stream clients."""
    from engine.clock import system_clock
    from engine.db import make_engine
    from engine.plan import load_plan
    from web.accounts import Accounts

    engine = make_engine(f"sqlite:///{db_path}")
    accounts = Accounts(engine, load_plan(plan_path), system_clock)
    user = accounts.create_user("bench-sse", "值班员", "district_housing_bureau", "bench sse 1")
    assert user.id is not None
    token: str = accounts.issue_token(user.id, "bench")[1]
    engine.dispose()
    return token
