"""Shared fixtures for the core test suite.

- `plan`: the shipped plan (config/hanyang.yaml), loaded once.
- `clock`: an `engine.clock.ManualClock` the test moves by hand (nothing ever sleeps).
- `service`: an `IncidentService` on a fresh SQLite file driven by `clock` (a copy of a database
  migrated once per session).
- `cli`: runs `main.py` as a subprocess against a temporary database with `--db` and `--now`,
  returning `(exit code, parsed stdout JSON or None, stderr text)`. It fails the test if stdout
  is not valid JSON (logs must never reach stdout). `cli.error(stderr)` parses the error object
  that must be the last line on stderr.
- `cli_main`: the same as `cli`, in-process through `main.main` (for many cases).
- `db_digest`: a digest of a SQLite database's contents, to show a refusal changed nothing.

Test modules get everything through fixtures, never `from conftest import …`: tests/notifiers has
a conftest.py of its own, so the module name `conftest` is not ours to import.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the project is not installed into the venv: import it from here
    sys.path.insert(0, str(ROOT))

from engine.clock import ManualClock  # noqa: E402
from engine.db import make_engine, migrate  # noqa: E402
from engine.plan import Plan, load_plan  # noqa: E402
from engine.service import IncidentService, load_workflow  # noqa: E402

MAIN = ROOT / "main.py"
WORKFLOW_REF = "workflows.housing_safety:WORKFLOW"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# The engine's clock at the start of every test: Monday 2 March 2026, 09:00 in Wuhan.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
T0_ISO = T0.isoformat()  # '2026-03-02T09:00:00+08:00'

CliOutcome = tuple[int, Any, str]


def _last_error(stderr: str) -> dict[str, Any]:
    """The JSON error object that must be the last line written to stderr."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "nothing on stderr"
    error = json.loads(lines[-1])
    assert isinstance(error, dict), lines[-1]
    assert set(error) >= {"error", "message"}, error
    return error


@pytest.fixture
def t0() -> datetime:
    """The engine's clock at the start of every test."""
    return T0


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan()


@pytest.fixture
def clock(t0: datetime) -> ManualClock:
    """The injected clock, at `t0` (a directory's conftest moves its start by overriding `t0`)."""
    return ManualClock(t0)


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest schema, migrated once per session; tests get a
    copy (running every Alembic migration for each test would dominate the suite's time)."""
    path = tmp_path_factory.mktemp("schema") / "fangan.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection closes: the WAL is checkpointed into the file
    return path


@pytest.fixture
def service(tmp_path: Path, plan: Plan, clock: ManualClock, migrated_db: Path) -> IncidentService:
    db = tmp_path / "fangan.db"
    shutil.copyfile(migrated_db, db)
    return IncidentService(f"sqlite:///{db}", plan, load_workflow(WORKFLOW_REF), clock=clock)


class Cli:
    """`python main.py --db <tmp db> --now <instant> ARGS…` in a clean environment."""

    error = staticmethod(_last_error)

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.db_url = f"sqlite:///{workdir / 'cli.db'}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FANGAN_")}

    def __call__(
        self,
        *args: str,
        stdin: str | dict[str, Any] | None = None,
        now: str | None = T0_ISO,
        env: dict[str, str] | None = None,
    ) -> CliOutcome:
        argv = [sys.executable, str(MAIN), "--db", self.db_url]
        if now is not None:
            argv += ["--now", now]
        argv += list(args)
        text = json.dumps(stdin, ensure_ascii=False) if isinstance(stdin, dict) else stdin
        proc = subprocess.run(
            argv,
            input=text or "",
            capture_output=True,
            text=True,
            cwd=self.workdir,
            env={**self.env, **(env or {})},
            timeout=60,
        )
        out = None
        if proc.stdout.strip():
            try:
                out = json.loads(proc.stdout)
            except json.JSONDecodeError:  # pragma: no cover - reported as a failure
                pytest.fail(f"stdout of {args} is not JSON:\n{proc.stdout}")
        return proc.returncode, out, proc.stderr

    def many(self, calls: Iterable[tuple[tuple[str, ...], dict[str, Any]]]) -> list[CliOutcome]:
        """Run independent calls concurrently (each is a separate process); results in order."""
        calls = list(calls)
        with ThreadPoolExecutor(max_workers=min(8, len(calls) or 1)) as pool:
            return list(pool.map(lambda call: self(*call[0], **call[1]), calls))


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


class InProcessCli(Cli):
    """The same contract through `main.main` in this process: what a subprocess would
    print and its exit code, at a fraction of a subprocess's cost (for the many-case tests)."""

    def __call__(
        self,
        *args: str,
        stdin: str | dict[str, Any] | None = None,
        now: str | None = T0_ISO,
        env: dict[str, str] | None = None,
    ) -> CliOutcome:
        from main import main

        argv = ["--db", self.db_url, *(["--now", now] if now is not None else []), *args]
        text = json.dumps(stdin, ensure_ascii=False) if isinstance(stdin, dict) else stdin
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdin, os.environ.copy()
        sys.stdin = io.StringIO(text or "")
        os.environ.clear()
        os.environ.update({**self.env, **(env or {})})
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdin = saved[0]
            os.environ.clear()
            os.environ.update(saved[1])
        printed = out.getvalue()
        try:  # one JSON value, or JSON lines (`tick`, `deliver`) as a list
            parsed = json.loads(printed) if printed.strip() else None
        except json.JSONDecodeError:
            try:
                parsed = [json.loads(line) for line in printed.splitlines() if line.strip()]
            except json.JSONDecodeError:  # pragma: no cover - reported as a failure
                pytest.fail(f"stdout of {args} is not JSON:\n{printed}")
        return code, parsed, err.getvalue()

    def many(self, calls: Iterable[tuple[tuple[str, ...], dict[str, Any]]]) -> list[CliOutcome]:
        return [self(*call[0], **call[1]) for call in calls]


@pytest.fixture
def cli_main(tmp_path: Path) -> InProcessCli:
    """`cli`'s contract run in-process through `main.main` (same database, same shape)."""
    return InProcessCli(tmp_path)


def _digest(db_url: str) -> str:
    """SHA-256 of a SQLite database's full SQL dump (WAL included): equal digests, equal data."""
    connection = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        return hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest()
    finally:
        connection.close()


@pytest.fixture
def db_digest() -> Callable[[str], str]:
    """`db_digest(sqlite_url)`: compare before and after a refusal (it must change nothing)."""
    return _digest
