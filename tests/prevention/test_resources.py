"""Resources (§6, SPEC R13): experts of the plan's fields picked for an incident's tasks; the
emergency fund in exact yuan with its spending per incident, read by 区财政局 and 区审计局."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import Forbidden, InvalidInput
from engine.service import IncidentService
from workflows.housing_safety.resources_service import ResourceService

HB = "district_housing_bureau"


@pytest.fixture
def resources(service: IncidentService) -> ResourceService:
    return ResourceService(service)


def _incident(service: IncidentService) -> int:
    return int(
        service.report(
            {
                "address": "示例路5号",
                "street": "zhoutou",
                "condition": "hidden_danger",
                "discovered_at": "2026-03-02T08:00:00+08:00",
            }
        )["id"]
    )


def test_experts_are_picked_from_the_pool_by_field(
    resources: ResourceService, service: IncidentService
) -> None:
    for name, field, available in (
        ("示例专家甲", "housing_management", True),
        ("示例专家乙", "housing_management", False),
        ("示例专家丙", "housing_management", True),
        ("示例专家丁", "water_management", True),
    ):
        resources.add_expert(
            {"name": name, "field": field, "phone": "13800000009", "available": available}, HB
        )
    with pytest.raises(InvalidInput, match="field: must be one of"):
        resources.add_expert({"name": "x", "field": "astrology", "phone": "13800000009"}, HB)
    incident = _incident(service)
    picked = resources.pick(
        incident, {"task": "danger_elimination", "field": "housing_management", "count": 2}, HB
    )
    assert [e["name"] for e in picked["tasks"]["danger_elimination"]] == [
        "示例专家甲",
        "示例专家丙",
    ]
    with pytest.raises(InvalidInput, match="no available expert left"):
        resources.pick(incident, {"task": "danger_elimination", "field": "housing_management"}, HB)
    loss = resources.pick(incident, {"task": "loss_assessment", "expert_ids": [4]}, HB)
    assert [e["name"] for e in loss["tasks"]["loss_assessment"]] == ["示例专家丁"]
    with pytest.raises(InvalidInput, match="is not available"):
        resources.pick(incident, {"task": "verification", "expert_ids": [2]}, HB)


def test_the_fund_sums_exactly_per_incident_and_flags_a_short_budget(
    resources: ResourceService, service: IncidentService
) -> None:
    year: dict[str, Any] = resources.set_budget(
        {"year": 2026, "budget_yuan": "800000.00"}, "district_finance_bureau"
    )
    assert year["below_minimum"] is True and year["minimum_yuan"] == 1_000_000
    year = resources.set_budget({"year": 2026, "budget_yuan": 1_200_000}, "district_finance_bureau")
    assert year["below_minimum"] is False
    first, second = _incident(service), _incident(service)
    for amount, incident in (("0.10", first), ("0.20", first), ("15000.05", second), ("300", None)):
        resources.spend(
            {
                "amount_yuan": amount,
                "purpose": "示例：临时支护",
                **({"incident_id": incident} if incident else {}),
            },
            HB,
        )
    fund = resources.fund(2026, "district_audit_bureau")
    # 0.10 + 0.20 = 0.30 exactly (not 0.30000000000000004); 1,200,000 − 15,300.35 = 1,184,699.65.
    assert fund["by_incident"] == [
        {"incident_id": None, "spent_yuan": 300},
        {"incident_id": first, "spent_yuan": 0.3},
        {"incident_id": second, "spent_yuan": 15000.05},
    ]
    assert (fund["spent_yuan"], fund["balance_yuan"]) == (15300.35, 1184699.65)
    with pytest.raises(Forbidden, match="the fund is read by"):
        resources.fund(2026, "district_water_bureau")
    with pytest.raises(Forbidden, match="recorded by"):
        resources.spend({"amount_yuan": 1, "purpose": "x"}, "district_audit_bureau")
    with pytest.raises(InvalidInput, match="at most two decimal places"):
        resources.spend({"amount_yuan": "0.001", "purpose": "x"}, HB)


def test_rescue_resources_by_kind(resources: ResourceService) -> None:
    resources.add_resource({"kind": "vehicle", "name": "示例抢险车", "quantity": 2}, HB)
    resources.add_resource({"kind": "team", "name": "示例专班"}, HB)
    assert [(r["kind"], r["quantity"]) for r in resources.list_resources()] == [
        ("team", 1),
        ("vehicle", 2),
    ]
    with pytest.raises(InvalidInput, match="kind: must be one of"):
        resources.add_resource({"kind": "boat", "name": "x"}, HB)
