"""Every notice template renders from a real incident record; a missing variable is an error;
and the pipeline delivers through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from jinja2 import UndefinedError
from sqlmodel import Session

from engine.clock import ManualClock
from engine.models import Incident
from engine.notices import TEMPLATES, NoticeRenderer
from engine.plan import Plan
from engine.service import IncidentService

from .conftest import report

ALERT_DATA = {
    "deadline_name": "首次报告（市、区房管局）",
    "clause": "§4.2",
    "local_policy": False,
    "due_text": "2026-11-22 03:40",
    "step": 2,
    "waiting_names": "市房管局",
    "responsible_name": "值班员",
}
DATA_BY_KIND: dict[str, dict[str, Any]] = {
    "activation_II": {
        "level_duty": "由区人民政府负责组织人员撤离",
        "level_clause": "§1.6 2",
        "duties": "对现场实施警戒",
        "duties_clause": "§2.2.3 5",
    },
    "group_medical": {
        "group_name": "医疗急救组",
        "lead": "district_health_commission",
        "duty": "负责组织协调医疗急救和抢救伤员。",
        "clause": "§4.3.2 (3)",
    },
    "city_request": {"level": "I", "exceeds_district_scope": True},
    "termination": {
        "proposed_by": "district_housing_bureau",
        "approved_by": "district_hq",
        "announced_by": "district_hq",
    },
    "alert_reminder": ALERT_DATA,
    "alert_overdue": ALERT_DATA,
    "resend": {
        "original_subject": "启动通知",
        "original_body": "正文",
        "sent_text": "03:10",
        "wait_minutes": 15,
    },
    "delivery_failed": {
        "original_subject": "启动通知",
        "recipient_name": "区民政局",
        "channel": "smtp",
        "address": "a@b",
        "attempts": 6,
        "error": "timeout",
    },
    "info_initial": {"title": "首报", "number": None, "text": "死亡1人，失踪2人"},
    "info_progress": {"title": "续报二", "number": 2, "text": "搜救出被困人员1名；失踪2人"},
    "info_final": {"title": "终报", "number": None, "text": "险情已排除；失踪2人"},
}


def test_every_template_kind_is_covered() -> None:
    names = {p.name.split(".")[0] for p in (TEMPLATES / "notices").glob("*.j2")}
    from engine.notices import template_for

    assert {template_for(kind) for kind in DATA_BY_KIND} == names


@pytest.mark.parametrize("kind", sorted(DATA_BY_KIND))
def test_every_notice_renders_from_a_real_incident(
    kind: str, make_service: Callable[..., IncidentService], plan: Plan, clock: ManualClock
) -> None:
    service = make_service({})
    shown = service.report(
        report(
            condition="partial_collapse",
            dead=1,
            missing=2,
            injured=4,
            economic_loss_yuan=3_500_000,
            drill=True,
        )
    )
    with Session(service.db) as session:
        incident = session.get(Incident, shown["id"])
        assert incident is not None
        rendered = NoticeRenderer(plan).render(
            kind,
            incident,
            "district_civil_affairs",
            DATA_BY_KIND[kind],
            clock.now,
            "https://x/ack/t",
        )
    assert rendered.subject.startswith("【演练】")
    assert rendered.body.startswith("【演练】")
    assert "None" not in rendered.body
    if kind.startswith("info_") or kind == "city_request":
        assert "失踪2人" in rendered.body  # casualties, missing counted
    if kind.startswith("info_"):
        assert DATA_BY_KIND[kind]["title"] in rendered.subject  # the officer's text, titled
    if kind == "activation_II":
        assert "https://x/ack/t" in rendered.body


def test_a_missing_variable_is_an_error_not_a_blank(
    make_service: Callable[..., IncidentService], plan: Plan, clock: ManualClock
) -> None:
    service = make_service({})
    shown = service.report(report())
    with Session(service.db) as session:
        incident = session.get(Incident, shown["id"])
        assert incident is not None
        with pytest.raises(UndefinedError):
            NoticeRenderer(plan).render(
                "info_progress",
                incident,
                "city_housing_bureau",
                {"number": 1, "title": "续报一"},
                clock.now,
            )


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_notices_reach_a_real_smtp_server(
    smtp_server: tuple[int, Inbox],
    tmp_path: Path,
    make_service: Callable[..., IncidentService],
    clock: ManualClock,
) -> None:
    port, inbox = smtp_server
    from engine.delivery import build_channels
    from tests.notices.conftest import directory

    mail = {
        "default": {
            "reachable_24h": True,
            "last_verified": "2026-11-01",
            "primary": [{"channel": "mail", "address": "{code}@hanyang.example"}],
        },
        "contacts": {},
        "drill_channel": None,
        "channels": {
            "mail": {
                "kind": "smtp",
                "host": "127.0.0.1",
                "port": port,
                "sender": "fangan@hanyang.example",
            }
        },
    }
    service = make_service(build_channels(directory(**mail)), **mail)
    incident = service.report(report(condition="hidden_danger"))
    clock.advance(minutes=5)
    service.act(incident["id"], "activate", actor="district_housing_bureau")
    outcomes = service.deliver()
    assert [o.status for o in outcomes] == ["delivered", "delivered"]
    received = {str(m["To"]): m for m in inbox.messages}
    street = received["street_office@hanyang.example"]
    assert "III级应急响应" in str(street["Subject"])
    body = street.get_body(preferencelist=("plain",))
    assert body is not None and "督促房屋安全责任人" in body.get_content()


def test_a_sent_notice_prints_as_an_official_document(
    make_service: Callable[..., IncidentService], clock: ManualClock, plan: Plan
) -> None:
    from documents import render_notice_html

    service = make_service({})
    shown = service.report(report(drill=True))
    clock.advance(minutes=10)
    service.act(shown["id"], "activate", actor="district_hq")
    document = service.notice_document(shown["id"], "street_office", "activation_II")
    assert document.doc_number.startswith(f"{plan.plan.notice_prefix}〔2026〕")
    # one document to every unit of the II activation, the street office among them
    assert "街道办事处" in document.addressees and len(document.addressees) > 1
    assert document.urgency == "特急"
    html = render_notice_html(document)
    assert plan.plan.issuer in html and "【演练】" in html
    # The layout places the drill mark; the text itself is not marked twice.
    assert "【演练】" not in document.title
    assert document.display_title.startswith("【演练】")
    assert "街道办事处：" not in document.paragraphs[0]
