"""Flood-season storm benchmark on SQLite (GitHub issue 3): `python -m bench.storm --help`.

Four phases, each measured and reported (never asserted):

1. intake   — latency of `IncidentService.report` (one durable commit each) for a storm of
              reports logged within a few simulated minutes, in-process on a ManualClock;
2. catchup  — one `tick` over many open incidents at an instant where most deadlines owe an
              alert, then a second `tick` to the same instant, which must fire nothing;
3. serve    — a real `python main.py serve` with the plan's minutes scaled to seconds, while
              this process logs the storm (and the duty officers' follow-ups) through the
              service: alert lateness `fired_at − due_at` from the `fired_alert` table;
4. startup  — `serve` launched on a database with many pending deadlines that owe a reminder:
              seconds until /health answers 200 (its start-up catch-up is done by then).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import os
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from loguru import logger

from bench import readside, scenario
from bench.replicate import replicate
from bench.report import distribution, machine, median_of, table, verdict
from bench.serve import (
    ROOT,
    FiredWatcher,
    Serve,
    StreamClients,
    console_token,
    contacts_copy,
    parse_db_time,
)
from engine.clock import ManualClock, fixed_clock
from engine.contacts import DEFAULT_CONTACTS_PATH
from engine.lifecycle import Workflow
from engine.plan import DEFAULT_PLAN_PATH, Plan, load_plan
from engine.service import IncidentService, load_workflow

WORKFLOW_REF = "workflows.housing_safety:WORKFLOW"
# A flood-season night in Wuhan.
STORM_START = datetime(2026, 7, 14, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TARGETS = {
    "intake_p99_ms": 20.0,
    "catchup_s": 5.0,
    "lateness_p99_s": 1.0,
    "lateness_max_s": 2.0,
    "startup_s": 2.0,
}
PHASES = ("intake", "catchup", "serve", "startup", "read")


def _revision(tree: Path = ROOT) -> dict[str, Any]:
    """The engine revision measured: HEAD and whether engine code had uncommitted changes."""

    def git(*cmd: str) -> str:
        done = subprocess.run(
            ["git", *cmd],
            cwd=tree,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    dirty = git(
        "status",
        "--porcelain",
        "--",
        "engine",
        "workflows",
        "web",
        "config",
        "notifiers",
        "main.py",
    )
    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "uncommitted_engine_files": len(dirty.splitlines()),
    }


def _say(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _pragma_on_connect(engine: sa.Engine, pragma: str) -> None:
    """Run `PRAGMA …` on every new connection of `engine` (after the engine's own pragmas)."""

    def apply(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA {pragma}")

    sa.event.listen(engine, "connect", apply)
    engine.dispose()


def _checkpoint(service: IncidentService) -> None:
    """Fold the WAL into the main file so that the file alone can be copied (outside the
    engine's connections: each of them begins a transaction, where SQLite refuses it)."""
    service.db.dispose()
    connection = sqlite3.connect(str(service.db.url.database))
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _clock_driver(clock: ManualClock, start: datetime) -> Callable[[float], datetime]:
    def wait_until(at: float) -> datetime:
        clock.set(start + timedelta(minutes=at))
        return clock.now

    return wait_until


def _profile_text(profile: cProfile.Profile | str, out: Path, limit: int = 35) -> None:
    """A cProfile report: the engine's own functions by cumulative time, then everything by
    cumulative and by own time (the raw profile goes beside it as .prof)."""
    if isinstance(profile, cProfile.Profile):
        profile.dump_stats(out.with_suffix(".prof"))
    with out.open("w") as stream:
        stats = pstats.Stats(profile, stream=stream)
        stats.sort_stats("cumulative").print_stats(r"(engine|workflows|web|notifiers)/", limit)
        for order in ("cumulative", "tottime"):
            stats = pstats.Stats(profile, stream=stream)
            stats.strip_dirs().sort_stats(order).print_stats(limit)


def _copy_db(source: Path, target: Path) -> None:
    """A database and its key file (the audit chain's secret lives beside it, not in it)."""
    shutil.copyfile(source, target)
    shutil.copyfile(source.with_suffix(".key"), target.with_suffix(".key"))


def _query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


# -- 1. intake ------------------------------------------------------------------------------


def phase_intake(
    args: argparse.Namespace, plan: Plan, workflow: Workflow, workdir: Path
) -> dict[str, Any]:
    """Reports only, on a ManualClock: the clock moves to each arrival, nothing sleeps."""
    out: dict[str, Any] = {"incidents": args.incidents, "storm_minutes": args.storm_minutes}
    for sync in ("NORMAL", "FULL"):
        runs = []
        for run in range(args.runs):
            scripts = scenario.storm(
                args.seed + run,
                plan.streets.items,
                args.incidents,
                args.storm_minutes,
                followups=False,
            )
            db = workdir / f"intake-{sync.lower()}-{run}.db"
            clock = ManualClock(STORM_START)
            service = IncidentService(_url(db), plan, workflow, clock=clock)
            if sync == "FULL":
                _pragma_on_connect(service.db, "synchronous=FULL")
            profiler = (
                cProfile.Profile() if args.profile and run == 0 and sync == "NORMAL" else None
            )
            if profiler:
                profiler.enable()
            outcome = scenario.run(
                service,
                scripts,
                scenario.events(scripts),
                _clock_driver(clock, STORM_START),
                timedelta(minutes=1),
            )
            if profiler:
                profiler.disable()
                _profile_text(profiler, args.profile / "intake.txt")
            service.db.dispose()
            cpu = distribution(outcome.cpu.get("report", []))
            runs.append(
                {
                    **distribution(outcome.latencies.get("report", [])),
                    "cpu_p50": cpu.get("p50"),
                    "cpu_p99": cpu.get("p99"),
                    "errors": outcome.errors,
                    "loadavg": os.getloadavg(),
                }
            )
            _say(
                f"intake {sync} run {run + 1}: p50 {runs[-1].get('p50')} ms, "
                f"p99 {runs[-1].get('p99')} ms"
            )
        key = "default" if sync == "NORMAL" else "synchronous_full"
        out[key] = {
            "runs": runs,
            "p50_ms": median_of(runs, "p50"),
            "p99_ms": median_of(runs, "p99"),
            "max_ms": median_of(runs, "max"),
            "cpu_p50_ms": median_of(runs, "cpu_p50"),
            "cpu_p99_ms": median_of(runs, "cpu_p99"),
        }
    out["default"]["note"] = (
        "engine defaults: WAL, synchronous=NORMAL (a commit survives a "
        "process crash; an OS crash or power loss may lose the last "
        "commits)"
    )
    out["synchronous_full"]["note"] = "bench-only PRAGMA synchronous=FULL: fsync per commit"
    return out


# -- 2. catch-up ----------------------------------------------------------------------------


def _build(
    db: Path,
    plan: Plan,
    workflow: Workflow,
    scripts: list[scenario.Script],
    evts: list[scenario.Event],
    start: datetime,
    copies: int,
    shift_seconds: float,
) -> dict[str, Any]:
    """Log a storm through the service as fast as SQLite allows (synchronous=OFF: a bench
    build, not a measurement), copy it `copies − 1` times at the row level, checkpoint."""
    clock = ManualClock(start)
    service = IncidentService(_url(db), plan, workflow, clock=clock)
    _pragma_on_connect(service.db, "synchronous=OFF")
    began = time.perf_counter()
    outcome = scenario.run(
        service, scripts, evts, _clock_driver(clock, start), timedelta(minutes=1)
    )
    logged_s = time.perf_counter() - began
    if outcome.errors:
        _say(f"build errors: {outcome.errors}")
    _checkpoint(service)
    began = time.perf_counter()
    total = replicate(db, copies, shift_seconds) if copies > 1 else len(outcome.ids)
    return {
        "through_service": len(outcome.ids),
        "through_service_s": round(logged_s, 2),
        "copies": copies,
        "incidents": total,
        "copy_s": round(time.perf_counter() - began, 2),
    }


def _owing(db: Path, until: datetime) -> dict[str, int]:
    naive = until.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    ((open_incidents,),) = _query(
        db, "SELECT count(*) FROM incident WHERE state NOT IN ('closed', 'dismissed')"
    )
    ((open_deadlines,),) = _query(
        db, "SELECT count(*) FROM deadline WHERE met_at IS NULL AND stopped_at IS NULL"
    )
    ((owing,),) = _query(
        db,
        "SELECT count(*) FROM deadline WHERE met_at IS NULL AND stopped_at IS "
        "NULL AND next_alert_at <= ?",
        naive,
    )
    ((resends,),) = _query(
        db, "SELECT count(*) FROM notice WHERE status = 'sent' AND ack_due_at <= ?", naive
    )
    return {
        "open_incidents": open_incidents,
        "open_deadlines": open_deadlines,
        "deadlines_owing_alert": owing,
        "notices_owing_resend": resends,
    }


def phase_catchup(
    args: argparse.Namespace, plan: Plan, workflow: Workflow, workdir: Path
) -> dict[str, Any]:
    window = args.catchup_window
    until = STORM_START + timedelta(minutes=window + 45)
    copies = max(1, min(args.replicate, args.catchup_incidents))
    scripts = scenario.storm(
        args.seed + 100,
        plan.streets.items,
        -(-args.catchup_incidents // copies),
        window,
        followups=args.catchup_followups,
    )
    evts = scenario.events(scripts, until=window + 45)
    template = workdir / "catchup-template.db"
    _say(f"catchup: building {args.catchup_incidents} incidents over {window} simulated minutes")
    build = _build(template, plan, workflow, scripts, evts, STORM_START, copies, 20)
    before = _owing(template, until)
    _say(f"catchup: built {build}; {before}")
    runs = []
    for run in range(args.runs + (1 if args.profile else 0)):
        profiled = run == args.runs
        db = workdir / f"catchup-{run}.db"
        _copy_db(template, db)
        service = IncidentService(_url(db), plan, workflow, clock=fixed_clock(until))
        profiler = cProfile.Profile() if profiled else None
        began, began_cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        fired = service.tick(until)
        if profiler:
            profiler.disable()
        first_s, first_cpu = time.perf_counter() - began, time.process_time() - began_cpu
        ((rows_after_first,),) = _query(db, "SELECT count(*) FROM fired_alert")
        began = time.perf_counter()
        again = service.tick(until)
        second_s = time.perf_counter() - began
        ((rows_after_second,),) = _query(db, "SELECT count(*) FROM fired_alert")
        service.db.dispose()
        if profiler:
            _profile_text(profiler, args.profile / "catchup.txt")
            _say(f"catchup: profiled run took {first_s:.2f} s (not counted)")
            continue
        runs.append(
            {
                "first_s": round(first_s, 3),
                "first_cpu_s": round(first_cpu, 3),
                "fired": len(fired),
                "loadavg": os.getloadavg(),
                "fired_by_kind": dict(Counter(f.kind for f in fired)),
                "second_s": round(second_s, 4),
                "second_fired": len(again),
                "second_wrote_rows": rows_after_second - rows_after_first,
                "second_fires_nothing": not again and rows_after_second == rows_after_first,
            }
        )
        _say(
            f"catchup run {run + 1}: {first_s:.2f} s for {len(fired)} alerts; "
            f"second {second_s * 1000:.1f} ms, {len(again)} fired"
        )
    return {
        "incidents": args.catchup_incidents,
        "window_minutes": window,
        "followups": args.catchup_followups,
        "until": until.isoformat(),
        "build": build,
        "before": before,
        "runs": runs,
        "first_s": median_of(runs, "first_s"),
        "first_cpu_s": median_of(runs, "first_cpu_s"),
        "second_s": median_of(runs, "second_s"),
        "second_fires_nothing": all(r["second_fires_nothing"] for r in runs),
    }


# -- 3. serve under the storm ---------------------------------------------------------------


def _lateness(db: Path, seen: dict[int, datetime], resync: float) -> dict[str, Any]:
    """Lateness of every alert the scheduler could have sent on time (due after its timer was
    written), from `fired_at − due_at`; alerts already owed when their timer was written (a
    report logged after its reminder was due) are counted apart."""
    rows = _query(
        db,
        """
        SELECT f.id, f.kind, f.due_at, f.fired_at, i.created_at, d.started_at, n.sent_at
        FROM fired_alert f JOIN incident i ON i.id = f.incident_id
        LEFT JOIN deadline d ON d.incident_id = f.incident_id AND d.code = f.deadline
        LEFT JOIN (SELECT incident_id, unit, min(sent_at) AS sent_at FROM notice
                   GROUP BY incident_id, unit) n
               ON f.kind = 'resend' AND n.incident_id = f.incident_id AND n.unit = f.unit""",
    )
    late: list[float] = []
    late_steady: list[float] = []
    observed: list[float] = []
    by_kind: dict[str, list[float]] = {}
    owed_at_write: list[float] = []
    for row_id, kind, due_s, fired_s, created_s, started_s, sent_s in rows:
        due, fired = parse_db_time(due_s), parse_db_time(fired_s)
        known = (
            parse_db_time(sent_s)
            if kind == "resend" and sent_s
            else max(parse_db_time(created_s), parse_db_time(started_s) if started_s else due)
        )
        seconds = (fired - due).total_seconds()
        if due < known:
            owed_at_write.append((fired - known).total_seconds())
            continue
        late.append(seconds)
        by_kind.setdefault(kind, []).append(seconds)
        if (due - known).total_seconds() >= resync:
            late_steady.append(seconds)
        if row_id in seen:
            observed.append((seen[row_id] - due).total_seconds())
    return {
        "alerts": len(rows),
        "lateness_s": distribution(late, unit=1.0),
        "lateness_due_after_one_resync_s": distribution(late_steady, unit=1.0),
        "observed_commit_lateness_s": distribution(observed, unit=1.0),
        "lateness_by_kind_s": {k: distribution(v, unit=1.0) for k, v in sorted(by_kind.items())},
        "owed_when_written": {
            "n": len(owed_at_write),
            "pickup_s": distribution(owed_at_write, unit=1.0),
        },
    }


def _deliveries(db: Path) -> dict[str, Any]:
    """The outbox side of alerts (`serve` sends them after recording them): how long the
    messages of alerts and re-sends waited, and the end-to-end lateness due → delivered."""
    rows = _query(
        db,
        """
        SELECT d.status, d.created_at, d.delivered_at,
               (SELECT min(f.due_at) FROM fired_alert f WHERE f.incident_id = d.incident_id
                  AND f.fired_at = d.created_at
                  AND ('alert_' || f.kind = d.kind OR (f.kind = 'resend' AND d.kind = 'resend')))
        FROM delivery d WHERE d.kind LIKE 'alert_%' OR d.kind = 'resend'""",
    )
    waits: list[float] = []
    end_to_end: list[float] = []
    status: Counter[str] = Counter()
    for state, created_s, delivered_s, due_s in rows:
        status[state] += 1
        if delivered_s is None:
            continue
        delivered = parse_db_time(delivered_s)
        waits.append((delivered - parse_db_time(created_s)).total_seconds())
        if due_s is not None:
            end_to_end.append((delivered - parse_db_time(due_s)).total_seconds())
    return {
        "messages": len(rows),
        "by_status": dict(status),
        "outbox_wait_s": distribution(waits, unit=1.0),
        "due_to_delivered_s": distribution(end_to_end, unit=1.0),
    }


def _undelivered(db: Path, before: datetime) -> int:
    naive = before.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    ((deadlines,),) = _query(
        db,
        "SELECT count(*) FROM deadline WHERE met_at IS NULL AND "
        "stopped_at IS NULL AND next_alert_at < ?",
        naive,
    )
    ((notices,),) = _query(
        db, "SELECT count(*) FROM notice WHERE status = 'sent' AND ack_due_at < ?", naive
    )
    return int(deadlines) + int(notices)


def _only_activation(scripts: list[scenario.Script], levels: str) -> list[scenario.Script]:
    """Drop the II/I activations unless asked for (`--activation all`), or every activation."""

    def keep(script: scenario.Script, f: scenario.FollowUp) -> bool:
        if f.action != "activate":
            return True
        if levels == "none":
            return False
        return levels == "all" or script.facts["condition"] == "hidden_danger"

    return [
        dataclasses.replace(s, followups=tuple(f for f in s.followups if keep(s, f)))
        for s in scripts
    ]


def phase_serve(
    args: argparse.Namespace, workflow: Workflow, workdir: Path, root: Path = ROOT
) -> dict[str, Any]:
    spm = args.seconds_per_minute
    total = args.storm_minutes + args.tail_minutes
    runs = []
    for run in range(args.serve_runs):
        rundir = workdir / f"serve-{run}"
        rundir.mkdir()
        plan_path = rundir / "hanyang-scaled.yaml"
        scenario.scale_plan(DEFAULT_PLAN_PATH, plan_path, spm)
        plan = load_plan(plan_path)
        db = rundir / "fangan.db"
        service = IncidentService(_url(db), plan, workflow)  # the wall clock, like serve
        scripts = _only_activation(
            scenario.storm(
                args.seed + 200 + run,
                plan.streets.items,
                args.incidents,
                args.storm_minutes,
                followups=True,
            ),
            args.activation,
        )
        evts = scenario.events(scripts, until=total)
        _say(
            f"serve run {run + 1}: {args.incidents} reports in {args.storm_minutes} simulated "
            f"minutes ({args.storm_minutes * spm:.0f} s), {len(evts) - args.incidents} "
            f"follow-ups, {total * spm:.0f} s in all"
        )
        contacts = contacts_copy(DEFAULT_CONTACTS_PATH, rundir / "contacts.yaml", rundir)
        token = console_token(db, plan_path)
        with Serve(
            db,
            plan_path,
            rundir / "serve.log",
            args.resync_seconds,
            contacts_path=contacts,
            root=root,
        ) as serve:
            boot_s, _ = serve.wait_healthy()
            consoles = StreamClients(serve.port, token, args.stream_clients).start()
            watcher = FiredWatcher(db)
            watcher.start()
            t0 = time.time() + 0.2
            slip: list[float] = []

            def wait_until(at: float, t0: float = t0, slip: list[float] = slip) -> datetime:
                target = t0 + at * spm
                delay = target - time.time()
                if delay > 0:
                    time.sleep(delay)
                else:
                    slip.append(-delay)
                return datetime.now(UTC)

            outcome = scenario.run(service, scripts, evts, wait_until, timedelta(seconds=spm))
            remaining = t0 + total * spm - time.time()
            if remaining > 0:
                time.sleep(remaining)
            health = serve.health()
            stopped = datetime.now(UTC)
            watcher.stop()
            consoles.stop()
            exit_code, stop_s = serve.stop()
            races = serve.log_count("raced another writer")
            failures = serve.log_count("timer catch-up failed")
            wake_skips = serve.log_count("TimerScheduler.wake", "skipped")
        service.db.dispose()
        late = _lateness(db, watcher.seen, args.resync_seconds)
        result = {
            "serve_boot_s": round(boot_s, 3),
            "exit_code": exit_code,
            "sigterm_to_exit_s": round(stop_s, 2),
            "hung_on_sigterm": exit_code == -9,
            "intake_under_load_ms": distribution(outcome.latencies.get("report", [])),
            "followups_ms": {
                k: distribution(v) for k, v in outcome.latencies.items() if k != "report"
            },
            "errors": outcome.errors,
            "schedule_slip_max_s": round(max(slip, default=0.0), 3),
            "loadavg_at_end": os.getloadavg(),
            "health_at_end": health,
            "catchup_races_logged": races,
            "catchup_failures_logged": failures,
            "wake_runs_skipped_logged": wake_skips,
            "deliveries": _deliveries(db),
            "stream": consoles.summary(),
            "undelivered_at_end": _undelivered(db, stopped - timedelta(seconds=2)),
            **late,
            "p50_s": late["lateness_s"].get("p50"),
            "p99_s": late["lateness_s"].get("p99"),
            "max_s": late["lateness_s"].get("max"),
        }
        runs.append(result)
        _say(
            f"serve run {run + 1}: {late['alerts']} alerts, lateness p50 {result['p50_s']} s, "
            f"p99 {result['p99_s']} s, max {result['max_s']} s; races {races}, "
            f"failures {failures}, undelivered {result['undelivered_at_end']}, "
            f"errors {sum(outcome.errors.values())}"
        )
    return {
        "incidents": args.incidents,
        "storm_minutes": args.storm_minutes,
        "tail_minutes": args.tail_minutes,
        "seconds_per_plan_minute": spm,
        "resync_seconds": args.resync_seconds,
        "activation": args.activation,
        "runs": runs,
        "stream_clients": args.stream_clients,
        "stream_alert_events_min": min(
            (n for r in runs for n in r["stream"]["alert_events_per_client"]), default=None
        ),
        "stream_reconnects": sum(r["stream"]["reconnects"] for r in runs),
        "p50_s": median_of(runs, "p50_s"),
        "p99_s": median_of(runs, "p99_s"),
        "max_s": median_of(runs, "max_s"),
        "intake_under_load_p99_ms": statistics.median(
            r["intake_under_load_ms"].get("p99", 0.0) for r in runs
        )
        if runs
        else None,
    }


# -- 4. start-up ----------------------------------------------------------------------------


def phase_startup(
    args: argparse.Namespace, plan: Plan, workflow: Workflow, workdir: Path, root: Path = ROOT
) -> dict[str, Any]:
    """A database written while `serve` was down: every deadline pending (due in 6–14 min) and
    owing its first reminder, which the start-up catch-up must send before /health is 200."""
    plan_path = workdir / "hanyang.yaml"
    shutil.copyfile(DEFAULT_PLAN_PATH, plan_path)
    contacts = contacts_copy(DEFAULT_CONTACTS_PATH, workdir / "contacts.yaml", workdir)
    rng = random.Random(args.seed + 300)
    now = datetime.now(UTC).replace(microsecond=0)
    base = now - timedelta(minutes=60)
    copies = max(1, min(args.replicate, args.startup_incidents))
    scripts = []
    for script in scenario.storm(
        args.seed + 300,
        plan.streets.items,
        -(-args.startup_incidents // copies),
        10,
        followups=False,
    ):
        discovered, lag = rng.uniform(6, 14), rng.uniform(2, 30)
        scripts.append(dataclasses.replace(script, at=discovered + lag, lag=lag))
    scripts.sort(key=lambda s: s.at)
    template = workdir / "startup-template.db"
    _say(f"startup: building {args.startup_incidents} incidents with pending deadlines")
    build = _build(template, plan, workflow, scripts, scenario.events(scripts), base, copies, 3)
    _say(f"startup: built {build}")
    empty = workdir / "startup-empty.db"
    IncidentService(_url(empty), plan, workflow).db.dispose()

    def launch(source: Path, name: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
        db = workdir / f"{name}.db"
        _copy_db(source, db)
        owing = _owing(db, datetime.now(UTC))
        with Serve(
            db,
            plan_path,
            workdir / f"{name}.log",
            args.resync_seconds,
            extra_args=extra,
            contacts_path=contacts,
            root=root,
        ) as serve:
            seconds, body = serve.wait_healthy()
            ((fired,),) = _query(db, "SELECT count(*) FROM fired_alert")
            caught_up = serve.wait_caught_up()
        ((fired_after,),) = _query(db, "SELECT count(*) FROM fired_alert")
        return {
            "seconds": round(seconds, 3),
            "fired_at_start": fired,
            "caught_up_s": round(caught_up, 3),
            "fired_when_caught_up": fired_after,
            **owing,
            "wakes": body.get("wakes"),
            "loadavg": os.getloadavg(),
        }

    baseline = [launch(empty, f"startup-empty-{run}") for run in range(args.runs)]
    _say(f"startup: empty database {[b['seconds'] for b in baseline]} s")
    runs = []
    for run in range(args.runs):
        runs.append(launch(template, f"startup-{run}"))
        _say(
            f"startup run {run + 1}: healthy after {runs[-1]['seconds']} s, "
            f"{runs[-1]['fired_at_start']} reminders sent by then, "
            f"{runs[-1]['fired_when_caught_up']} when caught up after {runs[-1]['caught_up_s']} s"
        )
    if args.profile:
        out = args.profile / "startup.prof"
        launch(template, "startup-profiled", ("-m", "cProfile", "-o", str(out)))
        if out.exists():
            _profile_text(str(out), args.profile / "startup.txt")
    return {
        "incidents": build["incidents"],
        "build": build,
        "runs": runs,
        "seconds": median_of(runs, "seconds"),
        "caught_up_s": median_of(runs, "caught_up_s"),
        "fired_when_caught_up": [r["fired_when_caught_up"] for r in runs],
        "empty_db_runs": baseline,
        "empty_db_seconds": median_of(baseline, "seconds"),
    }


# -- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.storm",
        description="Flood-season storm benchmark on SQLite: intake latency, tick catch-up, "
        "alert lateness in serve, start-up time. Prints a table (stderr) and a "
        "JSON summary (stdout).",
    )
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated subset of {', '.join(PHASES)} (default: all)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and one run each (a smoke run of about a minute)",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of the in-process phases and start-up (default 3)"
    )
    parser.add_argument("--serve-runs", type=int, default=3, help="serve storm runs (default 3)")
    parser.add_argument(
        "--incidents",
        type=int,
        default=1000,
        help="reports in the storm (intake and serve; default 1000)",
    )
    parser.add_argument(
        "--storm-minutes",
        type=float,
        default=10.0,
        help="simulated minutes the storm's reports arrive in (default 10)",
    )
    parser.add_argument("--catchup-incidents", type=int, default=10_000)
    parser.add_argument(
        "--catchup-window",
        type=float,
        default=30.0,
        help="simulated minutes the catch-up incidents arrive in (default 30)",
    )
    parser.add_argument(
        "--catchup-followups",
        action="store_true",
        help="also play the follow-up actions while building the catch-up "
        "database (activations add notices and their re-sends)",
    )
    parser.add_argument("--startup-incidents", type=int, default=10_000)
    parser.add_argument(
        "--stream-clients",
        type=int,
        default=5,
        help="serve phase: consoles holding the live stream (GET /api/stream) (default 5)",
    )
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="an older source tree (a git worktree) to run beside this one in the same run: "
        "the serve and startup phases and the read phase's whole processes, for a side-by-side "
        "table",
    )
    parser.add_argument(
        "--replicate",
        type=int,
        default=10,
        help="catch-up and start-up databases: log 1/N of the incidents through "
        "the service and copy them N−1 times in SQL (default 10; 1 logs "
        "every incident through the service)",
    )
    parser.add_argument(
        "--seconds-per-minute",
        type=float,
        default=1.0,
        help="serve: real seconds per plan minute (default 1.0, so the 60-min deadline lasts 60 s)",
    )
    parser.add_argument(
        "--tail-minutes",
        type=float,
        default=75.0,
        help="serve: simulated minutes observed after the storm (default 75)",
    )
    parser.add_argument(
        "--resync-seconds",
        type=float,
        default=2.0,
        help="FANGAN_RESYNC_SECONDS for serve (default 2)",
    )
    parser.add_argument(
        "--activation",
        choices=("none", "III", "all"),
        default="III",
        help="serve: which activations the follow-ups include (default III; "
        "'all' adds II/I, whose duplicate per-unit re-sends currently "
        "break the engine's catch-up — see bench/README.md)",
    )
    parser.add_argument(
        "--read-sizes",
        default="1000,10000",
        help="read phase: open incidents to read the board and lists at (default 1000,10000)",
    )
    parser.add_argument(
        "--read-old-runs",
        type=int,
        default=1,
        help="read phase: runs of the old whole-view list above 1,000 incidents "
        "(default 1: about 90 s each at 10,000)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write cProfile reports (intake, catch-up, serve start-up) here",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where databases and serve logs go (default: a temporary dir)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.serve_runs = 1, 1
        args.incidents, args.catchup_incidents, args.startup_incidents = 200, 1000, 1000
        args.seconds_per_minute, args.tail_minutes = 0.25, 70.0
        args.read_sizes = "200,1000"
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    args.read_sizes = [int(n) for n in str(args.read_sizes).split(",") if n.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    return args


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    if "intake" in results:
        r = results["intake"]
        p99 = r["default"]["p99_ms"]
        rows.append(
            (f"intake p50 ({r['incidents']} reports)", f"{r['default']['p50_ms']} ms", "", "")
        )
        rows.append(
            (
                "intake p99",
                f"{p99} ms",
                f"< {TARGETS['intake_p99_ms']:g} ms",
                verdict(p99, TARGETS["intake_p99_ms"]),
            )
        )
        rows.append(
            (
                "intake CPU time p50 / p99 (this thread)",
                f"{r['default']['cpu_p50_ms']} / {r['default']['cpu_p99_ms']} ms",
                "",
                "",
            )
        )
        full = r["synchronous_full"]
        rows.append(
            (
                "intake p50 / p99, synchronous=FULL",
                f"{full['p50_ms']} / {full['p99_ms']} ms",
                "(for reference)",
                "",
            )
        )
    if "catchup" in results:
        r = results["catchup"]
        fired = statistics.median(run["fired"] for run in r["runs"]) if r["runs"] else 0
        rows.append(
            (
                f"catch-up over {r['before']['open_incidents']} open incidents ({fired:g} alerts)",
                f"{r['first_s']} s",
                f"< {TARGETS['catchup_s']:g} s",
                verdict(r["first_s"], TARGETS["catchup_s"]),
            )
        )
        rows.append(("catch-up CPU time", f"{r['first_cpu_s']} s", "", ""))
        rows.append(
            (
                "second catch-up, same instant",
                f"{r['second_s']} s",
                "fires nothing",
                "yes" if r["second_fires_nothing"] else "NO",
            )
        )
    if "serve" in results:
        r = results["serve"]
        rows.append(
            (f"alert lateness p50 (serve, {r['incidents']} reports)", f"{r['p50_s']} s", "", "")
        )
        rows.append(
            (
                "alert lateness p99",
                f"{r['p99_s']} s",
                f"< {TARGETS['lateness_p99_s']:g} s",
                verdict(r["p99_s"], TARGETS["lateness_p99_s"]),
            )
        )
        rows.append(
            (
                "alert lateness max",
                f"{r['max_s']} s",
                f"< {TARGETS['lateness_max_s']:g} s",
                verdict(r["max_s"], TARGETS["lateness_max_s"]),
            )
        )
        rows.append(
            (
                "consoles on the live stream: alert events each (fewest), reconnects",
                f"{r['stream_clients']}: {r['stream_alert_events_min']}, {r['stream_reconnects']}",
                "",
                "",
            )
        )
        rows.append(("intake p99 while serve runs", f"{r['intake_under_load_p99_ms']} ms", "", ""))
    if "startup" in results:
        r = results["startup"]
        rows.append(
            (
                f"start-up with {r['incidents']} pending deadlines",
                f"{r['seconds']} s",
                f"< {TARGETS['startup_s']:g} s",
                verdict(r["seconds"], TARGETS["startup_s"]),
            )
        )
        rows.append(
            (
                "start-up: first catch-up done (reminders recorded per run)",
                f"{r['caught_up_s']} s ({', '.join(map(str, r['fired_when_caught_up']))})",
                "",
                "",
            )
        )
        rows.append(("start-up, empty database", f"{r['empty_db_seconds']} s", "", ""))
    if "read" in results:
        rows += readside.summary_rows(results["read"])
    return rows


def compare_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """The summary with the old tree's figures beside this one's (`--before`): the serve and
    startup phases, and the read phase's whole processes (the board and the API list are
    measured in-process, on this tree's code only)."""
    before = results["before"]
    view = {k: before[k] for k in ("serve", "startup") if k in before}
    if "read" in results:
        view["read"] = {
            "sizes": {
                size: {
                    **r,
                    "new": {**r["new"], "cli_list_process": r["before"]["cli_list_process"]},
                    "classify_process": r["before"]["classify_process"],
                }
                for size, r in results["read"]["sizes"].items()
                if "before" in r
            }
        }
    old = {
        row[0]: row[1]
        for row in summary_rows(view)
        if not row[0].startswith(("board", "API", "old path"))
    }
    return [
        (m, after, old.get(m, ""), target, ok) for m, after, target, ok in summary_rows(results)
    ]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="fangan-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    # Engine logs go to a file at INFO, as `serve` would write them (never to the terminal).
    logger.remove()
    logger.add(workdir / "bench.log", level="INFO", enqueue=False)
    plan, workflow = load_plan(), load_workflow(WORKFLOW_REF)
    began = time.perf_counter()
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "revision": _revision(),
        "loadavg_at_start": os.getloadavg(),
        "targets": TARGETS,
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    try:
        if "intake" in args.phases:
            results["intake"] = phase_intake(args, plan, workflow, workdir)
        if "catchup" in args.phases:
            results["catchup"] = phase_catchup(args, plan, workflow, workdir)
        before: dict[str, Any] = {}
        old = args.before.resolve() if args.before else None
        if old is not None:
            results["before"] = before
            before["revision"] = _revision(old)
            (workdir / "before").mkdir(exist_ok=True)
        if "serve" in args.phases:
            results["serve"] = phase_serve(args, workflow, workdir)
            if old is not None:
                _say(f"serve: the same storm on the old tree {old}")
                before["serve"] = phase_serve(args, workflow, workdir / "before", old)
        if "startup" in args.phases:
            results["startup"] = phase_startup(args, plan, workflow, workdir)
            if old is not None:
                _say(f"startup: the same on the old tree {old}")
                before["startup"] = phase_startup(args, plan, workflow, workdir / "before", old)
        if "read" in args.phases:
            results["read"] = readside.phase_read(
                args, plan, workflow, workdir, _build, STORM_START, _say, old
            )
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    results["total_s"] = round(time.perf_counter() - began, 1)
    m = results["machine"]
    load = results["loadavg_at_start"]
    print(
        f"\nFang'an storm benchmark — {m['nproc']} × {m['cpu_model']}, {m['memory_gib']} GiB, "
        f"Python {m['python']}, SQLite {m['sqlite']}; engine {results['revision']['head']}; "
        f"load average at start {load[0]:.2f}; {results['total_s']} s\n",
        file=sys.stderr,
    )
    if "before" in results:
        old = results["before"]["revision"]["head"]
        header = ("measure", f"after ({results['revision']['head']})", f"before ({old})")
        print(table(compare_rows(results), (*header, "target", "verdict (after)")), file=sys.stderr)
    else:
        print(table(summary_rows(results)), file=sys.stderr)
    text = json.dumps(results, ensure_ascii=False, indent=2, default=str)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return results


if __name__ == "__main__":
    main()
