"""A worker killed (SIGKILL) after a channel handed a message over but before the `delivered`
commit: a second worker re-sends it after the lease with the same idempotency key, the receiver
(the console file, a real HTTP SMS gateway on loopback) keeps one copy, and both attempts are on
record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, select

from engine.clock import ManualClock
from engine.contacts import DEFAULT_CONTACTS_PATH, load_directory
from engine.models import Delivery, DeliveryAttempt
from engine.plan import load_plan
from engine.service import IncidentService, load_workflow

from .conftest import SmsGatewayService

ROOT = Path(__file__).resolve().parents[2]
START = datetime.fromisoformat("2026-11-22T03:00:00+08:00")
# Sends through the configured channel, prints the key, then hangs before the worker can record
# the delivery: the test kills it there.
WORKER = """
import sys, threading
from pathlib import Path
from engine.clock import fixed_clock
from engine.contacts import load_directory
from engine.delivery import build_channels
from engine.plan import load_plan
from engine.service import IncidentService, load_workflow
from engine.timeutil import parse_instant

class SendThenHang:
    def __init__(self, inner):
        self.inner, self.name = inner, inner.name
    def send(self, message):
        self.inner.send(message)
        print(message.idempotency_key, flush=True)
        threading.Event().wait()

db, contacts, now, hang_on = sys.argv[1:5]
directory = load_directory(Path(contacts))
channels = build_channels(directory)
channels[hang_on] = SendThenHang(channels[hang_on])
IncidentService(db, load_plan(), load_workflow("workflows.housing_safety:WORKFLOW"),
                clock=fixed_clock(parse_instant(now, "now")), directory=directory,
                channels=channels).deliver()
"""


def contacts_file(tmp_path: Path, gateway: SmsGatewayService) -> Path:
    raw = yaml.safe_load(DEFAULT_CONTACTS_PATH.read_text(encoding="utf-8"))
    raw.update(
        {
            "drill_channel": None,
            "contacts": {},
            "channels": {
                "console": {"kind": "console", "path": str(tmp_path / "outbox.jsonl")},
                "sms": {
                    "kind": "sms",
                    "url": gateway.url,
                    "api_key": gateway.api_key,
                    "sender_id": gateway.SENDER_ID,
                },
            },
            "default": {
                "reachable_24h": True,
                "last_verified": "2026-11-01",
                "primary": [
                    {"channel": "console", "address": "{code}"},
                    {"channel": "sms", "address": gateway.recipient},
                ],
            },
        }
    )
    path = tmp_path / "contacts.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("channel", ["console", "sms"])
def test_a_kill_between_send_and_commit_is_resent_once_and_counted(
    tmp_path: Path, sms_gateway: SmsGatewayService, channel: str
) -> None:
    url = f"sqlite:///{tmp_path / 'fangan.db'}"
    contacts = contacts_file(tmp_path, sms_gateway)
    clock = ManualClock(START)
    service = IncidentService(
        url,
        load_plan(),
        load_workflow("workflows.housing_safety:WORKFLOW"),
        clock=clock,
        directory=load_directory(contacts),
        channels={},
    )
    incident = service.report(
        {
            "address": "汉阳区鹦鹉街某小区3栋",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": "2026-11-22T02:40:00+08:00",
        }
    )
    clock.advance(minutes=5)
    service.act(incident["id"], "activate", actor="district_housing_bureau")
    sent_at = clock.advance(minutes=1)

    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(contacts), sent_at.isoformat(), channel],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        key = worker.stdout.readline().strip()
        assert key, "the worker sent nothing"
    finally:
        worker.send_signal(signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL

    def row() -> Delivery:
        with Session(service.db) as session:
            found = session.exec(select(Delivery).where(Delivery.idempotency_key == key)).one()
            return found

    held = row()
    assert (held.channel, held.status, held.attempts) == (channel, "sending", 1)
    later = sent_at + timedelta(minutes=3)  # past the dead worker's lease
    subprocess.run(
        [sys.executable, "main.py", "--db", url, "--now", later.isoformat(), "deliver"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "FANGAN_CONTACTS": str(contacts)},
    )

    done = row()
    assert (done.status, done.attempts) == ("delivered", 2)
    with Session(service.db) as session:
        tries = session.exec(
            select(DeliveryAttempt.outcome)
            .where(DeliveryAttempt.delivery_id == done.id)
            .order_by(DeliveryAttempt.id)
        ).all()  # type: ignore[arg-type]
        every = session.exec(select(Delivery)).all()
    assert tries == ["triggered", "triggered", "delivered"]
    assert {d.status for d in every} == {"delivered"}
    lines = [
        json.loads(line)["idempotency_key"]
        for line in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    console = sorted(d.idempotency_key for d in every if d.channel == "console")
    sms = sorted(d.idempotency_key for d in every if d.channel == "sms")
    assert sorted(lines) == console  # every console message written exactly once
    assert sorted(sms_gateway.replies_by_key) == sms  # every SMS accepted exactly once
    assert len(sms_gateway.accepted) == len(sms)
    if channel == "console":
        assert lines.count(key) == 1
    else:
        assert len(sms_gateway.requests_with(key)) == 2  # it was sent twice, taken once
