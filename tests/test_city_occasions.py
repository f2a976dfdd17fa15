"""Each occasion its own (SPEC R2, R3; §4.1.3, §1.5 3), through the command line: a raise to I asks
the city HQ again — a new `city_hq_report` and a new request for the city's IV-level response —
even when the earlier report to the city HQ was already made."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

MAIN = Path(__file__).resolve().parent.parent / "main.py"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def tick(cli: Any, minutes: int) -> list[dict[str, Any]]:
    """`tick` prints one JSON object per line (SPEC §5)."""
    proc = subprocess.run(
        [sys.executable, str(MAIN), "--db", cli.db_url, "tick", "--until", at(minutes)],
        capture_output=True,
        text=True,
        env=cli.env,
        cwd=cli.workdir,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def act(
    cli: Any, iid: int, minutes: int, action: str, actor: str, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    args = ["incident", "act", str(iid), action, "--actor", actor]
    if data is not None:
        args += ["--data", json.dumps(data, ensure_ascii=False)]
    code, view, err = cli(*args, now=at(minutes))
    assert code == 0, err
    assert isinstance(view, dict)
    return view


def city(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in view["deadlines"] if d["code"] == "city_hq_report"]


def requests(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in view["notices"] if n["kind"] == "city_request"]


def test_a_raise_to_I_asks_the_city_again_after_the_first_report_was_made(
    cli: Any, tmp_path: Path
) -> None:
    code, view, err = cli(
        "incident",
        "report",
        stdin={
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "people_at_risk": 320,
            "discovered_at": at(-10),
        },
    )
    assert code == 0, err
    iid = view["id"]
    assert view["exceeds_district_scope"] is True and view["response_level"] == "II"
    view = act(cli, iid, 4, "activate", "district_hq")
    assert [d["due_at"] for d in city(view)] == [at(34)]
    assert len(requests(view)) == 1
    first_alerts = [a for a in tick(cli, 40) if a["deadline"] == "city_hq_report"]
    assert [(a["kind"], a["step"], a.get("occasion", 1)) for a in first_alerts] == [
        ("overdue", 1, 1)
    ]
    act(cli, iid, 41, "record_report", "district_hq", {"to": "city_hq"})

    view = act(
        cli,
        iid,
        50,
        "raise_level",
        "district_hq",
        {"condition": "partial_collapse", "reason": "东侧单元局部坍塌"},
    )
    assert view["response_level"] == "I"
    deadlines = city(view)
    assert [(d.get("occasion"), d["status"]) for d in deadlines] == [
        (1, "met_late"),
        (2, "pending"),
    ]
    assert set(deadlines[0]) >= {"code", "due_at", "status", "met_at"}  # SPEC §5 shape
    assert deadlines[1]["due_at"] == at(80) and deadlines[1]["met_at"] is None
    asked = requests(view)
    assert [(n.get("occasion"), n["level"]) for n in asked] == [(1, "II"), (2, "I")]

    # the second occasion alerts on its own, though the first already had its step-1 alert
    second_alerts = [a for a in tick(cli, 85) if a["deadline"] == "city_hq_report"]
    assert [(a["kind"], a["step"], a.get("occasion")) for a in second_alerts] == [("overdue", 1, 2)]
    assert tick(cli, 85) == [], "no alert is ever sent twice"

    # each request says what it asked at its time: the IV-level response only on I
    texts = {}
    for occasion in (1, 2):
        out = tmp_path / f"request-{occasion}.html"
        code, _, err = cli(
            "notice",
            str(iid),
            "--unit",
            "city_hq",
            "--kind",
            "city_request",
            "--format",
            "html",
            "--out",
            str(out),
            "--occasion",
            str(occasion),
            now=at(86),
        )
        assert code == 0, err
        texts[occasion] = out.read_text(encoding="utf-8")
    assert "市Ⅳ级应急响应" in texts[2] and "市Ⅳ级应急响应" not in texts[1]
    assert "超出区级应急响应范围" in texts[1]

    view = act(cli, iid, 87, "record_report", "district_hq", {"to": "city_hq"})
    assert [d["status"] for d in city(view)] == ["met_late", "met_late"]
    assert not [a for a in tick(cli, 200) if a["deadline"] == "city_hq_report"]


def test_newly_beyond_the_districts_scope_at_I_asks_the_city_again(cli: Any) -> None:
    code, view, err = cli(
        "incident",
        "report",
        stdin={
            "address": "鹦鹉花园5栋",
            "street": "yingwu",
            "condition": "partial_collapse",
            "people_at_risk": 40,
            "discovered_at": at(-10),
        },
    )
    assert code == 0, err
    iid = view["id"]
    view = act(cli, iid, 2, "activate", "district_hq")
    assert view["exceeds_district_scope"] is False and len(city(view)) == 1
    act(cli, iid, 5, "record_report", "district_hq", {"to": "city_hq"})
    view = act(cli, iid, 20, "verify", "district_housing_bureau", {"people_at_risk": 320})
    assert view["exceeds_district_scope"] is True
    assert [(d.get("occasion"), d["status"]) for d in city(view)] == [(1, "met"), (2, "pending")]
    assert [n.get("occasion") for n in requests(view)] == [1, 2]
    # facts that change nothing about the scope ask nothing more
    view = act(cli, iid, 25, "verify", "district_housing_bureau", {"injured": 1})
    assert len(city(view)) == 2 and len(requests(view)) == 2
