"""Real tampering: events written through the CLI, the SQLite file then altered with sqlite3
behind the engine's back. `audit verify` names each change (exit 2, `tampered`) and `report`
refuses to draw a report from a record that does not verify."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

INCIDENT = {
    "address": "汉阳区鹦鹉街鹦鹉大道8号",
    "street": "yingwu",
    "condition": "hidden_danger",
    "discovered_at": "2026-03-02T08:50:00+08:00",
}
# initial_report is due at 09:50: reminders at 09:35 and 09:45, overdue at 09:50 and 10:00
TICKS = (
    "2026-03-02T09:36:00+08:00",
    "2026-03-02T09:46:00+08:00",
    "2026-03-02T09:51:00+08:00",
    "2026-03-02T10:01:00+08:00",
)
LATER = "2026-03-02T10:05:00+08:00"
MAIN = Path(__file__).resolve().parent.parent / "main.py"


def _sql(db: Path, *statements: str) -> None:
    with sqlite3.connect(db) as connection:
        for statement in statements:
            connection.execute(statement)


def _rows(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as connection:
        return list(connection.execute("SELECT seq, kind FROM timeline_event ORDER BY seq"))


@pytest.fixture
def recorded(cli: Any) -> Any:
    """One incident with a verification and four alerts on its timeline, through the CLI."""
    code, _, err = cli("incident", "report", stdin=INCIDENT)
    assert code == 0, err
    code, _, err = cli(
        "incident",
        "act",
        "1",
        "verify",
        "--actor",
        "district_housing_bureau",
        "--data",
        '{"injured": 1}',
        now="2026-03-02T09:10:00+08:00",
    )
    assert code == 0, err
    for until in TICKS:  # one JSON line per alert: not the fixture's one JSON document
        tick = subprocess.run(
            [sys.executable, str(MAIN), "--db", cli.db_url, "tick", "--until", until],
            capture_output=True,
            text=True,
            cwd=cli.workdir,
            env=cli.env,
            timeout=60,
        )
        assert tick.returncode == 0 and '"alert' not in tick.stderr, tick.stderr
    return cli


def _copy(cli: Any, name: str) -> Any:
    """The recorded database and its key file in a directory of their own."""
    target = cli.workdir / name
    target.mkdir()
    for suffix in (".db", ".key"):
        shutil.copyfile(cli.workdir / f"cli{suffix}", target / f"cli{suffix}")
    return type(cli)(target)


def test_an_untouched_record_verifies_and_reports(recorded: Any) -> None:
    code, out, err = recorded("audit", "verify", now=LATER)
    assert code == 0, err
    assert out["ok"] is True
    [incident] = out["incidents"]
    kinds = [kind for _, kind in _rows(recorded.workdir / "cli.db")]
    assert incident == {"incident_id": 1, "events": len(kinds), "status": "ok", "problems": []}
    assert kinds.count("alert_reminder") >= 2 and kinds.count("alert_overdue") >= 2
    code, out, err = recorded("report", "1", "--format", "md", "--out", "r.md", now=LATER)
    assert code == 0, err


def test_every_tampering_is_named_and_the_report_refused(recorded: Any) -> None:
    db = recorded.workdir / "cli.db"
    rows = dict((kind, seq) for seq, kind in reversed(_rows(db)))  # the first seq of each kind
    last = max(seq for seq, _ in _rows(db))
    first_alert = rows["alert_reminder"]
    cases: dict[str, tuple[list[str], list[tuple[int, str]]]] = {
        "actor": (
            [f"UPDATE timeline_event SET actor = 'district_hq' WHERE seq = {rows['reported']}"],
            [(rows["reported"], "mac_mismatch")],
        ),
        "at": (
            [
                f"UPDATE timeline_event SET at = '2026-03-02 00:40:00.000000' "
                f"WHERE seq = {rows['verified']}"
            ],
            [(rows["verified"], "mac_mismatch")],
        ),
        "data": (
            [
                f"UPDATE timeline_event SET data = json_set(data, '$.late_seconds', 0) "
                f"WHERE seq = {rows['alert_overdue']}"
            ],
            [(rows["alert_overdue"], "mac_mismatch")],
        ),
        "delete_alert": (
            [f"DELETE FROM timeline_event WHERE seq = {first_alert}"],
            [(first_alert, "missing")],
        ),
        "delete_last": ([f"DELETE FROM timeline_event WHERE seq = {last}"], [(last, "missing")]),
        "swap": (
            [
                f"UPDATE timeline_event SET seq = -1 WHERE seq = {first_alert}",
                f"UPDATE timeline_event SET seq = {first_alert} WHERE seq = {last}",
                f"UPDATE timeline_event SET seq = {last} WHERE seq = -1",
            ],
            [(first_alert, "out_of_order"), (last, "out_of_order")],
        ),
        "delete_last_and_move_head": (
            [
                f"DELETE FROM timeline_event WHERE seq = {last}",
                f"UPDATE audit_head SET seq = {last - 1}, mac = (SELECT mac FROM timeline_event "
                f"WHERE seq = {last - 1})",
            ],
            [(last - 1, "head_mismatch")],
        ),
    }
    copies = {}
    for name, (statements, _) in cases.items():
        copies[name] = _copy(recorded, name)
        _sql(copies[name].workdir / "cli.db", *statements)
    calls = [
        (name, copy, args)
        for name, copy in copies.items()
        for args in (("audit", "verify"), ("report", "1", "--format", "md", "--out", "r.md"))
    ]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda call: call[1](*call[2], now=LATER), calls))
    for (name, copy, args), (code, out, err) in zip(calls, results, strict=True):
        expected = cases[name][1]
        assert code == 2, f"{name} {args[0]}: exit {code}\n{err}"
        error = recorded.error(err)
        assert error["error"] == "tampered", f"{name}: {error}"
        for seq, problem in expected:
            assert f"seq {seq}: {problem}" in error["message"], f"{name}: {error['message']}"
        if args[0] == "audit":
            [incident] = out["incidents"]
            assert incident["status"] == "broken"
            assert [(p["seq"], p["problem"]) for p in incident["problems"]] == expected, name
        else:
            assert out is None and not (copy.workdir / "r.md").exists(), name


def test_concurrent_writers_keep_one_chain(cli: Any) -> None:
    """Catch-ups (bulk appends) and actions on the same incidents in eight processes at once:
    every chain still verifies, with no seq twice and none skipped."""
    for _ in range(2):
        code, _, err = cli("incident", "report", stdin=INCIDENT)
        assert code == 0, err
    calls: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for n, until in enumerate(TICKS):
        calls.append((("tick", "--until", until), {"now": None, "stdin": None}))
        for incident in ("1", "2"):
            calls.append(
                (
                    (
                        "incident",
                        "act",
                        incident,
                        "verify",
                        "--actor",
                        "district_housing_bureau",
                        "--data",
                        f'{{"injured": {n + 1}}}',
                    ),
                    {"now": "2026-03-02T09:20:00+08:00", "stdin": None},
                )
            )
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda call: subprocess.run(
                    [
                        sys.executable,
                        str(MAIN),
                        "--db",
                        cli.db_url,
                        *(["--now", call[1]["now"]] if call[1]["now"] else []),
                        *call[0],
                    ],
                    capture_output=True,
                    text=True,
                    cwd=cli.workdir,
                    env=cli.env,
                    timeout=120,
                ),
                calls,
            )
        )
    # A loser may be refused (until SQLite takes its write lock before reading, a writer that
    # read an old chain head meets the unique (incident, seq) guard), never recorded on a fork.
    refused = [r.stderr for r in results if r.returncode != 0]
    assert len(refused) <= len(calls) // 2, refused
    assert all(
        any(
            why in err
            for why in (
                "UNIQUE constraint failed: timeline_event",
                "database is locked",
                '"conflict"',
            )
        )
        for err in refused
    ), refused
    code, out, err = cli("audit", "verify", now=LATER)
    assert code == 0, err
    with sqlite3.connect(cli.workdir / "cli.db") as connection:
        for incident, count, top in connection.execute(
            "SELECT incident_id, count(*), max(seq) FROM timeline_event GROUP BY incident_id"
        ):
            assert count == top, f"incident {incident}: {count} events, last seq {top}"
    assert [i["events"] for i in out["incidents"]] == [
        n
        for (n,) in sqlite3.connect(cli.workdir / "cli.db").execute(
            "SELECT count(*) FROM timeline_event GROUP BY incident_id ORDER BY incident_id"
        )
    ]
