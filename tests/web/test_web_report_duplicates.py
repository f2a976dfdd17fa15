"""The console's report form shows likely duplicates before logging (R11, engine.duplicates)
and attaches the report as a call to the existing incident instead: one transaction, no second
incident. The browser side is tests/web/test_report_duplicates_browser.py."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.conftest import Web, new_report
from workflows.housing_safety.duty import DutyDesk


def _form(csrf: str, **overrides: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "condition": "imminent_collapse",
        "street": "yingwu",
        "address": "鹦鹉街 3 栋",
        "discovered_at": "2026-03-02T08:50",
        "reporter": "王大妈 13800000000",
        "description": "墙体开裂，有掉渣",
        **overrides,
    }


def test_likely_duplicates_are_shown_before_logging(
    client: TestClient, web: Web, login: Callable[[TestClient, str], str]
) -> None:
    first = web.service.report(new_report())
    csrf = login(client, "officer")
    shown = client.post("/fragments/duplicates", data=_form(csrf))
    assert shown.status_code == 200
    assert f'formaction="/report/attach/{first["id"]}"' in shown.text
    assert "可能是同一事件" in shown.text
    for other in ({"street": "qingchuan"}, {"address": "晴川大道100号"}, {"address": ""}):
        assert (
            "可能是同一事件"
            not in client.post("/fragments/duplicates", data=_form(csrf, **other)).text
        )
    assert web.service.count_open() == 1  # nothing recorded
    assert client.post("/fragments/duplicates", data={"street": "yingwu"}).status_code == 403


def test_attaching_logs_a_call_on_the_existing_incident(
    client: TestClient, web: Web, login: Callable[[TestClient, str], str]
) -> None:
    first = web.service.report(new_report())
    csrf = login(client, "officer")
    done = client.post(f"/report/attach/{first['id']}", data=_form(csrf))
    assert done.status_code == 303 and done.headers["location"] == f"/incidents/{first['id']}"
    assert web.service.count_open() == 1
    [call] = DutyDesk(web.service).calls()
    assert (call["status"], call["incident_id"]) == ("attached", first["id"])
    assert (call["place"], call["content"]) == ("鹦鹉街 3 栋", "墙体开裂，有掉渣")
    assert call["caller_name"] == "王大妈 13800000000" and call["recorder"] == "值班员甲"
    # A closed incident: refused in Chinese, and no call is left behind.
    web.service.act(
        first["id"], "dismiss", actor="district_housing_bureau", data={"reason": "误报"}
    )
    refused = client.post(f"/report/attach/{first['id']}", data=_form(csrf), follow_redirects=True)
    assert "未能并入事件" in refused.text and "事件已不在处置中" in refused.text
    assert len(DutyDesk(web.service).calls()) == 1


def test_a_street_office_sees_and_attaches_to_its_own_street_only(
    client: TestClient, web: Web, login: Callable[[TestClient, str], str]
) -> None:
    other = web.service.report(new_report(street="qingchuan", address="晴川街9号"))
    csrf = login(client, "street")
    shown = client.post(
        "/fragments/duplicates", data=_form(csrf, street="qingchuan", address="晴川街9号")
    )
    assert "可能是同一事件" not in shown.text
    refused = client.post(f"/report/attach/{other['id']}", data=_form(csrf))
    assert refused.status_code == 403 and DutyDesk(web.service).calls() == []
