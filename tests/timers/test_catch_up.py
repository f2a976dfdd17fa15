"""Reminders, overdue escalation and acknowledgement re-sends, driven by a hand-moved clock.

Expected instants come from the plan and SPEC R3/R4: the initial report is due one hour after
discovery (02:40 → 03:40), reminders 15 and 5 minutes before, overdue step n at due + (n−1)×10 min
to the n-th entry of the chain.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

from engine.clock import ManualClock
from engine.plan import Plan
from engine.service import IncidentService, load_workflow
from engine.timers import Fired

from .conftest import new_report

DUE = datetime.fromisoformat("2026-11-22T03:40:00+08:00")
CHAIN = [
    "district_housing_duty_leader",
    "district_hq_office_director",
    "deputy_commander",
    "commander",
]


def at(minutes_from_due: float) -> datetime:
    return DUE + timedelta(minutes=minutes_from_due)


def fired(service: IncidentService, clock: ManualClock, instant: datetime) -> list[Fired]:
    clock.set(instant)
    return service.tick()


def summary(alerts: list[Fired]) -> list[tuple[str, str, int]]:
    return [(a.deadline, a.kind, a.step) for a in alerts]


def test_reminders_fire_at_their_lead_times_once_each(
    service: IncidentService, clock: ManualClock
) -> None:
    service.report(new_report())
    assert fired(service, clock, at(-15) - timedelta(seconds=1)) == []
    first = fired(service, clock, at(-15))
    assert summary(first) == [("initial_report", "reminder", 1)]
    assert first[0].recipients == ("duty_officer",)
    assert first[0].at == at(-15)
    assert fired(service, clock, at(-15)) == []
    assert summary(fired(service, clock, at(-5))) == [("initial_report", "reminder", 2)]
    assert fired(service, clock, at(-1)) == []


def test_catch_up_sends_only_the_latest_missed_reminder(
    service: IncidentService, clock: ManualClock
) -> None:
    service.report(new_report())
    assert summary(fired(service, clock, at(-3))) == [("initial_report", "reminder", 2)]
    assert fired(service, clock, at(-2)) == []


def test_overdue_escalates_one_step_per_interval_along_the_chain(
    service: IncidentService, clock: ManualClock
) -> None:
    service.report(new_report())
    fired(service, clock, at(-5))
    step1 = fired(service, clock, at(0))
    assert summary(step1) == [("initial_report", "overdue", 1)]
    assert step1[0].recipients == ("duty_officer", CHAIN[0])
    assert fired(service, clock, at(9.9)) == []
    step2 = fired(service, clock, at(10))
    assert summary(step2) == [("initial_report", "overdue", 2)]
    assert step2[0].recipients == (CHAIN[1],)


def test_catch_up_after_downtime_fires_once_at_the_step_reached(
    service: IncidentService, clock: ManualClock
) -> None:
    service.report(new_report())
    alerts = fired(service, clock, at(25))
    assert summary(alerts) == [("initial_report", "overdue", 3)]
    # Nobody was told before, so the responsible party hears it with the step's recipient.
    assert alerts[0].recipients == ("duty_officer", CHAIN[2])
    assert alerts[0].at == at(20)
    assert fired(service, clock, at(25)) == []


def test_steps_past_the_chain_go_to_its_last_entry(
    service: IncidentService, clock: ManualClock
) -> None:
    service.report(new_report())
    fired(service, clock, at(35))
    alerts = fired(service, clock, at(60))
    assert summary(alerts) == [("initial_report", "overdue", 7)]
    assert alerts[0].recipients == (CHAIN[-1],)


def test_alerts_stop_the_moment_the_deadline_is_met(
    service: IncidentService, clock: ManualClock
) -> None:
    incident = service.report(new_report())
    fired(service, clock, at(5))
    clock.set(at(7))
    shown = service.act(
        incident["id"], "record_report", actor="duty_officer", data={"to": "city_housing_bureau"}
    )
    initial = next(d for d in shown["deadlines"] if d["code"] == "initial_report")
    assert initial["status"] == "met_late"
    assert fired(service, clock, at(120)) == []


def test_a_deadline_already_past_at_logging_is_overdue_at_once(
    service: IncidentService, clock: ManualClock
) -> None:
    incident = service.report(new_report(discovered_at="2026-11-22T01:30:00+08:00"))
    initial = next(d for d in incident["deadlines"] if d["code"] == "initial_report")
    assert initial["status"] == "overdue"
    # due 02:30, clock 02:50: step 3 (02:30 + 20 min) has been reached.
    assert summary(service.tick()) == [("initial_report", "overdue", 3)]


def test_every_alert_lands_on_the_timeline_with_its_lateness(
    service: IncidentService, clock: ManualClock
) -> None:
    incident = service.report(new_report())
    fired(service, clock, at(0.5))
    shown = service.show(incident["id"])
    events = [e for e in shown["timeline"] if e["kind"] == "alert_overdue"]
    assert len(events) == 1
    assert events[0]["data"]["late_seconds"] == 30
    assert events[0]["data"]["recipients"] == ["duty_officer", CHAIN[0]]
    deadline = next(d for d in shown["deadlines"] if d["code"] == "initial_report")
    assert deadline["escalation_step"] == 1


def test_a_system_clock_jump_never_repeats_or_invents_an_alert(
    service: IncidentService, clock: ManualClock
) -> None:
    service.report(new_report())
    assert summary(fired(service, clock, at(21))) == [("initial_report", "overdue", 3)]
    # The clock jumps back an hour and a half (NTP correction, operator error): nothing fires.
    assert fired(service, clock, at(-90)) == []
    assert fired(service, clock, at(-4)) == []
    # Back to real time: the chain continues where it was.
    assert summary(fired(service, clock, at(30))) == [("initial_report", "overdue", 4)]


def test_dismissed_incident_stops_its_timers(service: IncidentService, clock: ManualClock) -> None:
    incident = service.report(new_report())
    clock.set(at(-30))
    service.act(
        incident["id"],
        "dismiss",
        actor="district_housing_bureau",
        data={"reason": "现场核实为装修噪声，房屋无险情"},
    )
    assert fired(service, clock, at(60)) == []


def test_unacknowledged_notice_is_resent_to_the_backup_and_flagged(
    service: IncidentService, clock: ManualClock, plan: Plan
) -> None:
    incident = service.report(new_report())
    clock.set(at(-40))  # 03:00
    activated = service.act(incident["id"], "activate", actor="district_housing_bureau")
    units = {n["unit"] for n in activated["notices"]}
    assert units == {"street_office", "district_housing_bureau"}
    clock.set(at(-35))
    service.act(incident["id"], "acknowledge", actor="street_office")
    wait = plan.alerts.acknowledgement_minutes
    assert [
        a
        for a in fired(service, clock, at(-40 + wait) - timedelta(seconds=1))
        if a.kind == "resend"
    ] == []
    resends = [a for a in fired(service, clock, at(-40 + wait)) if a.kind == "resend"]
    assert [(a.unit, a.recipients) for a in resends] == [
        ("district_housing_bureau", ("district_housing_bureau:backup",))
    ]
    shown = service.show(incident["id"])
    by_unit = {n["unit"]: n for n in shown["notices"]}
    assert by_unit["district_housing_bureau"]["flagged"] is True
    assert by_unit["district_housing_bureau"]["status"] == "escalated"
    assert by_unit["street_office"]["flagged"] is False
    assert [a for a in fired(service, clock, at(60)) if a.kind == "resend"] == []


def test_two_engines_catching_up_at_once_send_each_alert_once(
    tmp_path: Path, plan: Plan, service: IncidentService, clock: ManualClock
) -> None:
    for _ in range(20):
        service.report(new_report())
    clock.set(at(25))
    other = IncidentService(
        str(service.db.url), plan, load_workflow("workflows.housing_safety:WORKFLOW"), clock=clock
    )
    results: list[list[Fired]] = []
    barrier = threading.Barrier(2)

    def run(svc: IncidentService) -> None:
        barrier.wait()
        results.append(svc.tick())

    threads = [threading.Thread(target=run, args=(svc,)) for svc in (service, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_alerts = [(a.incident_id, a.deadline, a.kind, a.step) for r in results for a in r]
    assert len(all_alerts) == 20
    assert len(set(all_alerts)) == 20


def test_each_unacknowledged_notice_of_a_unit_is_resent_once(
    service: IncidentService, clock: ManualClock, plan: Plan
) -> None:
    # At II, 区房管局 gets its activation notice and two on-site group assignments (§4.3.2).
    incident = service.report(new_report(condition="imminent_collapse"))
    clock.set(at(-40))
    activated = service.act(incident["id"], "activate", actor="district_hq")
    mine = [n for n in activated["notices"] if n["unit"] == "district_housing_bureau"]
    assert len(mine) >= 2
    clock.set(at(-40 + plan.alerts.acknowledgement_minutes))
    resends = [
        a for a in service.tick() if a.kind == "resend" and a.unit == "district_housing_bureau"
    ]
    assert sorted(a.notice for a in resends) == sorted(n["id"] for n in mine)
    assert [a for a in service.tick() if a.kind == "resend"] == []
