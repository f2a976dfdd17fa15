"""Every timeline event records who was on duty (SPEC R11, §3.5): the roster's shift when the
event happened, stamped by the workflow's `on_duty` hook on events written through the ORM and
on the timers' bulk rows, covered by the audit chain, and shown on the incident page and in the
investigation report's timeline (tests/web/test_web_on_duty.py)."""

from __future__ import annotations

import sqlalchemy as sa

from engine.clock import ManualClock
from engine.models import TimelineEvent
from engine.service import IncidentService
from tests.web.conftest import new_report
from workflows.housing_safety.duty import DutyDesk
from workflows.housing_safety.words import duty_names, on_duty_note

# The tests' clock is 2026-03-02 09:00 in Wuhan: inside DAY.
DAY = {
    "starts_at": "2026-03-02T08:00:00+08:00",
    "ends_at": "2026-03-02T16:00:00+08:00",
    "leader": "王副局长",
    "officers": ["wang", "li"],
}


def test_the_words_name_the_leader_and_the_officers() -> None:
    shift = {"shift": 1, "leader": "王副局长", "officers": ["wang", "li"]}
    assert duty_names(shift) == "带班领导王副局长；值班员wang、li"
    assert on_duty_note(shift) == "值班：带班领导王副局长；值班员wang、li"
    assert on_duty_note(None) == "" and duty_names({"officers": []}) == ""


def test_events_carry_the_shift_on_duty_when_they_happened(
    service: IncidentService, clock: ManualClock
) -> None:
    shift = DutyDesk(service).add_shift(DAY, by="admin")
    incident = service.report(new_report())
    timeline = service.show(incident["id"])["timeline"]
    reported = next(e for e in timeline if e["kind"] == "reported")
    assert all(e["on_duty"] == reported["on_duty"] for e in timeline)  # one instant, one shift
    assert reported["on_duty"] == {
        "shift": shift["id"],
        "leader": "王副局长",
        "officers": ["wang", "li"],
    }
    # An event dated outside every shift (the roster has a gap): nobody is named.
    clock.advance(hours=8)  # 17:00, after DAY
    shown = service.act(incident["id"], "activate", actor="district_hq")
    activated = next(e for e in shown["timeline"] if e["kind"] == "activated")
    assert activated["on_duty"] is None
    assert all(v.ok for v in service.verify_audit(incident["id"]))


def test_the_timers_alerts_are_stamped_too(service: IncidentService, clock: ManualClock) -> None:
    DutyDesk(service).add_shift(DAY, by="admin")
    incident = service.report(new_report())
    clock.advance(hours=2)  # past the first report's deadline, still inside DAY
    assert service.tick()
    alerts = [e for e in service.show(incident["id"])["timeline"] if e["kind"].startswith("alert_")]
    assert alerts and all(e["on_duty"]["leader"] == "王副局长" for e in alerts)
    assert all(v.ok for v in service.verify_audit(incident["id"]))


def test_changing_who_was_on_duty_is_detected(service: IncidentService) -> None:
    DutyDesk(service).add_shift(DAY, by="admin")
    incident = service.report(new_report())
    with service.db.begin() as conn:
        conn.execute(
            sa.update(TimelineEvent)
            .where(TimelineEvent.incident_id == incident["id"])  # type: ignore[arg-type]
            .values(on_duty={"shift": 1, "leader": "别人", "officers": []})
        )
    verdict = service.verify_audit(incident["id"])[0]
    assert not verdict.ok and verdict.problems[0].problem == "mac_mismatch"
