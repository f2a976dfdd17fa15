"""The notice pipeline end to end: notices and alerts become outbox rows in the transaction that
causes them; the worker delivers them with retries; a dead message alarms the duty officer."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from engine.clock import ManualClock
from engine.errors import InvalidInput
from engine.models import Delivery, DeliveryAttempt
from engine.plan import Plan
from engine.service import IncidentService
from notifiers.base import DeliveryError, Message, Receipt

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


def deliveries(service: IncidentService) -> list[Delivery]:
    with Session(service.db) as session:
        return list(session.exec(select(Delivery).order_by(sa.text("id"))))


def activate_II(service: IncidentService, clock: ManualClock, **facts: object) -> int:
    incident = service.report(report(**facts))
    clock.advance(minutes=10)
    service.act(incident["id"], "activate", actor="district_hq")
    return int(incident["id"])


def test_every_unit_gets_its_own_duties_and_they_are_delivered(
    make_service: Callable[..., IncidentService], clock: ManualClock, plan: Plan
) -> None:
    recorder = Recorder()
    service = make_service({"rec": recorder}, **ROUTE_ALL)
    activate_II(service, clock)
    outcomes = service.deliver()
    assert outcomes and all(o.status == "delivered" for o in outcomes)
    by_address = {(m.recipient, "启动通知" in m.subject): m for m in recorder.sent}
    street = by_address[("street_office@hanyang.example", True)]
    assert "II级应急响应" in street.subject
    assert plan.actors["street_office"].duties in street.body  # type: ignore[operator]
    # A unit named only in an on-site group still gets its own §2.2.3 duties quoted.
    police = by_address[("district_public_security@hanyang.example", False)]
    duties = plan.actors["district_public_security"].duties
    assert duties is not None and duties in police.body
    # The seven on-site groups: the health commission learns it is in 医疗急救组.
    groups = [
        m for m in recorder.sent if m.recipient == "district_health_commission@hanyang.example"
    ]
    assert any("医疗急救组" in m.subject for m in groups)
    assert len({m.idempotency_key for m in recorder.sent}) == len(recorder.sent)


def test_drill_notices_are_marked_and_routed_to_the_drill_channel(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    real, drill = Recorder(), Recorder()
    service = make_service(
        {"rec": real, "drill": drill},
        **{
            **ROUTE_ALL,
            "channels": {"rec": {"kind": "console"}, "drill": {"kind": "console"}},
            "drill_channel": "drill",
        },
    )
    activate_II(service, clock, drill=True)
    service.deliver()
    assert real.sent == []
    assert drill.sent
    for message in drill.sent:
        assert message.subject.startswith("【演练】")
        assert message.body.splitlines()[0].startswith("【演练】")


def test_a_failing_channel_is_retried_with_backoff_then_alarms_the_duty_officer(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    recorder = Recorder()
    service = make_service(
        {"rec": recorder}, **{**ROUTE_ALL, "max_attempts": 3, "retry_base_seconds": 30}
    )
    incident = service.report(report(condition="hidden_danger"))
    clock.advance(minutes=5)
    service.act(incident["id"], "activate", actor="district_housing_bureau")
    target = "street_office@hanyang.example"
    first = next(d for d in deliveries(service) if d.address == target)
    outage = DeliveryError("rec", "server_error", "502 Bad Gateway", retryable=True)
    recorder.failures = [outage]  # the first message tried fails
    outcomes = service.deliver()
    assert outcomes[0].delivery_id == first.id and outcomes[0].status == "pending"
    # Not due again before the backoff: nothing is retried at once.
    recorder.failures = [outage]
    assert [o for o in service.deliver() if o.delivery_id == first.id] == []
    clock.advance(seconds=30)
    assert [o.status for o in service.deliver() if o.delivery_id == first.id] == ["pending"]
    recorder.failures = [outage]
    clock.advance(seconds=60)
    assert [o.status for o in service.deliver() if o.delivery_id == first.id] == ["dead"]
    assert all(m.recipient != target for m in recorder.sent)  # never marked delivered falsely
    with Session(service.db) as session:
        attempts = session.exec(
            select(DeliveryAttempt.outcome).where(DeliveryAttempt.delivery_id == first.id)
        ).all()
    assert attempts == ["triggered", "failed"] * 3
    alarm = [d for d in deliveries(service) if d.kind == "delivery_failed"]
    assert [d.recipient for d in alarm] == ["duty_officer"]
    service.deliver()
    assert any(
        "【投递失败】" in m.subject and m.recipient == "duty_officer@hanyang.example"
        for m in recorder.sent
    )
    timeline = service.show(incident["id"])["timeline"]
    assert any(e["kind"] == "delivery_failed" for e in timeline)


def test_a_refused_message_is_not_retried(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    recorder = Recorder()
    service = make_service({"rec": recorder}, **ROUTE_ALL)
    activate_II(service, clock)
    recorder.failures = [DeliveryError("rec", "bad_signature", "sign mismatch", retryable=False)]
    assert service.deliver()[0].status == "dead"


def test_a_sender_that_died_mid_send_is_retried_with_the_same_idempotency_key(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    recorder = Recorder()
    service = make_service({"rec": recorder}, **ROUTE_ALL)
    activate_II(service, clock)
    first = deliveries(service)[0]
    assert first.id is not None
    claimed = service.delivery._claim(first.id)  # a worker claims it, then the process dies
    assert claimed is not None
    assert all(o.delivery_id != first.id for o in service.deliver())  # the lease still holds
    clock.advance(minutes=3)
    service.deliver()
    resent = [m for m in recorder.sent if m.idempotency_key == first.idempotency_key]
    assert len(resent) == 1
    # Both claims are on record: the one that died and the one that delivered.
    again = next(d for d in deliveries(service) if d.id == first.id)
    assert (again.status, again.attempts) == ("delivered", 2)


class Slow(Recorder):
    """Hangs in its first send until released, like a mail server that takes minutes."""

    def __init__(self) -> None:
        super().__init__()
        self.sending = threading.Event()
        self.release = threading.Event()

    def send(self, message: Message) -> Receipt:
        if not self.sending.is_set():
            self.sending.set()
            assert self.release.wait(10)
        return super().send(message)


def test_a_slow_send_keeps_its_lease_and_is_not_claimed_by_another_worker(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    slow, other = Slow(), Recorder()
    service = make_service({"rec": slow}, **ROUTE_ALL)
    service.delivery.heartbeat_seconds = 0.02
    activate_II(service, clock)
    sender = threading.Thread(target=service.deliver)
    sender.start()
    assert slow.sending.wait(10)
    held = next(d for d in deliveries(service) if d.status == "sending")
    clock.advance(minutes=5)  # far past the lease taken at the claim
    renewed = time.monotonic() + 5
    while time.monotonic() < renewed and not any(
        d.id == held.id and d.lease_until is not None and d.lease_until > clock.now
        for d in deliveries(service)
    ):
        time.sleep(0.01)
    second = make_service({"rec": other}, **ROUTE_ALL)
    outcomes = second.deliver()
    slow.release.set()
    sender.join(10)
    assert outcomes and held.id not in {o.delivery_id for o in outcomes}
    assert held.idempotency_key not in {m.idempotency_key for m in other.sent}
    done = next(d for d in deliveries(service) if d.id == held.id)
    assert (done.status, done.attempts) == ("delivered", 1)


def test_alerts_reach_the_escalation_chain(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    recorder = Recorder()
    service = make_service({"rec": recorder}, **ROUTE_ALL)
    service.report(report())
    clock.set(clock.now.replace(hour=3, minute=41))  # initial report due 03:40
    fired = service.tick()
    assert [(a.kind, a.step) for a in fired] == [("overdue", 1)]
    service.deliver()
    leader = [
        m for m in recorder.sent if m.recipient == "district_housing_duty_leader@hanyang.example"
    ]
    assert len(leader) == 1 and "逾期" in leader[0].subject
    assert "市房管局" in leader[0].body  # the report still missing


def test_acknowledgement_link_works_without_login_and_expires(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    recorder = Recorder()
    service = make_service({"rec": recorder}, **ROUTE_ALL)
    incident_id = activate_II(service, clock)
    service.deliver()
    message = next(
        m
        for m in recorder.sent
        if m.recipient == "street_office@hanyang.example" and "启动通知" in m.subject
    )
    match = re.search(r"https://fangan\.example/ack/(\S+)", message.body)
    assert match is not None
    token = match.group(1)
    with pytest.raises(InvalidInput, match="not valid"):
        service.acknowledge_link(token[:-2] + "xx")
    clock.advance(minutes=5)
    shown = service.acknowledge_link(token, person="鹦鹉街道值班员李某")
    notice = next(
        n for n in shown["notices"] if n["unit"] == "street_office" and n["kind"] == "activation_II"
    )
    assert notice["status"] == "acknowledged"
    assert notice["acknowledged_by"] == "鹦鹉街道值班员李某"
    assert shown["timeline"][-1]["kind"] == "notice_acknowledged"
    assert shown["id"] == incident_id
    clock.advance(hours=25)
    with pytest.raises(InvalidInput, match="expired"):
        service.acknowledge_link(token)


def test_a_message_that_cannot_be_rendered_is_dead_and_alarms_without_blocking_others(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    recorder = Recorder()
    service = make_service({"rec": recorder}, **ROUTE_ALL)
    service.report(report())
    clock.set(clock.now.replace(hour=3, minute=41))
    service.tick()
    with Session(service.db) as session:
        broken = session.exec(select(Delivery).where(Delivery.kind == "alert_overdue")).first()
        assert broken is not None and broken.template is not None
        broken.template = {**broken.template, "data": {}}  # e.g. a template changed meanwhile
        broken_id = broken.id
        session.add(broken)
        session.commit()
    outcomes = service.deliver()
    by_id = {d.id: d for d in deliveries(service)}
    assert by_id[broken_id].status == "dead"
    assert "render" in (by_id[broken_id].last_error or "")
    assert any(o.status == "delivered" for o in outcomes)  # the others still went out
    assert any(d.kind == "delivery_failed" for d in by_id.values())


def test_drills_are_kept_out_of_the_figures(make_service: Callable[..., IncidentService]) -> None:
    service = make_service({})
    service.report(report())
    service.report(report(drill=True))
    assert service.count_open() == 1
    assert service.count_open(drills=True) == 2
    assert [i["drill"] for i in service.list_incidents(drill=False)] == [False]
