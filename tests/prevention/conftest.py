"""Fixtures for the prevention tests: the register's service on the shared test database."""

from __future__ import annotations

from typing import Any

import pytest

from engine.service import IncidentService
from workflows.housing_safety.prevention_service import PreventionService


@pytest.fixture
def houses(service: IncidentService) -> PreventionService:
    return PreventionService(service)


@pytest.fixture
def house() -> dict[str, Any]:
    """A valid register entry (fictitious), a D house: patrolled every 7 days (local policy)."""
    return {
        "address": "示例路1号",
        "street": "yingwu",
        "community": "示例社区",
        "responsible": "示例责任人",
        "responsible_phone": "13800000001",
        "floors": 3,
        "year_built": 1962,
        "area_m2": "186.50",
        "grade": "D",
        "appraisal_body": "示例鉴定所",
        "report_number": "示鉴〔2026〕001号",
        "appraised_on": "2026-02-01",
        "disposition": "stop_use",
    }
