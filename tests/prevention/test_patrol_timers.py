"""Patrol deadlines in the durable timer engine (§3.2, SPEC R12): reminders, overdue escalation
and catch-up through a restart, never twice; a patrol meets its deadline; a major hazard starts
the §3.2 report and may open an incident prefilled from the house.

Policy (config, local policy): a D house is patrolled within 7 days; a reminder 1 day (1440 min)
before; overdue steps every 1440 min along [区房管局值班领导, 区指挥部办公室主任]. Registered at
T0 = 2026-03-02 09:00 → due 03-09 09:00, reminder 03-08 09:00, overdue 2 at 03-10 09:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine.clock import ManualClock
from engine.models import Delivery
from engine.plan import Plan
from engine.service import IncidentService, load_workflow
from engine.timers import Fired
from workflows.housing_safety.prevention_service import PreventionService

DUE = datetime.fromisoformat("2026-03-09T09:00:00+08:00")


def summary(alerts: list[Fired]) -> list[tuple[str, str, str, int, tuple[str, ...]]]:
    return [(a.subject, a.deadline, a.kind, a.step, a.recipients) for a in alerts]


def restarted(service: IncidentService, plan: Plan, clock: ManualClock) -> IncidentService:
    """A new engine on the same database (the old one is gone: nothing kept in memory)."""
    url = service.db.url.render_as_string(hide_password=False)
    service.db.dispose()
    return IncidentService(
        url, plan, load_workflow("workflows.housing_safety:WORKFLOW"), clock=clock
    )


def test_catch_up_after_downtime_fires_each_owed_alert_once(
    houses: PreventionService, house: dict[str, Any], plan: Plan, clock: ManualClock, tmp_path: Path
) -> None:
    hid = houses.register(house, "district_housing_bureau")["id"]
    subject = f"house:{hid}"
    clock.set(DUE - timedelta(days=1, seconds=1))
    assert houses.incidents.tick() == []
    # Down from just before the reminder until half a day after it.
    clock.set(DUE - timedelta(hours=12))
    engine = restarted(houses.incidents, plan, clock)
    assert summary(engine.tick()) == [
        (subject, "patrol", "reminder", 1, ("district_housing_bureau",))
    ]
    engine = restarted(engine, plan, clock)
    assert engine.tick() == []  # a second catch-up after another restart: nothing again
    # Down again across the due instant and the next overdue step: one alert, the step reached.
    clock.set(DUE + timedelta(days=1, hours=3))
    engine = restarted(engine, plan, clock)
    assert summary(engine.tick()) == [
        (
            subject,
            "patrol",
            "overdue",
            2,
            ("district_housing_bureau", "district_hq_office_director"),
        )
    ]
    assert engine.tick() == []
    record = PreventionService(engine).show_house(hid)
    assert [e["kind"] for e in record["events"] if e["kind"].startswith("alert_")] == [
        "alert_reminder",
        "alert_overdue",
    ]
    with engine.reading() as session:
        kinds = sorted(
            session.execute(
                sa.select(Delivery.kind, Delivery.recipient).where(
                    Delivery.about == subject, Delivery.kind.like("alert_%")
                )
            ).all()
        )
    directory = engine.directory
    assert len(kinds) == sum(
        len(directory.contacts_for(r, "primary"))
        for r in (
            "district_housing_bureau",
            "district_hq_office_director",
            "district_housing_bureau",
        )
    )
    assert sorted(set(kinds)) == [
        ("alert_overdue", "district_housing_bureau"),
        ("alert_overdue", "district_hq_office_director"),
        ("alert_reminder", "district_housing_bureau"),
    ]


def test_a_patrol_meets_the_deadline_and_starts_the_next(
    houses: PreventionService, house: dict[str, Any], clock: ManualClock
) -> None:
    hid = houses.register(house, "district_housing_bureau")["id"]
    clock.set(DUE - timedelta(days=2))
    after = houses.record_patrol(
        hid, {"patroller": "示例巡查员", "findings": "裂缝无发展"}, "district_housing_bureau"
    )
    assert after["patrol_due_at"] == "2026-03-14T09:00:00+08:00"  # 03-07 09:00 + 7 days
    assert [(d["occasion"], d["met_at"] is not None) for d in after["deadlines"]] == [
        (1, True),
        (2, False),
    ]
    clock.set(DUE + timedelta(days=3))
    assert houses.incidents.tick() == []  # the met deadline owes nothing; the next not yet


def test_a_major_hazard_starts_the_report_and_opens_an_incident(
    houses: PreventionService, house: dict[str, Any], clock: ManualClock
) -> None:
    hid = houses.register(house, "district_housing_bureau")["id"]
    clock.advance(minutes=60)
    after = houses.record_patrol(
        hid,
        {
            "patroller": "示例巡查员",
            "findings": "承重墙新增贯通裂缝",
            "major_hazard": True,
            "open_incident": True,
        },
        "district_housing_bureau",
    )
    [incident] = after["incidents"]
    opened = houses.incidents.show(incident["id"])
    assert (opened["address"], opened["street"], opened["condition"]) == (
        "示例路1号",
        "yingwu",
        "hidden_danger",
    )
    [report] = [d for d in after["deadlines"] if d["code"] == "major_hazard_report"]
    # Found 10:00; reported within 120 min (local policy) to both recipients.
    assert report["due_at"] == "2026-03-02T12:00:00+08:00"
    assert report["recipients"] == ["district_government", "city_housing_bureau"]
    houses.record_hazard_report(hid, {"to": "district_government"}, "district_housing_bureau")
    clock.advance(minutes=140)  # 12:20: overdue (step 1 until 12:30), waiting on 市房管局
    fired = houses.incidents.tick()
    hazard = [a for a in fired if a.deadline == "major_hazard_report"]
    assert [(a.kind, a.step) for a in hazard] == [("overdue", 1)]
    done = houses.record_hazard_report(
        hid, {"to": "city_housing_bureau"}, "district_housing_bureau"
    )
    [report] = [d for d in done["deadlines"] if d["code"] == "major_hazard_report"]
    assert report["met_at"] == "2026-03-02T12:20:00+08:00"
