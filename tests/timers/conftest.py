"""Fixtures for the timer tests: a service on a temporary SQLite file with a hand-moved clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.plan import Plan
from engine.service import IncidentService, load_workflow

DISCOVERED = datetime.fromisoformat("2026-11-22T02:40:00+08:00")
REPORTED = datetime.fromisoformat("2026-11-22T02:50:00+08:00")


@pytest.fixture
def t0() -> datetime:
    return REPORTED


@pytest.fixture
def service(tmp_path: Path, plan: Plan, clock: ManualClock) -> IncidentService:
    return IncidentService(
        f"sqlite:///{tmp_path / 'fangan.db'}",
        plan,
        load_workflow("workflows.housing_safety:WORKFLOW"),
        clock=clock,
    )


def new_report(**overrides: object) -> dict[str, object]:
    report: dict[str, object] = {
        "address": "汉阳区鹦鹉街某小区3栋",
        "street": "yingwu",
        "condition": "hidden_danger",
        "discovered_at": DISCOVERED.isoformat(),
        "reported_at": REPORTED.isoformat(),
    }
    report.update(overrides)
    return report
