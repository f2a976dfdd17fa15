"""Public-building checks (§3.3) reported to 区房管局 when a hazard is found, and the drill
calendar (§7.2) flagging a long gap (365 days, local policy)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.clock import ManualClock
from engine.errors import Forbidden, InvalidInput
from engine.models import Delivery
from engine.service import IncidentService
from workflows.housing_safety.drills import DrillService
from workflows.housing_safety.public_buildings import PublicBuildingService

CHECK = {
    "department": "district_education_bureau",
    "building": "示例小学教学楼",
    "address": "示例路8号",
    "street": "longyang",
    "checked_on": "2026-03-01",
    "findings": "二层走廊楼板开裂",
    "hazard": True,
}


def test_a_hazard_found_is_reported_to_the_housing_bureau(service: IncidentService) -> None:
    checks = PublicBuildingService(service)
    done = checks.record(CHECK, "district_education_bureau")
    assert done["reported_to"] == "district_housing_bureau"
    with service.reading() as session:
        sent = session.execute(sa.select(Delivery.recipient, Delivery.about)).all()
    assert {tuple(r) for r in sent} == {("district_housing_bureau", f"public_check:{done['id']}")}
    checks.record(
        {**CHECK, "department": "district_culture_tourism", "hazard": False},
        "district_housing_bureau",
    )  # 文旅 has no account: 区房管局 records it
    assert [c["department"] for c in checks.list()] == [
        "district_education_bureau",
        "district_culture_tourism",
    ]
    with pytest.raises(Forbidden, match="recorded by its department"):
        checks.record(CHECK, "district_civil_affairs")
    with pytest.raises(InvalidInput, match="department: must be one of"):
        checks.record({**CHECK, "department": "district_fire_rescue"}, "district_housing_bureau")


def test_the_calendar_flags_a_long_gap(service: IncidentService, clock: ManualClock) -> None:
    drills = DrillService(service)
    assert drills.calendar()["flagged"] is True  # none held yet
    first = drills.plan_drill(
        {
            "title": "示例倒塌救援演练",
            "planned_on": "2025-03-01",
            "units": ["district_fire_rescue"],
        },
        "district_hq",
    )
    drills.record_held(first["id"], {"held_on": "2025-03-02"}, "district_hq")
    # Today is 2026-03-02: 365 days since 2025-03-02, not more: not flagged.
    assert (drills.calendar()["days_since"], drills.calendar()["flagged"]) == (365, False)
    clock.advance(days=1)
    assert drills.calendar()["flagged"] is True
    with pytest.raises(Forbidden, match="organised by district_hq"):
        drills.plan_drill({"title": "x", "planned_on": "2026-04-01"}, "district_housing_bureau")
    real = service.report(
        {
            "address": "示例路9号",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-03T08:00:00+08:00",
        }
    )
    with pytest.raises(InvalidInput, match="is not a drill incident"):
        drills.record_held(
            first["id"], {"held_on": "2026-03-03", "incident_id": real["id"]}, "district_hq"
        )
