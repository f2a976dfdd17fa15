"""The acknowledgement link a notice carries works in a browser without a login: opening it
changes nothing (mail scanners open links), the button acknowledges, a forged link is refused."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests.web.conftest import Web, new_report


def street_notice_link(web: Web) -> tuple[int, str]:
    service = web.service
    incident = service.report(new_report())
    shown = service.act(incident["id"], "activate", actor="district_hq")
    notice = next(
        n for n in shown["notices"] if n["unit"] == "street_office" and n["kind"] == "activation_II"
    )
    url = service.ack_links.url(
        incident["id"], notice["id"], "street_office", datetime.fromisoformat(notice["sent_at"])
    )
    return int(incident["id"]), url.split("/ack/", 1)[1]


def street_status(web: Web, incident_id: int) -> str:
    shown = web.service.show(incident_id)
    return str(
        next(
            n["status"]
            for n in shown["notices"]
            if n["unit"] == "street_office" and n["kind"] == "activation_II"
        )
    )


def test_opening_the_link_shows_the_notice_and_changes_nothing(
    web: Web, client: TestClient
) -> None:
    incident_id, token = street_notice_link(web)
    page = client.get(f"/ack/{token}")
    assert page.status_code == 200
    assert "街道办事处：确认收到通知" in page.text and "鹦鹉街" in page.text
    assert street_status(web, incident_id) == "sent"


def test_the_button_acknowledges_and_records_who(web: Web, client: TestClient) -> None:
    incident_id, token = street_notice_link(web)
    done = client.post(f"/ack/{token}", data={"person": "鹦鹉街道值班员李某"})
    assert done.status_code == 200 and "已确认收到" in done.text
    assert street_status(web, incident_id) == "acknowledged"
    event = web.service.show(incident_id)["timeline"][-1]
    assert event["kind"] == "notice_acknowledged"
    assert (event["actor"], event["person"]) == ("street_office", "鹦鹉街道值班员李某")
    again = client.post(f"/ack/{token}", data={})
    assert again.status_code == 200 and "已确认收到" in again.text


def test_a_forged_link_is_refused(web: Web, client: TestClient) -> None:
    incident_id, token = street_notice_link(web)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for response in (client.get(f"/ack/{forged}"), client.post(f"/ack/{forged}", data={})):
        assert response.status_code == 410
        assert "链接无效或已过期" in response.text
    assert street_status(web, incident_id) == "sent"
