"""The read side under a storm (GitHub issue 9): the board, the API list and `incident list` at
1,000 and 10,000 open incidents, the summary path beside the whole-view path it replaces.

Each size gets a database of open incidents (logged through the service, 1/N of them, and copied
in SQL: `bench/replicate.py`), then, in-process through the ASGI app (FastAPI's TestClient: the
server's own time, no network), with the engine's clock 40 minutes after the last report so the
lanes are full:
- new board `GET /` and its poll `GET /fragments/board`, and the API's first page
  `GET /api/incidents?open=true&order=urgency` (100 summaries);
- the old path: every open incident as a whole view (`IncidentService.list_incidents`), sorted
  by urgency and serialised (what the old API list returned and the old board rendered);
- the whole process of `python main.py incident list` (default limit), and of `classify`.
Median of `--runs`; bytes are the response body.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench import scenario
from bench.report import verdict
from engine.clock import fixed_clock
from engine.lifecycle import Workflow
from engine.plan import Plan
from engine.service import IncidentService
from engine.settings import Settings
from engine.summaries import lane_counts
from web.app import create_app
from web.auth import WebSettings
from web.present import by_urgency

ROOT = Path(__file__).resolve().parent.parent
WINDOW_MINUTES = 60.0  # reports arrive over an hour; read 40 minutes after the last
READ_AFTER = timedelta(minutes=WINDOW_MINUTES + 40)
PASSWORD = "bench password 1"
TARGETS = {
    "board_ms": 250.0,
    "board_kb": 300.0,
    "api_first_page_ms": 150.0,
    "cli_list_s": 1.0,
    "classify_s": 0.5,
}
Build = Callable[..., dict[str, Any]]


def _timed(call: Callable[[], bytes], runs: int) -> dict[str, Any]:
    seconds, size = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        size = len(call())
        seconds.append(time.perf_counter() - began)
    return {
        "runs_ms": [round(s * 1000, 1) for s in seconds],
        "median_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None,
        "bytes": size,
    }


def _get(client: TestClient, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:200])
    content: bytes = response.content
    return content


def _old_list(service: IncidentService) -> bytes:
    rows = by_urgency(service.list_incidents(include_closed=False))
    return json.dumps(rows, ensure_ascii=False).encode()


def _process(args: list[str], env: dict[str, str], stdin: str = "", root: Path = ROOT) -> bytes:
    done = subprocess.run(
        [sys.executable, str(root / "main.py"), *args],
        input=stdin.encode(),
        capture_output=True,
        cwd=root,
        env={**env, "PYTHONPATH": str(root)},
        timeout=600,
        check=True,
    )
    return done.stdout


def _client(service: IncidentService) -> TestClient:
    """A TestClient on the app, logged in to the console as a duty officer."""
    app = create_app(
        service, Settings(db_url=str(service.db.url)), WebSettings(), run_scheduler=False
    )
    app.state.accounts.create_user("bench", "值班员", "district_housing_bureau", PASSWORD)
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert done.status_code == 303, done.text[:200]
    return client


def measure(
    size: int,
    args: argparse.Namespace,
    plan: Plan,
    workflow: Workflow,
    workdir: Path,
    build: Build,
    start: datetime,
    old: Path | None = None,
) -> dict[str, Any]:
    copies = max(1, min(args.replicate, size))
    scripts = scenario.storm(
        args.seed + 300 + size,
        plan.streets.items,
        -(-size // copies),
        WINDOW_MINUTES,
        followups=False,
    )
    db = workdir / f"read-{size}.db"
    built = build(db, plan, workflow, scripts, scenario.events(scripts), start, copies, 6)
    now = start + READ_AFTER
    service = IncidentService(f"sqlite:///{db}", plan, workflow, clock=fixed_clock(now))
    client = _client(service)
    for path in ("/", "/fragments/board", "/api/incidents?open=true&order=urgency"):
        _get(client, path)  # warm, as a running serve is: templates compiled, pages cached
    old_runs = args.runs if size <= 1000 else args.read_old_runs
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FANGAN_")},
        "FANGAN_DB_URL": f"sqlite:///{db}",
    }
    now_arg = ["--now", now.isoformat()]
    facts = json.dumps({"condition": "imminent_collapse", "people_at_risk": 120})
    out = {
        "incidents": built["incidents"],
        "build": built,
        "new": {
            "board": _timed(lambda: _get(client, "/"), args.runs),
            "board_poll": _timed(lambda: _get(client, "/fragments/board"), args.runs),
            "api_first_page": _timed(
                lambda: _get(client, "/api/incidents?open=true&order=urgency"), args.runs
            ),
            "cli_list_process": _timed(
                lambda: _process([*now_arg, "incident", "list"], env), args.runs
            ),
        },
        "old": {"whole_view_list": _timed(lambda: _old_list(service), old_runs)},
        "classify_process": _timed(lambda: _process(["classify"], env, facts), args.runs),
        "lanes": lane_counts(service),
        "loadavg": os.getloadavg(),
    }
    if old is not None:  # the whole processes of the old tree, on the same database
        out["before"] = {
            "cli_list_process": _timed(
                lambda: _process([*now_arg, "incident", "list"], env, root=old), args.runs
            ),
            "classify_process": _timed(
                lambda: _process(["classify"], env, facts, root=old), args.runs
            ),
        }
    client.close()
    service.db.dispose()
    return out


def phase_read(
    args: argparse.Namespace,
    plan: Plan,
    workflow: Workflow,
    workdir: Path,
    build: Build,
    start: datetime,
    say: Callable[[str], None],
    before_tree: Path | None = None,
) -> dict[str, Any]:
    results: dict[str, Any] = {"sizes": {}}
    for size in args.read_sizes:
        say(f"read: building {size} open incidents")
        results["sizes"][str(size)] = found = measure(
            size, args, plan, workflow, workdir, build, start, before_tree
        )
        new, old = found["new"], found["old"]["whole_view_list"]
        say(
            f"read {size}: board {new['board']['median_ms']} ms / {new['board']['bytes']} B, "
            f"API first page {new['api_first_page']['median_ms']} ms, old list "
            f"{old['median_ms']} ms / {old['bytes']} B, incident list process "
            f"{new['cli_list_process']['median_ms']} ms"
        )
    return results


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for size, r in results["sizes"].items():
        new, old = r["new"], r["old"]["whole_view_list"]
        board_ms, board_kb = new["board"]["median_ms"], new["board"]["bytes"] / 1024
        rows += [
            (
                f"board GET / ({size} open)",
                f"{board_ms} ms, {board_kb:.0f} KB",
                f"< {TARGETS['board_ms']:g} ms, < {TARGETS['board_kb']:g} KB",
                verdict(max(board_ms / TARGETS["board_ms"], board_kb / TARGETS["board_kb"]), 1.0),
            ),
            (
                f"board poll /fragments/board ({size})",
                f"{new['board_poll']['median_ms']} ms, {new['board_poll']['bytes'] / 1024:.0f} KB",
                "",
                "",
            ),
            (
                f"API first page, 100 summaries ({size})",
                f"{new['api_first_page']['median_ms']} ms,"
                f" {new['api_first_page']['bytes'] / 1024:.0f} KB",
                f"< {TARGETS['api_first_page_ms']:g} ms",
                verdict(new["api_first_page"]["median_ms"], TARGETS["api_first_page_ms"]),
            ),
            (
                f"old path: all whole views by urgency ({size})",
                f"{old['median_ms']} ms, {old['bytes'] / 1024:.0f} KB "
                f"({len(old['runs_ms'])} run{'s' if len(old['runs_ms']) > 1 else ''})"
                if old["runs_ms"]
                else "not run (--read-old-runs 0)",
                "(before)",
                "",
            ),
            (
                f"incident list, whole process ({size})",
                f"{new['cli_list_process']['median_ms']} ms",
                f"< {TARGETS['cli_list_s']:g} s",
                verdict(new["cli_list_process"]["median_ms"] / 1000, TARGETS["cli_list_s"]),
            ),
            (
                "classify, whole process",
                f"{r['classify_process']['median_ms']} ms",
                f"< {TARGETS['classify_s']:g} s",
                verdict(r["classify_process"]["median_ms"] / 1000, TARGETS["classify_s"]),
            ),
        ]
    return rows
