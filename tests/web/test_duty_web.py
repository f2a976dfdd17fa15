"""The duty desk over HTTP (SPEC R11): the call log and handovers through /api with bearer
tokens, and the console pages /calls and /duty through their forms. A handover is confirmed
by each officer's own account; the wrong one is refused and nothing changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

CALL = {
    "caller_unit": "鹦鹉街道办事处",
    "caller_name": "张建国",
    "caller_phone": "027-84800000",
    "street": "yingwu",
    "place": "鹦鹉花园3栋",
    "content": "外墙出现贯通裂缝",
    "recorder": "值班员甲",
}
DAY = {
    "starts_at": "2026-03-02T08:00:00+08:00",
    "ends_at": "2026-03-02T16:00:00+08:00",
    "leader": "王副局长",
    "officers": ["officer"],
}
EVENING = {
    "starts_at": "2026-03-02T16:00:00+08:00",
    "ends_at": "2026-03-03T00:00:00+08:00",
    "leader": "陈副局长",
    "officers": ["hq"],
}


def duty_rows(web: Any) -> list[Any]:
    """Every row of the duty desk's tables and the incidents (a token's last use, which each
    request records, is not the desk's state)."""
    connection = sqlite3.connect(web.service.db.url.database)
    try:
        return [
            connection.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
            for t in ("duty_call", "duty_shift", "duty_handover", "incident")
        ]
    finally:
        connection.close()


def test_calls_over_the_api(client: TestClient, web: Any, db_digest: Callable[[str], str]) -> None:
    auth = web.auth("officer")
    made = client.post("/api/calls", json=CALL, headers=auth)
    assert made.status_code == 201 and made.json()["logged_by"] == "officer"
    call = made.json()["id"]
    before = duty_rows(web)
    bad = client.post("/api/calls", json={**CALL, "place": " "}, headers=auth)
    assert bad.status_code == 422 and bad.json()["message"].startswith("place:")
    assert (
        client.post(f"/api/calls/{call}/close", json={}, headers=auth)
        .json()["message"]
        .startswith("reason:")
    )
    assert duty_rows(web) == before
    found = client.get("/api/calls", params={"q": "张建国 裂缝"}, headers=auth).json()
    assert [c["id"] for c in found] == [call]
    assert client.get("/api/calls", params={"q": "倒塌"}, headers=auth).json() == []
    opened = client.post(
        f"/api/calls/{call}/open", json={"condition": "hidden_danger"}, headers=auth
    )
    assert opened.status_code == 201
    incident = opened.json()
    assert (incident["address"], incident["reporter"]) == (
        "鹦鹉花园3栋",
        "鹦鹉街道办事处 张建国 027-84800000",
    )
    second = client.post("/api/calls", json=CALL, headers=auth).json()["id"]
    attached = client.post(
        f"/api/calls/{second}/attach", json={"incident_id": incident["id"]}, headers=auth
    ).json()
    assert (attached["status"], attached["incident_id"]) == ("attached", incident["id"])
    assert client.get(f"/api/calls/{call}", headers=auth).json()["status"] == "incident"
    assert client.get("/api/calls", headers=web.auth("street")).status_code == 200
    assert client.get("/api/calls").status_code == 401


def test_a_handover_over_the_api_is_confirmed_by_each_officers_own_account(
    client: TestClient, web: Any
) -> None:
    auth = web.auth("officer")
    day = client.post("/api/shifts", json=DAY, headers=auth).json()["id"]
    evening = client.post("/api/shifts", json=EVENING, headers=auth).json()["id"]
    client.post("/api/calls", json=CALL, headers=auth)
    built = client.post(
        "/api/handovers",
        json={"from_shift": day, "to_shift": evening, "note": "注意鹦鹉花园"},
        headers=auth,
    )
    assert built.status_code == 201
    handover = built.json()
    assert len(handover["sheet"]["open_calls"]) == 1
    path = f"/api/handovers/{handover['id']}/confirm"
    before = duty_rows(web)
    # hq is the incoming officer: it cannot confirm the outgoing side, nor go first.
    refused = client.post(path, json={"side": "outgoing"}, headers=web.auth("hq"))
    assert refused.status_code == 403 and refused.json()["message"].startswith("officer:")
    assert client.post(path, json={"side": "incoming"}, headers=web.auth("hq")).status_code == 409
    assert (
        client.post(path, json={"side": "outgoing"}, headers=web.auth("street")).status_code == 403
    )
    assert client.post(path, json={}, headers=auth).json()["message"].startswith("side:")
    assert duty_rows(web) == before
    assert (
        client.post(path, json={"side": "outgoing"}, headers=auth).json()["outgoing_by"]
        == "officer"
    )
    assert (
        client.post(path, json={"side": "incoming"}, headers=auth).status_code == 403
    )  # officer is not on the evening shift
    done = client.post(path, json={"side": "incoming"}, headers=web.auth("hq")).json()
    assert (done["incoming_by"], done["complete"]) == ("hq", True)
    assert client.get(f"/api/handovers/{handover['id']}", headers=auth).json() == done


def test_the_console_logs_a_call_and_names_a_missing_field(
    client: TestClient, login: Callable[[TestClient, str], str]
) -> None:
    token = login(client, "officer")
    page = client.get("/calls")
    assert page.status_code == 200 and "值班电话记录" in page.text and "尚无来电记录" in page.text
    form = {
        "csrf_token": token,
        "caller_name": "刘芳",
        "place": "",
        "content": "墙皮脱落",
        "recorder": "值班员甲",
        "received_at": "2026-03-02T08:50",
    }
    refused = client.post("/calls", data=form)
    assert refused.status_code == 422 and "输入有误：「地点」" in refused.text
    assert "墙皮脱落" in refused.text  # the officer's typing is kept
    logged = client.post("/calls", data={**form, "place": "琴断口小区5栋"})
    assert logged.status_code == 303
    listed = client.get("/calls").text
    assert "已登记来电第1号" in listed and "琴断口小区5栋" in listed and "3月2日 08:50" in listed
    assert "刘芳" in client.get("/calls", params={"q": "琴断口"}).text
    assert "没有符合" in client.get("/calls", params={"q": "鹦鹉"}).text
    noted = client.post(
        "/calls/1/handling", data={"csrf_token": token, "instruction": "王局长：今晚核实"}
    )
    assert noted.status_code == 303 and "批示尚未落实" in client.get("/calls").text
    client.post("/calls/1/handling", data={"csrf_token": token, "handling": "已派员"})
    assert "批示尚未落实" not in client.get("/calls").text
    closed = client.post("/calls/1/close", data={"csrf_token": token, "reason": "已答复"})
    assert closed.status_code == 303
    assert "已办结（无需立事件）" in client.get("/calls").text


def test_the_console_hands_over_between_two_officers(
    client: TestClient, web: Any, login: Callable[[TestClient, str], str]
) -> None:
    token = login(client, "officer")
    for shift in (
        {
            "starts_at": "2026-03-02T08:00",
            "ends_at": "2026-03-02T16:00",
            "leader": "王副局长",
            "officers": "officer",
        },
        {
            "starts_at": "2026-03-02T16:00",
            "ends_at": "2026-03-03T00:00",
            "leader": "陈副局长",
            "officers": "hq， street",
        },
    ):
        assert client.post("/duty/shifts", data={"csrf_token": token, **shift}).status_code == 303
    assert [s["officers"] for s in client.get("/api/shifts", headers=web.auth("hq")).json()] == [
        ["officer"],
        ["hq", "street"],
    ]
    built = client.post(
        "/duty/handovers",
        data={"csrf_token": token, "from_shift": "1", "to_shift": "2", "note": "夜间注意"},
    )
    assert built.status_code == 303 and built.headers["location"] == "/duty/handovers/1"
    sheet = client.get("/duty/handovers/1").text
    assert "在办事件" in sheet and "夜间注意" in sheet and "确认交班" in sheet
    assert (
        client.post(
            "/duty/handovers/1/confirm", data={"csrf_token": token, "side": "outgoing"}
        ).status_code
        == 303
    )
    # The same officer cannot take over from himself.
    refused = client.post(
        "/duty/handovers/1/confirm", data={"csrf_token": token, "side": "incoming"}
    )
    assert refused.status_code == 403 and "「值班员」不是接班班次的值班员" in refused.text
    assert "已交接" not in client.get("/duty").text
    pdf = client.get("/duty/handovers/1.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    html = client.get(
        "/api/handovers/1/document", params={"format": "html"}, headers=web.auth("hq")
    )
    assert html.status_code == 200 and "夜间注意" in html.text
    bad = client.get("/api/handovers/1/document", params={"format": "doc"}, headers=web.auth("hq"))
    assert bad.status_code == 422 and bad.json()["message"].startswith("format:")
