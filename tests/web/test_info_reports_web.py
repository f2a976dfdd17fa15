"""Information reports on the API and in the console (§4.2, R11): the draft endpoint with its
refusals, sending through the action, and the incident page's prefilled, editable form."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

CITY = "city_housing_bureau"


def _incident(client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]) -> int:
    created = client.post(
        "/api/incidents", json=report_data(missing=None), headers=web.auth("officer")
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_the_draft_endpoint_and_its_refusals(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    iid = _incident(client, web, report_data)
    url = f"/api/incidents/{iid}/info-reports/draft"
    ok = client.get(url, params={"kind": "initial", "to": CITY}, headers=web.auth("officer"))
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert (body["kind"], body["number"], body["title"], body["to"]) == (
        "initial",
        None,
        "首报",
        CITY,
    )
    assert "失踪不详（待核实）" in body["text"]
    for params, status, error, words in [
        ({"kind": "weekly", "to": CITY}, 422, "invalid_input", "kind: unknown report kind"),
        ({"kind": "initial", "to": "nobody"}, 422, "invalid_input", "to: unknown recipient"),
        ({"kind": "progress", "to": CITY}, 409, "precondition_failed", "no 首报"),
        ({"kind": "final", "to": CITY}, 409, "precondition_failed", "no 首报"),
        ({"kind": "x y", "to": CITY}, 422, "invalid_input", "kind"),
    ]:
        refused = client.get(url, params=params, headers=web.auth("officer"))
        assert refused.status_code == status, (params, refused.text)
        assert refused.json()["error"] == error
        assert words in refused.json()["message"]
    missing = client.get(
        "/api/incidents/999/info-reports/draft",
        params={"kind": "initial", "to": CITY},
        headers=web.auth("officer"),
    )
    assert missing.status_code == 404
    assert client.get(url, params={"kind": "initial", "to": CITY}).status_code == 401


def test_sent_through_the_api_then_the_next_draft_is_the_first_progress_report(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    iid = _incident(client, web, report_data)
    sent = client.post(
        f"/api/incidents/{iid}/actions/submit_info_report",
        json={"data": {"to": CITY, "kind": "initial", "text": "首报正文（已修改）"}},
        headers=web.auth("officer"),
    )
    assert sent.status_code == 200, sent.text
    initial = next(d for d in sent.json()["deadlines"] if d["code"] == "initial_report")
    assert initial["met_at"] is not None
    empty = client.post(
        f"/api/incidents/{iid}/actions/submit_info_report",
        json={"data": {"to": CITY, "kind": "progress", "text": ""}},
        headers=web.auth("officer"),
    )
    assert empty.status_code == 422 and "data.text" in empty.json()["message"]
    nxt = client.get(
        f"/api/incidents/{iid}/info-reports/draft",
        params={"kind": "progress", "to": CITY},
        headers=web.auth("officer"),
    ).json()
    assert nxt["title"] == "续报一"


def test_the_console_form_is_prefilled_editable_and_sends(
    client: TestClient,
    web: Any,
    report_data: Callable[..., dict[str, Any]],
    login: Callable[[TestClient, str], str],
) -> None:
    iid = _incident(client, web, report_data)
    csrf = login(client, "officer")
    page = client.get(f"/incidents/{iid}").text
    form = re.search(
        r'<form method="post" action="/incidents/\d+/act/submit_info_report".*?</form>',
        page,
        re.S,
    )
    assert form, "no information report form"
    textarea = re.search(r"<textarea[^>]*name=\"text\"[^>]*>(.*?)</textarea>", form.group(0), re.S)
    assert textarea
    drafted = html.unescape(textarea.group(1))
    assert "事件发生时间：2026年3月2日8时40分" in drafted
    assert "按所选重新起草" in form.group(0)
    # The 下一步 banner's own form keeps its prefilled recipient beside the drafted report.
    record = re.search(r'id="act-record_report".*?</form>', page, re.S)
    assert record and 'value="city_housing_bureau" selected' in record.group(0)
    # Redrafting for another recipient keeps the page and redrafts for it.
    redrafted = client.get(
        f"/incidents/{iid}",
        params={"redraft": "submit_info_report", "to": "district_government", "kind": "initial"},
    ).text
    assert 'value="district_government" selected' in redrafted
    sent = client.post(
        f"/incidents/{iid}/act/submit_info_report",
        data={
            "csrf_token": csrf,
            "idem": "info-1",
            "to": CITY,
            "kind": "initial",
            "text": drafted + "\n值班员补充：现场已设警戒。",
        },
    )
    assert sent.status_code == 303, sent.text
    shown = web.service.show(iid)
    event = next(e for e in shown["timeline"] if e["kind"] == "info_report_sent")
    assert event["data"]["text"].endswith("值班员补充：现场已设警戒。")
    # Out of turn in the console: refused beside the form, in Chinese, nothing sent.
    again = client.post(
        f"/incidents/{iid}/act/submit_info_report",
        data={"csrf_token": csrf, "idem": "info-2", "to": CITY, "kind": "initial", "text": "x"},
    )
    assert again.status_code == 409
    assert "未执行" in again.text
    assert "已向该单位报送首报，请报送续报" in html.unescape(again.text)
