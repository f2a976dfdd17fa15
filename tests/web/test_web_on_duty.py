"""The incident page's timeline and the investigation report's timeline say who was on duty
when each event happened (SPEC R11, §3.5)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from documents.report import render_report
from tests.duty.test_on_duty import DAY
from tests.web.conftest import Web, new_report
from workflows.housing_safety.duty import DutyDesk


def test_the_incident_page_and_the_report_show_who_was_on_duty(
    web: Web, client: TestClient, login: Callable[[TestClient, str], str]
) -> None:
    DutyDesk(web.service).add_shift(DAY, by="admin")
    incident = web.service.report(new_report())
    login(client, "officer")
    page = client.get(f"/incidents/{incident['id']}")
    assert page.status_code == 200
    assert '<span class="ev-duty">值班：带班领导王副局长；值班员wang、li</span>' in page.text
    md = render_report(web.service.investigation_report(incident["id"]), "md").decode("utf-8")
    appendix = md.split("事件时间线", 1)[1]
    assert "| 值班 |" in appendix and "带班领导王副局长；值班员wang、li" in appendix
