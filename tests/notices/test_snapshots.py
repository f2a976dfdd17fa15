"""Notices that tell the truth (issue 10, SPEC R4, R5): a notice is a snapshot of what it said
when issued; a level change supersedes the old level's waiting notices; the response's end ends
acknowledgement waits, while reports still owed keep alerting, as 补报."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.service import IncidentService

from .conftest import Recorder, report

ROUTE_ALL = {
    "default": {
        "reachable_24h": True,
        "last_verified": "2026-11-01",
        "primary": [{"channel": "rec", "address": "{code}@hanyang.example"}],
        "backup": [{"channel": "rec", "address": "{code}-b@hanyang.example"}],
    },
    "contacts": {},
    "channels": {"rec": {"kind": "console"}},
    "drill_channel": None,
}
ELIMINATED = {"experts": ["张建国（结构）"], "appraisers": ["李明（区房屋安全鉴定站）"]}
LEVEL_I_ALONE = re.compile(r"(?<!I)I级")  # "I级" that is not the end of "II级"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def service(make_service: Callable[..., IncidentService], recorder: Recorder) -> IncidentService:
    return make_service({"rec": recorder}, **ROUTE_ALL)


def activate_II(service: IncidentService, clock: ManualClock, **facts: Any) -> int:
    incident = service.report(report(**facts))
    clock.advance(minutes=10)
    service.act(incident["id"], "activate", actor="district_hq")
    return int(incident["id"])


def raise_to_I(service: IncidentService, clock: ManualClock, iid: int, **facts: Any) -> None:
    clock.advance(minutes=2)
    service.act(
        iid,
        "raise_level",
        actor="district_hq",
        data={"condition": "partial_collapse", "reason": "东侧单元局部坍塌", **facts},
    )


def to_backup(recorder: Recorder, unit: str) -> list[Any]:
    return [m for m in recorder.sent if m.recipient == f"{unit}-b@hanyang.example"]


def test_printed_II_notice_after_a_raise_to_I_says_II(
    service: IncidentService, clock: ManualClock
) -> None:
    iid = activate_II(service, clock, injured=2)
    raise_to_I(service, clock, iid, injured=5)
    document = service.notice_document(iid, "street_office", "activation_II")
    text = "\n".join(document.paragraphs)
    assert "II级应急响应启动通知" in document.title
    assert not LEVEL_I_ALONE.search(document.title)
    assert "启动II级应急响应" in text and not LEVEL_I_ALONE.search(text)
    assert "受伤2人" in text and "受伤5人" not in text  # the facts it quoted, not today's
    # the I notice says I, with the facts of its own time
    document = service.notice_document(iid, "street_office", "activation_I")
    assert LEVEL_I_ALONE.search(document.title) and "受伤5人" in "\n".join(document.paragraphs)


def test_resend_shows_the_notice_as_sent_not_the_incident_now(
    service: IncidentService, clock: ManualClock, recorder: Recorder
) -> None:
    iid = activate_II(service, clock, injured=2)
    raise_to_I(service, clock, iid, injured=3)
    service.deliver()
    first = [
        m
        for m in recorder.sent
        if m.recipient == "street_office@hanyang.example"
        and LEVEL_I_ALONE.search(m.subject)
        and "启动通知" in m.subject
    ]
    assert len(first) == 1 and "确认收到：https://fangan.example/" in first[0].body
    clock.advance(minutes=3)  # new facts, same level: the notices already sent stand
    service.act(
        iid, "raise_level", actor="district_hq", data={"injured": 7, "reason": "又发现伤员"}
    )
    clock.advance(minutes=30)
    fired = service.tick()
    assert {f.kind for f in fired} >= {"resend"}
    service.deliver()
    resent = [m for m in to_backup(recorder, "street_office") if "启动通知" in m.subject]
    assert len(resent) == 1, "only the I notice is re-sent: the II one was superseded"
    message = resent[0]
    assert message.subject.startswith("【未确认·转备用联系人】")
    assert LEVEL_I_ALONE.search(message.subject) and "II级" not in message.subject
    assert "受伤3人" in message.body and "受伤7人" not in message.body
    assert first[0].body.rsplit("\n确认收到", 1)[0] in message.body  # word for word


def test_a_raise_supersedes_the_waiting_notices_of_the_old_level(
    service: IncidentService, clock: ManualClock
) -> None:
    iid = activate_II(service, clock)
    clock.advance(minutes=1)
    service.act(iid, "acknowledge", actor="street_office", data={"kind": "activation_II"})
    before = service.show(iid)["notices"]
    waiting_II = {n["id"] for n in before if n["level"] == "II" and n["status"] == "sent"}
    assert len(waiting_II) == len(before) - 1  # all but the one acknowledged
    raise_to_I(service, clock, iid)
    view = service.show(iid)
    by_id = {n["id"]: n for n in view["notices"]}
    assert {i for i, n in by_id.items() if n["status"] == "superseded"} == waiting_II
    assert all(by_id[i]["ack_due_at"] is None and not by_id[i]["flagged"] for i in waiting_II)
    street_II = next(
        n for n in view["notices"] if (n["unit"], n["kind"]) == ("street_office", "activation_II")
    )
    assert street_II["status"] == "acknowledged"  # what was acknowledged stays acknowledged
    # the new level's notices replace them: every member unit gets I, the groups again at I
    issued_I = [n for n in view["notices"] if n["level"] == "I"]
    assert {n["kind"] for n in issued_I} >= {"activation_I", "city_request"}
    assert {(n["unit"], n["kind"]) for n in issued_I if n["kind"].startswith("group_")} == {
        (by_id[i]["unit"], by_id[i]["kind"])
        for i in waiting_II
        if by_id[i]["kind"].startswith("group_")
    }
    assert "notice_superseded" in {e["kind"] for e in view["timeline"]}
    # a superseded notice is never re-sent, however long it waits
    clock.advance(hours=6)
    resent = {f.notice for f in service.tick() if f.kind == "resend"}
    assert resent and not resent & waiting_II
    # and its unit cannot acknowledge it any more: it acknowledges the I notice
    view = service.act(iid, "acknowledge", actor="district_government")
    statuses = {
        (n["kind"], n["status"]) for n in view["notices"] if n["unit"] == "district_government"
    }
    assert ("activation_II", "superseded") in statuses
    assert ("activation_I", "acknowledged") in statuses


def terminate_II(service: IncidentService, clock: ManualClock, iid: int) -> None:
    for action, actor, data in (
        ("eliminate_danger", "district_housing_bureau", ELIMINATED),
        ("propose_termination", "district_hq", None),
        ("approve_termination", "city_hq_office", None),
        ("announce_termination", "district_hq", None),
    ):
        clock.advance(minutes=1)
        service.act(iid, action, actor=actor, data=data)


def test_after_termination_no_resend_but_owed_reports_alert_as_late_reports(
    service: IncidentService, clock: ManualClock, recorder: Recorder
) -> None:
    iid = activate_II(service, clock)  # activation_report due 30 min after activation
    terminate_II(service, clock, iid)  # 4 minutes later, nobody acknowledged anything
    view = service.show(iid)
    assert view["state"] == "terminated"
    assert all(n["ack_due_at"] is None for n in view["notices"])
    assert {n["status"] for n in view["notices"] if n["kind"] == "termination"} == {"informational"}
    service.deliver()
    recorder.sent.clear()
    clock.advance(hours=3)
    fired = service.tick()
    assert not [f for f in fired if f.kind == "resend"]
    overdue = [f for f in fired if f.deadline == "activation_report"]
    assert [f.kind for f in overdue] == ["overdue"], "the report is still owed"
    service.deliver()
    alerts = [m for m in recorder.sent if "逾期" in m.subject]
    assert alerts and not [m for m in recorder.sent if "未确认" in m.subject]
    for message in alerts:
        assert "补报" in message.subject and "补报" in message.body
    # once made, the late report stops the alerts
    service.act(iid, "record_report", actor="district_hq", data={"to": "district_government"})
    service.act(iid, "record_report", actor="district_hq", data={"to": "city_housing_bureau"})
    clock.advance(hours=3)
    assert not [f for f in service.tick() if f.deadline == "activation_report"]


def test_alerts_during_the_response_do_not_say_late_report(
    service: IncidentService, clock: ManualClock, recorder: Recorder
) -> None:
    activate_II(service, clock)
    clock.advance(minutes=40)
    assert [f for f in service.tick() if f.deadline == "activation_report"]
    service.deliver()
    alerts = [m for m in recorder.sent if "逾期" in m.subject]
    assert alerts and not [m for m in alerts if "补报" in m.subject + m.body]


def test_close_ends_the_waits(service: IncidentService, clock: ManualClock) -> None:
    iid = int(service.report(report(condition="hidden_danger"))["id"])
    clock.advance(minutes=1)
    service.act(iid, "activate", actor="district_housing_bureau")
    service.act(iid, "eliminate_danger", actor="district_housing_bureau", data=ELIMINATED)
    for step, actor in (
        ("propose_termination", "district_housing_bureau"),
        ("approve_termination", "district_hq"),
        ("announce_termination", "district_housing_bureau"),
    ):
        service.act(iid, step, actor=actor)
    service.act(iid, "close", actor="district_hq")
    clock.advance(hours=5)
    assert not [f for f in service.tick() if f.incident_id == iid]
