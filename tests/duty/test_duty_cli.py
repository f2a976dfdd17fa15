"""`main.py call`, `shift` and `handover` (SPEC §5's contract): JSON out, an error as one JSON
line on stderr with exit 2, and a refused command changes nothing. The first calls run as real
subprocesses; the rest in-process through `main.main` on the same database (same contract)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CALL = {
    "caller_name": "张建国",
    "caller_phone": "027-84800000",
    "street": "yingwu",
    "place": "鹦鹉花园3栋",
    "content": "外墙开裂",
    "recorder": "李值班",
}


def test_the_call_log_on_the_command_line(
    cli: Any, cli_main: Any, db_digest: Callable[[str], str]
) -> None:
    code, call, _ = cli("call", "log", "--by", "li", stdin=CALL)
    assert code == 0 and call["status"] == "open" and call["logged_by"] == "li"
    assert call["received_at"] == "2026-03-02T09:00:00+08:00"
    before = db_digest(cli.db_url)
    code, _, err = cli("call", "log", stdin={**CALL, "recorder": ""})
    assert code == 2 and cli.error(err)["message"].startswith("recorder:")
    code, _, err = cli_main("call", "close", str(call["id"]), "--reason", " ")
    assert code == 2 and cli_main.error(err) == {
        "error": "invalid_input",
        "message": "reason: required (why the call needs no incident)",
    }
    code, _, err = cli_main("call", "attach", str(call["id"]), "--incident", "5")
    assert code == 2 and cli_main.error(err)["error"] == "not_found"
    assert db_digest(cli.db_url) == before
    code, found, _ = cli_main("call", "list", "-q", "开裂 张建国")
    assert code == 0 and [c["id"] for c in found] == [call["id"]]
    code, incident, _ = cli_main(
        "call", "open", str(call["id"]), "--data", '{"condition": "hidden_danger"}'
    )
    assert code == 0 and incident["address"] == "鹦鹉花园3栋" and incident["state"] == "reported"
    code, shown, _ = cli_main("call", "show", str(call["id"]))
    assert (shown["status"], shown["incident_id"]) == ("incident", incident["id"])


def test_shifts_and_a_handover_on_the_command_line(
    cli_main: Any, db_digest: Callable[[str], str]
) -> None:
    for shift in (
        {
            "starts_at": "2026-03-02T08:00:00+08:00",
            "ends_at": "2026-03-02T16:00:00+08:00",
            "leader": "王副局长",
            "officers": ["wang"],
        },
        {
            "starts_at": "2026-03-02T16:00:00+08:00",
            "ends_at": "2026-03-03T00:00:00+08:00",
            "leader": "陈副局长",
            "officers": ["zhao"],
        },
    ):
        assert cli_main("shift", "add", stdin=shift)[0] == 0
    code, shifts, _ = cli_main("shift", "list")
    assert [s["leader"] for s in shifts] == ["王副局长", "陈副局长"]
    code, built, _ = cli_main("handover", "build", "--from", "1", "--to", "2", "--note", "无异常")
    assert code == 0 and built["note"] == "无异常" and built["sheet"]["open_incidents"] == []
    before = db_digest(cli_main.db_url)
    code, _, err = cli_main("handover", "confirm", "1", "--side", "outgoing", "--officer", "zhao")
    assert code == 2 and cli_main.error(err)["error"] == "forbidden"
    assert db_digest(cli_main.db_url) == before
    assert cli_main("handover", "confirm", "1", "--side", "outgoing", "--officer", "wang")[0] == 0
    code, done, _ = cli_main(
        "handover",
        "confirm",
        "1",
        "--side",
        "incoming",
        "--officer",
        "zhao",
        now="2026-03-02T09:05:00+08:00",
    )
    assert code == 0 and done["complete"] and done["incoming_at"] == "2026-03-02T09:05:00+08:00"
    assert cli_main("handover", "show", "1")[1] == done
