"""R11: `record_report` is taken by the party that made the report or by the desk. Before, any
unit could record the report to 市房管局 and silence the escalation of `initial_report`."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.errors import Forbidden
from engine.service import IncidentService

REPORT = {
    "condition": "imminent_collapse",
    "street": "yingwu",
    "address": "鹦鹉大道318号",
    "discovered_at": "2026-03-02T08:40:00+08:00",
    "people_at_risk": 20,
}


def test_another_unit_cannot_silence_an_escalation(
    service: IncidentService, db_digest: Callable[[str], str]
) -> None:
    iid = service.report(REPORT)["id"]
    before = db_digest(str(service.db.url))
    with pytest.raises(Forbidden, match="wuhan_telecom' may not record a report"):
        service.act(iid, "record_report", actor="wuhan_telecom", data={"to": "city_housing_bureau"})
    assert db_digest(str(service.db.url)) == before


def test_the_desk_records_it(service: IncidentService) -> None:
    iid = service.report(REPORT)["id"]
    shown = service.act(
        iid,
        "record_report",
        actor="duty_officer",
        data={"to": "city_housing_bureau", "channel": "电话"},
    )
    initial = next(d for d in shown["deadlines"] if d["code"] == "initial_report")
    assert initial["met_at"] is not None
