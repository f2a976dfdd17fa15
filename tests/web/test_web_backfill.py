"""The console's deadline list marks a report backfilled after its overdue alert as 补录."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from engine.clock import ManualClock

BADGE = re.compile(r'class="status status-backfilled"[^>]*>补录<')


def test_the_deadline_list_marks_a_backfilled_report(
    client: TestClient,
    web: Any,
    clock: ManualClock,
    login: Callable[[TestClient, str], str],
    report_data: Callable[..., dict[str, Any]],
) -> None:
    hidden = report_data(condition="hidden_danger")  # initial_report due 09:40
    late, on_time = (web.service.report(hidden)["id"] for _ in range(2))
    to_city = {"to": "city_housing_bureau"}
    web.service.act(on_time, "record_report", actor="duty_officer", data=to_city)
    clock.advance(minutes=60)
    assert [(a.incident_id, a.kind) for a in web.service.tick()] == [(late, "overdue")]
    web.service.act(
        late, "record_report", actor="duty_officer", at="2026-03-02T09:30:00+08:00", data=to_city
    )
    login(client, "officer")
    assert BADGE.search(client.get(f"/incidents/{late}").text)
    assert not BADGE.search(client.get(f"/incidents/{on_time}").text)
