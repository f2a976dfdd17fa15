"""A message about a prevention subject (a registered house) that fails for good: the real
delivery worker retries it until the directory's limit, marks it dead, and alerts the duty desk
about the same subject; the handover sheet lists both as undelivered, naming the house."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from engine.clock import ManualClock
from engine.models import Delivery
from engine.service import IncidentService
from notifiers.base import DeliveryError, Message, Receipt
from workflows.housing_safety.duty import DutyDesk, about_parts
from workflows.housing_safety.prevention_service import PreventionService

from .conftest import Recorder
from .test_outbox import ROUTE_ALL

STREET = "street_office@hanyang.example"
DESK = "duty_officer@hanyang.example"
HOUSE = {
    "address": "示例路1号",
    "street": "yingwu",
    "community": "示例社区",
    "responsible": "示例责任人",
    "responsible_phone": "13800000001",
    "grade": "D",
    "appraisal_body": "示例鉴定所",
    "report_number": "示鉴〔2026〕001号",
    "appraised_on": "2026-02-01",
    "disposition": "stop_use",
}


class DownFor(Recorder):
    """A channel whose link to one address is down: every send there times out."""

    def __init__(self, *addresses: str) -> None:
        super().__init__()
        self.addresses = addresses
        self.tried: list[Message] = []

    def send(self, message: Message) -> Receipt:
        if message.recipient in self.addresses:
            self.tried.append(message)
            raise DeliveryError("rec", "timeout", "no answer", retryable=True)
        return super().send(message)


def _deliveries(service: IncidentService) -> list[Delivery]:
    with Session(service.db) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)))  # type: ignore[arg-type]


def test_about_parts_reads_only_what_the_workflow_writes() -> None:
    assert about_parts("house:12") == ("house", 12)
    assert about_parts(None) is None and about_parts("house:x") is None
    assert about_parts("house") is None


def test_a_dead_subject_message_alerts_the_desk_and_is_on_the_handover_sheet(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    channel = DownFor(STREET)
    service = make_service({"rec": channel}, **ROUTE_ALL, max_attempts=3, retry_base_seconds=60)
    house = PreventionService(service).register(HOUSE, "district_housing_bureau")
    for _ in range(3):  # first try, then the backoff of 1 and 2 minutes
        service.deliver()
        clock.advance(minutes=5)
    assert len(channel.tried) == 3
    to_street = next(d for d in _deliveries(service) if d.address == STREET)
    assert (to_street.status, to_street.attempts) == ("dead", 3)
    assert to_street.about == f"house:{house['id']}" and to_street.incident_id is None

    # The desk's alert is written about the same house and goes out on the next run.
    alert = next(d for d in _deliveries(service) if d.kind == "delivery_failed")
    assert (alert.recipient, alert.about, alert.incident_id) == (
        "duty_officer",
        f"house:{house['id']}",
        None,
    )
    service.deliver()
    told = [m for m in channel.sent if m.recipient == DESK]
    assert len(told) == 1 and told[0].subject.startswith("【投递失败】")
    assert "3次尝试仍未送达" in told[0].body and "街道办事处" in told[0].body
    # Run again: nothing more is sent (the alert is not repeated).
    assert service.deliver() == []

    desk = DutyDesk(service)
    day = desk.add_shift(
        {
            "starts_at": "2026-11-22T00:00:00+08:00",
            "ends_at": "2026-11-22T08:00:00+08:00",
            "leader": "王副局长",
            "officers": ["wang"],
        },
        by="admin",
    )
    evening = desk.add_shift(
        {
            "starts_at": "2026-11-22T08:00:00+08:00",
            "ends_at": "2026-11-22T16:00:00+08:00",
            "leader": "陈副局长",
            "officers": ["zhao"],
        },
        by="admin",
    )
    sheet = desk.build_handover(day["id"], evening["id"], None, by="wang")["sheet"]
    undelivered = [r["what"] for r in sheet["undelivered"]]
    assert any(
        w.startswith("危险房屋 示例路1号｜") and "（多次发送失败）" in w for w in undelivered
    ), undelivered
    html = desk.handover_document(1, "html").decode()
    assert "危险房屋 示例路1号｜" in html and "多次发送失败" in html


def test_a_dead_alert_to_the_desk_raises_no_further_alert(
    make_service: Callable[..., IncidentService], clock: ManualClock
) -> None:
    channel = DownFor(STREET, DESK)  # the desk cannot be reached either
    service = make_service({"rec": channel}, **ROUTE_ALL, max_attempts=1, retry_base_seconds=60)
    PreventionService(service).register(HOUSE, "district_housing_bureau")
    service.deliver()
    clock.advance(minutes=5)
    assert service.deliver() == []
    failed = [d for d in _deliveries(service) if d.kind == "delivery_failed"]
    assert [(d.recipient, d.status) for d in failed] == [("duty_officer", "dead")]
