"""Bad input at the CLI that once ended in exit 1 `internal` (a red team's fuzzing, issue 14):
each is now exit 2 with the JSON error naming the field, and the database is unchanged. The
cases run in-process through `main.main`; a few of them again as real processes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from engine.clock import ManualClock
from engine.plan import load_plan
from engine.service import IncidentService, load_workflow

T0 = "2026-03-02T09:00:00+08:00"
LATER = "2026-03-02T09:10:00+08:00"
REPORT = {
    "address": "汉阳区鹦鹉街鹦鹉大道8号",
    "street": "yingwu",
    "condition": "imminent_collapse",
    "discovered_at": "2026-03-02T08:40:00+08:00",
}


@pytest.fixture
def active(cli_main: Any, t0: Any, migrated_db: Path) -> dict[str, Any]:
    """An active level-II incident in the CLI's database, with its activation notices."""
    shutil.copyfile(migrated_db, cli_main.db_url.removeprefix("sqlite:///"))
    clock = ManualClock(t0)
    service = IncidentService(
        cli_main.db_url,
        load_plan(),
        load_workflow("workflows.housing_safety:WORKFLOW"),
        clock=clock,
    )
    incident = service.report(REPORT)
    clock.advance(minutes=1)
    service.act(incident["id"], "verify", actor="district_housing_bureau")
    clock.set(t0 + timedelta(minutes=2))
    shown = service.act(incident["id"], "activate", actor="district_hq")
    service.db.dispose()
    assert shown["id"] == 1 and ("district_government", "activation_II") in {
        (n["unit"], n["kind"]) for n in shown["notices"]
    }
    return shown


def _act(action: str, actor: str, *extra: str) -> tuple[str, ...]:
    return ("incident", "act", "1", action, "--actor", actor, *extra)


REPORT_CMD = ("incident", "report")
# (name, error code, argv, stdin, --now, words the message must contain)
CASES: list[tuple[str, str, tuple[str, ...], Any, str, list[str]]] = [
    (
        "id beyond BIGINT",
        "usage",
        ("incident", "show", "99999999999999999999"),
        None,
        LATER,
        ["incident_id", "9223372036854775807"],
    ),
    (
        "--at in year 1 east of UTC",
        "invalid_input",
        _act("verify", "district_housing_bureau", "--at", "0001-01-01T00:00:00+14:00"),
        None,
        LATER,
        ["at:", "1900"],
    ),
    (
        "deeply nested stdin",
        "invalid_input",
        ("classify",),
        "[" * 100_000,
        LATER,
        ["stdin", "nested"],
    ),
    (
        "--out in a missing directory",
        "invalid_input",
        (
            "notice",
            "1",
            "--unit",
            "district_government",
            "--kind",
            "activation_II",
            "--format",
            "html",
            "--out",
            "/no/such/dir/n.html",
        ),
        None,
        LATER,
        ["--out"],
    ),
    (
        "--now in year 1",
        "invalid_input",
        ("incident", "list"),
        None,
        "0001-01-01T00:00:00Z",
        ["--now"],
    ),
    (
        "--now in year 9999",
        "invalid_input",
        ("incident", "list"),
        None,
        "9999-12-31T23:59:59-14:00",
        ["--now"],
    ),
    (
        "tick --until in year 9999",
        "invalid_input",
        ("tick", "--until", "9999-12-31T23:59:59+00:00"),
        None,
        LATER,
        ["--until"],
    ),
    (
        "tick --until in year 1",
        "invalid_input",
        ("tick", "--until", "0001-01-01T00:00:00+14:00"),
        None,
        LATER,
        ["--until"],
    ),
    (
        "--db not a URL",
        "invalid_input",
        ("--db", "not a url", "incident", "list"),
        None,
        LATER,
        ["--db"],
    ),
    (
        "--db with a bad port",
        "invalid_input",
        ("--db", "postgresql+psycopg://u@h:notaport/db", "incident", "list"),
        None,
        LATER,
        ["--db"],
    ),
    (
        "--db of an unknown kind",
        "invalid_input",
        ("--db", "foo://x", "incident", "list"),
        None,
        LATER,
        ["--db"],
    ),
    (
        "--db in a missing directory",
        "invalid_input",
        ("--db", "sqlite:////no/such/dir/x.db", "incident", "list"),
        None,
        LATER,
        ["--db"],
    ),
    (
        "a number as a time",
        "invalid_input",
        REPORT_CMD,
        {**REPORT, "discovered_at": -1},
        LATER,
        ["discovered_at"],
    ),
    (
        "a string as a boolean",
        "invalid_input",
        REPORT_CMD,
        {**REPORT, "drill": "on"},
        LATER,
        ["drill"],
    ),
    (
        "a NUL character",
        "invalid_input",
        REPORT_CMD,
        {**REPORT, "address": "鹦鹉\x00街"},
        LATER,
        ["address", "NUL"],
    ),
    (
        "an address longer than its column",
        "invalid_input",
        REPORT_CMD,
        {**REPORT, "address": "街" * 501},
        LATER,
        ["address", "500"],
    ),
    (
        "a string as an id",
        "invalid_input",
        _act(
            "draft_statement",
            "district_hq",
            "--data",
            json.dumps({"text": "通报", "statement": "1"}),
        ),
        None,
        LATER,
        ["data.statement", "integer"],
    ),
    (
        "detail longer than its column",
        "invalid_input",
        _act(
            "use_emergency_power",
            "district_hq",
            "--data",
            json.dumps({"measure": "demolish_adjacent", "detail": "拆" * 5000}),
        ),
        None,
        LATER,
        ["detail", "4000"],
    ),
]


def _call(
    case: tuple[str, str, tuple[str, ...], Any, str, list[str]],
) -> tuple[tuple[str, ...], dict[str, Any]]:
    _, _, argv, stdin, now, _ = case
    return argv, {"stdin": json.dumps(stdin) if isinstance(stdin, dict) else stdin, "now": now}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refusal_names_the_field_and_changes_nothing(
    cli_main: Any,
    active: dict[str, Any],
    db_digest: Callable[[str], str],
    case: tuple[str, str, tuple[str, ...], Any, str, list[str]],
) -> None:
    name, code, _, _, _, words = case
    before = db_digest(cli_main.db_url)
    argv, options = _call(case)
    exit_code, out, err = cli_main(*argv, **options)
    assert exit_code == 2, f"{name}: exit {exit_code}\n{err}"
    assert out is None, name
    assert "Traceback" not in err, name
    error = cli_main.error(err)
    assert error["error"] == code, f"{name}: {error}"
    for word in words:
        assert word in error["message"], f"{name}: {error['message']!r} lacks {word!r}"
    assert db_digest(cli_main.db_url) == before


def test_real_processes_answer_the_same(cli: Any, cli_main: Any, active: dict[str, Any]) -> None:
    """A handful of the cases as real processes (each costs seconds here)."""
    calls = [_call(CASES[i]) for i in (1, 2, 8, 12)]
    assert [(code, cli.error(err)) for code, _, err in cli.many(calls)] == [
        (code, cli.error(err)) for code, _, err in cli_main.many(calls)
    ]


def test_an_internal_error_answers_a_generic_message(
    cli_main: Any, active: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error's text holds the SQL and its parameters (a password hash, say): the
    message carries neither (they go to the log file only)."""

    def failing(*_: object, **__: object) -> Any:
        raise sa.exc.DataError(
            "INSERT INTO web_user (password_hash) VALUES (%(h)s)",
            {"h": "$argon2id$v=19$secret"},
            Exception("value too long"),
        )

    monkeypatch.setattr(IncidentService, "show", failing)
    code, out, err = cli_main("incident", "show", "1", now=LATER)
    assert (code, out) == (1, None)
    assert cli_main.error(err)["error"] == "internal"
    for secret in ("INSERT", "argon2", "password_hash", "too long"):
        assert secret not in err, err
