"""Fixtures for the notice pipeline: a service whose directory and channels the test chooses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.clock import ManualClock
from engine.contacts import DEFAULT_CONTACTS_PATH, Directory
from engine.plan import Plan
from engine.service import IncidentService, load_workflow
from notifiers.base import Channel, DeliveryError, Message, Receipt

START = datetime.fromisoformat("2026-11-22T03:00:00+08:00")


class Recorder:
    """A channel double that records what it was asked to send and fails on demand."""

    name = "recorder"

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.failures: list[DeliveryError] = []

    def send(self, message: Message) -> Receipt:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return Receipt(self.name, f"id-{len(self.sent)}")


@pytest.fixture
def t0() -> datetime:
    return START


def directory(**changes: Any) -> Directory:
    raw = yaml.safe_load(DEFAULT_CONTACTS_PATH.read_text(encoding="utf-8"))
    raw.update(changes)
    return Directory.model_validate(raw)


@pytest.fixture
def make_service(tmp_path: Path, plan: Plan, clock: ManualClock) -> Callable[..., IncidentService]:
    def make(senders: dict[str, Channel], **directory_changes: Any) -> IncidentService:
        return IncidentService(
            f"sqlite:///{tmp_path / 'fangan.db'}",
            plan,
            load_workflow("workflows.housing_safety:WORKFLOW"),
            clock=clock,
            directory=directory(**directory_changes),
            channels=senders,
            public_url="https://fangan.example",
            secret_key="test-key",
        )

    return make


def report(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "address": "汉阳区鹦鹉街某小区3栋",
        "street": "yingwu",
        "condition": "imminent_collapse",
        "discovered_at": "2026-11-22T02:40:00+08:00",
        "people_at_risk": 120,
        "dead": 0,
        "reporter": "社区网格员张某",
    }
    data.update(overrides)
    return data
