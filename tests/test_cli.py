"""The command-line contract (SPEC §5), driven as the acceptance tests drive it: `main.py` in a
subprocess with `--db` and `--now`. Every stdout must parse as JSON (the `cli` fixture checks it);
every error exits 2 with a JSON object on the last stderr line, nothing on stdout, and changes
nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NOW = "2026-03-02T09:00:00+08:00"
INCIDENT = {
    "address": "汉阳区鹦鹉街鹦鹉大道8号",
    "street": "yingwu",
    "condition": "hidden_danger",
    "discovered_at": "2026-03-02T08:50:00+08:00",
}


def test_classify(cli) -> None:
    code, out, err = cli(
        "classify", stdin={"condition": "partial_collapse", "dead": 2, "missing": 1}
    )
    assert code == 0, err
    # §1.5 (3): 3 dead including missing → 较大; a collapse → I, which asks the city (§1.5 3)
    assert out["grade"] == "relatively_serious"
    assert out["response_level"] == "I"
    assert out["exceeds_district_scope"] is False
    assert out["city_request"] is True
    assert out["reasons"] and all(r["clause"] for r in out["reasons"])


def _case(
    args: tuple[str, ...], stdin: Any = None, now: str = NOW
) -> tuple[tuple[str, ...], dict[str, Any]]:
    return args, {"stdin": stdin, "now": now}


def test_incident_commands_and_errors(cli, tmp_path: Path) -> None:
    """One incident, as few processes as the contract allows (each costs a second): report, a
    batch of refused commands (run concurrently), show (the incident exactly as reported),
    act --at, act --data, list."""
    log_file = tmp_path / "fangan.log"
    # --now with Z; no reported_at: it defaults to the engine's clock
    code, reported, err = cli(
        "incident",
        "report",
        stdin=INCIDENT,
        now="2026-03-02T01:00:00Z",
        env={"FANGAN_LOG_FILE": str(log_file), "FANGAN_LOG_LEVEL": "DEBUG"},
    )
    assert code == 0, err
    iid = str(reported["id"])
    assert reported["state"] == "reported"
    assert (reported["grade"], reported["response_level"]) == (None, "III")
    assert reported["reported_at"] == NOW
    assert reported["discovered_at"] == INCIDENT["discovered_at"]
    [initial] = reported["deadlines"]
    assert (initial["code"], initial["due_at"], initial["status"]) == (
        "initial_report",
        "2026-03-02T09:50:00+08:00",
        "pending",
    )
    assert {
        "id",
        "state",
        "condition",
        "grade",
        "response_level",
        "exceeds_district_scope",
        "street",
        "address",
        "discovered_at",
        "reported_at",
        "verified_at",
        "drill",
        "deadlines",
        "notices",
        "obligations",
        "timeline",
    } <= set(reported)
    # the log went to its file (and stderr), never to stdout
    assert log_file.exists() and log_file.read_text(encoding="utf-8").strip()

    # -- refused commands: exit 2, nothing on stdout, a JSON error as the last stderr line ------
    # They run at the report's clock (NOW), so afterwards nothing at all may have moved.
    report = ("incident", "report")
    cases: list[tuple[str, str, list[str], tuple[tuple[str, ...], dict[str, Any]]]] = [
        # (name, error code, words the message must contain, call)
        ("negative count", "invalid_input", ["dead"], _case(report, {**INCIDENT, "dead": -1})),
        (
            "unknown street",
            "invalid_input",
            ["street", "broadway"],
            _case(report, {**INCIDENT, "street": "broadway"}),
        ),
        (
            "unknown condition",
            "invalid_input",
            ["condition", "sinking"],
            _case(report, {**INCIDENT, "condition": "sinking"}),
        ),
        (
            "discovered in the future",
            "invalid_input",
            ["discovered_at"],
            _case(report, {**INCIDENT, "discovered_at": "2026-03-02T09:00:01+08:00"}),
        ),
        (
            "discovered after reported",
            "invalid_input",
            ["discovered_at", "reported_at"],
            _case(
                report,
                {
                    **INCIDENT,
                    "discovered_at": "2026-03-02T08:50:00+08:00",
                    "reported_at": "2026-03-02T08:40:00+08:00",
                },
            ),
        ),
        ("malformed stdin", "invalid_input", [], _case(report, '{"address": "x", "street": ')),
        (
            "malformed --data",
            "invalid_input",
            ["--data"],
            _case(
                (
                    "incident",
                    "act",
                    iid,
                    "record_report",
                    "--actor",
                    "duty_officer",
                    "--data",
                    "{to: city_hq}",
                )
            ),
        ),
        (
            "unknown incident",
            "not_found",
            ["999"],
            _case(("incident", "act", "999", "verify", "--actor", "district_housing_bureau")),
        ),
        (
            "unknown action",
            "invalid_input",
            ["levitate"],
            _case(("incident", "act", iid, "levitate", "--actor", "district_hq")),
        ),
        (
            "at later than the clock",
            "invalid_input",
            ["at:", "clock"],
            _case(
                (
                    "incident",
                    "act",
                    iid,
                    "verify",
                    "--actor",
                    "district_housing_bureau",
                    "--at",
                    "2026-03-02T09:00:01+08:00",
                )
            ),
        ),
        (
            "forbidden",
            "forbidden",
            ["district_hq", "district_housing_bureau"],
            _case(("incident", "act", iid, "activate", "--actor", "district_government")),
        ),
    ]
    results = cli.many(case[3] for case in cases)
    for (name, error_code, words, _call), (code, out, err) in zip(cases, results, strict=True):
        assert code == 2, f"{name}: exit {code}\n{err}"
        assert out is None, f"{name}: wrote to stdout: {out}"
        assert "Traceback" not in err, name
        error = cli.error(err)
        assert error["error"] == error_code, f"{name}: {error}"
        assert error["message"], name
        for word in words:
            assert word in error["message"], f"{name}: {error['message']!r} lacks {word!r}"

    # nothing changed: at the same clock, show gives the incident exactly as the report did
    code, shown, err = cli("incident", "show", iid, now=NOW)
    assert code == 0, err
    assert shown == reported

    # --at: the verification happened at 08:55 and is recorded at 09:05
    code, verified, err = cli(
        "incident",
        "act",
        iid,
        "verify",
        "--actor",
        "district_housing_bureau",
        "--at",
        "2026-03-02T00:55:00Z",
        now="2026-03-02T09:05:00+08:00",
    )
    assert code == 0, err
    assert verified["verified_at"] == "2026-03-02T08:55:00+08:00"
    government = [d for d in verified["deadlines"] if d["code"] == "government_report"]
    assert government and government[0]["due_at"] == "2026-03-02T09:25:00+08:00"
    event = [e for e in verified["timeline"] if e["kind"] == "verified"]
    assert event and event[0]["at"] == "2026-03-02T08:55:00+08:00"
    assert event[0]["recorded_at"] == "2026-03-02T09:05:00+08:00"
    assert event[0]["actor"] == "district_housing_bureau"

    code, acted, err = cli(
        "incident",
        "act",
        iid,
        "record_report",
        "--actor",
        "duty_officer",
        "--data",
        json.dumps({"to": "city_housing_bureau"}),
        now="2026-03-02T09:06:00+08:00",
    )
    assert code == 0, err
    statuses = {d["code"]: (d["status"], d["met_at"]) for d in acted["deadlines"]}
    assert statuses["initial_report"] == ("met", "2026-03-02T09:06:00+08:00")

    # the failed reports added no incident
    code, listed, err = cli("incident", "list", now="2026-03-02T09:07:00+08:00")
    assert code == 0, err
    assert isinstance(listed, list)
    assert [i["id"] for i in listed] == [reported["id"]]
    code, whole, err = cli("incident", "list", "--full", now="2026-03-02T09:07:00+08:00")
    assert code == 0, err
    assert whole[0]["deadlines"] == acted["deadlines"]
    # A summary carries the earliest running deadline of the whole incident.
    running = [d for d in acted["deadlines"] if d["met_at"] is None and d["stopped_at"] is None]
    first = min(running, key=lambda d: d["due_at"])
    assert (listed[0]["next_deadline"]["code"], listed[0]["next_deadline"]["due_at"]) == (
        first["code"],
        first["due_at"],
    )
    assert "timeline" not in listed[0]


def test_usage_errors_are_json_with_exit_2(cli) -> None:
    """A missing option or an unknown command is a usage error, never an internal one."""
    for args, named in (
        (("incident", "act", "1", "verify"), "--actor"),
        (("no-such-command",), "no-such-command"),
    ):
        code, out, err = cli(*args)
        assert code == 2 and out is None
        error = cli.error(err)
        assert error["error"] == "usage"
        assert named in error["message"]
