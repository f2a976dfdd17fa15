"""The figures read from a real record made through the service (SQLite, hand-moved clock), and
the loader's bound: a handful of set-based queries whatever the number of incidents."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.clock import ManualClock
from engine.service import IncidentService
from workflows.housing_safety.figures import parse_period
from workflows.housing_safety.figures_record import ask, load

AT = "2026-03-02T{}:00+08:00"


def report(service: IncidentService, **extra: Any) -> int:
    incident = service.report(
        {
            "address": "鹦鹉街3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "discovered_at": AT.format("08:40"),
            "reported_at": AT.format("09:00"),
            "people_at_risk": 120,
            **extra,
        }
    )
    return int(incident["id"])


def act(
    service: IncidentService, incident: int, action: str, actor: str, hhmm: str, **data: Any
) -> None:
    service.act(incident, action, actor=actor, at=AT.format(hhmm), data=data)


def record(service: IncidentService, clock: ManualClock, t0: datetime) -> tuple[int, int]:
    """Incident 1 (real, II): found 08:40, logged 09:00 (initial due 09:40), verified 09:10
    (government due 09:40), activated 09:20 (activation report due 09:50, acknowledgements due
    09:35), reported to 市房管局 09:30 (initial met on time), 区人民政府 10:00 (government 20 min
    late, activation 10 min late); 街道办事处 acknowledged at 09:25 (5 min). Incident 2: a drill
    logged at 09:00 and left alone. Judged at 12:00."""
    clock.set(t0 + timedelta(hours=3))
    real = report(service)
    act(service, real, "verify", "district_housing_bureau", "09:10")
    act(service, real, "activate", "district_hq", "09:20")
    act(service, real, "acknowledge", "street_office", "09:25")
    act(service, real, "record_report", "duty_officer", "09:30", to="city_housing_bureau")
    act(service, real, "record_report", "duty_officer", "10:00", to="district_government")
    drill = report(service, drill=True)
    return real, drill


def test_figures_of_a_recorded_incident(
    service: IncidentService, clock: ManualClock, t0: datetime
) -> None:
    real, drill = record(service, clock, t0)
    _, data = ask(service.db, service.plan, service.now(), "2026-03-01", "2026-03-31", None, None)
    assert data["incidents"] == {"count": 1, "ids": [real]}
    kinds = {t["code"]: t for t in data["timeliness"]}
    assert (kinds["initial_report"]["on_time"], kinds["initial_report"]["total"]) == (1, 1)
    assert kinds["government_report"]["late"] == 1
    assert kinds["government_report"]["late_minutes"]["median"] == 20.0
    assert kinds["activation_report"]["late_minutes"]["median"] == 10.0
    assert kinds["city_hq_report"]["total"] == 0
    intervals = {i["milestone"]: i for i in data["intervals"]}
    assert intervals["verified"]["median_minutes"] == 10.0
    assert intervals["activated"]["median_minutes"] == 20.0
    assert intervals["closed"]["count"] == 0
    units = {a["unit"]: a for a in data["acknowledgements"]}
    asked: dict[str, int] = {}
    for n in service.show(real)["notices"]:
        if n["ack_due_at"] is not None:
            asked[n["unit"]] = asked.get(n["unit"], 0) + 1
    assert {u: a["asked"] for u, a in units.items()} == asked
    # 街道办事处 acknowledged every notice it had at 09:25, five minutes after they went out.
    street = units["street_office"]
    assert street["acknowledged"] == street["asked"] and street["median_minutes"] == 5.0
    others = [a for unit, a in units.items() if unit != "street_office"]
    assert others and all(
        a["never"] == a["asked"] and a["never_share"] == 1.0 for a in others
    )  # none acknowledged by 12:00 (due 09:35)
    assert [(r["code"], r["status"], r["minutes"]) for r in data["late_or_missed"]] == [
        ("government_report", "late", 20.0),
        ("activation_report", "late", 10.0),
    ]
    # The drill is there, apart: its initial report was due 09:40 and is 140 minutes over.
    assert data["drills"]["incidents"]["ids"] == [drill]
    drill_initial = data["drills"]["timeliness"][0]
    assert (drill_initial["missed"], drill_initial["missed_minutes"]["median"]) == (1, 140.0)
    month = next(m for m in data["by_month"] if m["key"] == "2026-03")
    assert (month["incidents"], month["late"]) == (1, 2)


def test_a_merged_duplicate_is_not_counted_again(
    service: IncidentService, clock: ManualClock, t0: datetime
) -> None:
    """R11: a duplicate folded into another incident is that incident, not a second one."""
    real, _ = record(service, clock, t0)
    duplicate = service.report(
        {
            "address": "鹦鹉街3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "discovered_at": AT.format("08:40"),
            "reported_at": AT.format("09:05"),
        },
        merge_into=real,
    )
    assert duplicate["state"] == "merged"
    _, data = ask(service.db, service.plan, service.now(), "2026-03-01", "2026-03-31", None, None)
    assert data["incidents"] == {"count": 1, "ids": [real]}


def test_a_period_without_incidents_gives_zeros(
    service: IncidentService, clock: ManualClock, t0: datetime
) -> None:
    record(service, clock, t0)
    _, data = ask(service.db, service.plan, service.now(), "2025-01-01", "2025-12-31", None, None)
    assert data["incidents"]["count"] == 0 and data["late_or_missed"] == []
    assert all(t["total"] == 0 and t["on_time_share"] is None for t in data["timeliness"])
    assert len(data["by_street"]) == 11 and all(g["incidents"] == 0 for g in data["by_street"])
    assert data["drills"]["incidents"]["count"] == 0


def test_the_loader_runs_four_queries_whatever_the_number_of_incidents(
    service: IncidentService, clock: ManualClock, t0: datetime
) -> None:
    clock.set(t0 + timedelta(hours=3))
    period = parse_period("2026-03-01", "2026-03-31", ZoneInfo("Asia/Shanghai"), default_year=2026)
    counts = []
    for _ in range(2):
        for _ in range(4):
            act(service, report(service), "verify", "district_housing_bureau", "09:10")
        statements: list[str] = []

        def seen(
            _conn: Any, _cursor: Any, statement: str, *_: Any, into: list[str] = statements
        ) -> None:
            into.append(statement)

        sa.event.listen(service.db, "before_cursor_execute", seen)
        try:
            facts = load(service.db, period)
        finally:
            sa.event.remove(service.db, "before_cursor_execute", seen)
        selects = sum(s.lstrip().upper().startswith("SELECT") for s in statements)
        counts.append((len(facts), selects))
    assert counts == [(4, 4), (8, 4)]
