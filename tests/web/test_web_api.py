"""The REST API: authentication, the caller's unit as the actor, error bodies with the CLI's
codes, 422 naming the field, idempotent replays, accounts and the report download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from loguru import logger


def test_every_route_needs_a_user(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/incidents"),
        ("GET", "/api/incidents/1"),
        ("POST", "/api/incidents"),
        ("POST", "/api/classify"),
        ("POST", "/api/incidents/1/actions/verify"),
        ("GET", "/api/users"),
    ]:
        response = client.request(method, path, json={})
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "unauthorized"
    bad = client.get("/api/incidents", headers={"Authorization": "Bearer fa_nope"})
    assert bad.status_code == 401
    assert bad.json() == {
        "error": "unauthorized",
        "message": "the bearer token is unknown or revoked",
    }


def test_report_show_list_as_the_callers_unit(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    created = client.post("/api/incidents", json=report_data(), headers=web.auth("officer"))
    assert created.status_code == 201, created.text
    incident = created.json()
    assert created.headers["Location"] == f"/api/incidents/{incident['id']}"
    assert (incident["grade"], incident["response_level"]) == ("relatively_serious", "II")
    reported = next(e for e in incident["timeline"] if e["kind"] == "reported")
    assert (reported["actor"], reported["person"]) == ("district_housing_bureau", "值班员甲")

    shown = client.get(f"/api/incidents/{incident['id']}", headers=web.auth("hq")).json()
    assert shown["id"] == incident["id"]
    listed = client.get("/api/incidents?open=true&order=urgency", headers=web.auth("hq")).json()
    assert [i["id"] for i in listed] == [incident["id"]]
    missing = client.get("/api/incidents/999", headers=web.auth("hq"))
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "message": "incident 999 does not exist"}


def test_validation_errors_name_the_field(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    body = report_data()
    del body["address"]
    response = client.post(
        "/api/incidents",
        json={**body, "discovered_at": "2026-03-02T08:40"},
        headers=web.auth("officer"),
    )
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "invalid_input"
    assert {f["field"] for f in error["fields"]} == {"address", "discovered_at"}
    assert error["message"].startswith("address: required")

    unknown = client.post(
        "/api/incidents", json=report_data(street="nowhere"), headers=web.auth("officer")
    )
    assert unknown.status_code == 422
    assert unknown.json()["message"].startswith("street: unknown street 'nowhere'")

    classify = client.post(
        "/api/classify",
        json={"condition": "partial_collapse", "dead": -1},
        headers=web.auth("officer"),
    )
    assert classify.status_code == 422
    assert classify.json()["fields"][0]["field"] == "dead"


def test_nobody_acts_as_another_unit(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    incident = client.post("/api/incidents", json=report_data(), headers=web.auth("officer")).json()
    path = f"/api/incidents/{incident['id']}/actions/activate"
    # Level II is activated by 区指挥部 only: 区房管局 is refused, naming who may.
    refused = client.post(path, json={}, headers=web.auth("officer"))
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert "district_hq" in refused.json()["message"]
    # Claiming to be 区指挥部 does not help.
    spoofed = client.post(path, json={"actor": "district_hq"}, headers=web.auth("officer"))
    assert spoofed.status_code == 403
    assert "your own unit" in spoofed.json()["message"]
    done = client.post(path, json={}, headers=web.auth("hq"))
    assert done.status_code == 200, done.text
    activated = next(e for e in done.json()["timeline"] if e["kind"] == "activated")
    assert (activated["actor"], activated["person"]) == ("district_hq", "指挥部乙")
    again = client.post(path, json={}, headers=web.auth("hq"))
    assert again.status_code == 409
    assert again.json()["error"] == "invalid_state"


def test_my_actions_are_available_and_allowed(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    incident = client.post("/api/incidents", json=report_data(), headers=web.auth("officer")).json()
    path = f"/api/incidents/{incident['id']}/actions"
    officer = {a["action"] for a in client.get(path, headers=web.auth("officer")).json()}
    hq = {a["action"] for a in client.get(path, headers=web.auth("hq")).json()}
    assert {"verify", "dismiss", "record_report"} <= officer
    assert "activate" not in officer
    assert "activate" in hq and "verify" not in hq


def test_idempotent_report_and_act(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    headers = {**web.auth("officer"), "Idempotency-Key": "call-0300-1"}
    first = client.post("/api/incidents", json=report_data(), headers=headers)
    second = client.post("/api/incidents", json=report_data(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(client.get("/api/incidents", headers=web.auth("officer")).json()) == 1

    other = client.post("/api/incidents", json=report_data(address="别处"), headers=headers)
    assert other.status_code == 422
    assert other.json()["message"].startswith("Idempotency-Key")

    # The same key of another user is another key.
    hq_first = client.post(
        "/api/incidents",
        json=report_data(),
        headers={**web.auth("hq"), "Idempotency-Key": "call-0300-1"},
    )
    assert hq_first.status_code == 201 and hq_first.json()["id"] != first.json()["id"]

    act = f"/api/incidents/{first.json()['id']}/actions/record_report"
    body = {"data": {"to": "city_housing_bureau", "channel": "电话"}}
    key = {**web.auth("officer"), "Idempotency-Key": "rr-1"}
    results = [client.post(act, json=body, headers=key) for _ in range(3)]
    assert {r.status_code for r in results} == {200}
    timeline = client.get(
        f"/api/incidents/{first.json()['id']}", headers=web.auth("officer")
    ).json()["timeline"]
    assert [e["kind"] for e in timeline].count("report_recorded") == 1


def test_a_refused_request_frees_its_key(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    incident = client.post("/api/incidents", json=report_data(), headers=web.auth("officer")).json()
    path = f"/api/incidents/{incident['id']}/actions/dismiss"
    headers = {**web.auth("officer"), "Idempotency-Key": "d-1"}
    refused = client.post(path, json={"data": {}}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["message"].startswith("data.reason")
    refused_again = client.post(path, json={"data": {}}, headers=headers)
    assert refused_again.status_code == 422  # run again, not replayed


def test_session_requests_need_the_csrf_header(
    client: TestClient, login: Callable[[TestClient, str], str]
) -> None:
    csrf = login(client, "officer")
    facts = {"condition": "total_collapse", "missing": 3}
    assert client.post("/api/classify", json=facts).status_code == 403
    assert (
        client.post("/api/classify", json=facts, headers={"X-CSRF-Token": "wrong"}).status_code
        == 403
    )
    ok = client.post("/api/classify", json=facts, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert (ok.json()["grade"], ok.json()["response_level"]) == ("relatively_serious", "I")
    assert client.get("/api/me").json()["unit"] == "district_housing_bureau"


def test_administrators_manage_users(client: TestClient, web: Any) -> None:
    assert client.get("/api/users", headers=web.auth("hq")).status_code == 403
    created = client.post(
        "/api/users",
        headers=web.auth("officer"),
        json={
            "username": "night",
            "display_name": "夜班",
            "unit": "duty_officer",
            "password": "long enough",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["unit_name"] == "值班员"
    bad_unit = client.post(
        "/api/users",
        headers=web.auth("officer"),
        json={"username": "x2", "display_name": "x", "unit": "nobody", "password": "long enough"},
    )
    assert bad_unit.status_code == 422 and bad_unit.json()["message"].startswith("unit:")
    short = client.post(
        "/api/users",
        headers=web.auth("officer"),
        json={"username": "x3", "display_name": "x", "unit": "district_hq", "password": "short"},
    )
    assert short.status_code == 422 and short.json()["fields"][0]["field"] == "password"
    taken = client.post(
        "/api/users",
        headers=web.auth("officer"),
        json={
            "username": "night",
            "display_name": "x",
            "unit": "district_hq",
            "password": "long enough",
        },
    )
    assert taken.status_code == 409

    # A deactivated user's token stops working; the last administrator cannot be removed.
    hq_id = next(
        u["id"]
        for u in client.get("/api/users", headers=web.auth("officer")).json()
        if u["username"] == "hq"
    )
    client.patch(f"/api/users/{hq_id}", json={"active": False}, headers=web.auth("officer"))
    assert client.get("/api/incidents", headers=web.auth("hq")).status_code == 401
    me = client.get("/api/me", headers=web.auth("officer")).json()
    last = client.patch(
        f"/api/users/{me['id']}", json={"is_admin": False}, headers=web.auth("officer")
    )
    assert last.status_code == 409 and last.json()["error"] == "precondition_failed"


def test_tokens_are_shown_once_and_revocable(client: TestClient, web: Any) -> None:
    created = client.post("/api/tokens", json={"name": "大屏"}, headers=web.auth("street"))
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("fa_")
    listed = client.get("/api/tokens", headers=web.auth("street")).json()
    assert all(t["token"] is None for t in listed)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=bearer).json()["unit"] == "street_office"
    client.delete(f"/api/tokens/{created.json()['id']}", headers=web.auth("street"))
    assert client.get("/api/me", headers=bearer).status_code == 401


def test_no_secrets_in_the_logs(
    client: TestClient, web: Any, password: str, login: Callable[[TestClient, str], str]
) -> None:
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG")
    try:
        csrf = login(client, "officer")
        client.post(
            "/login",
            data={"username": "officer", "password": "wrong password 9", "csrf_token": csrf},
        )
        client.get("/api/me", headers=web.auth("hq"))
        issued = client.post("/api/tokens", json={"name": "t"}, headers=web.auth("hq")).json()
    finally:
        logger.remove(sink)
    text = "".join(lines)
    assert "login officer" in text and "failed login" in text  # the events are logged...
    for secret in (password, "wrong password 9", web.tokens["hq"], issued["token"]):
        assert secret not in text  # ...their secrets are not


def test_documents_download(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> None:
    incident = client.post("/api/incidents", json=report_data(), headers=web.auth("officer")).json()
    path = f"/api/incidents/{incident['id']}/report"
    assert client.get(path + "?format=odt", headers=web.auth("hq")).status_code == 422
    assert client.get("/api/incidents/999/report", headers=web.auth("hq")).status_code == 404
    md = client.get(path + "?format=md", headers=web.auth("hq"))
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"]
    assert "草稿" in md.text and "事件发生单位概况" in md.text
    web.service.act(incident["id"], "activate", actor="district_hq")
    notice = client.get(
        f"/api/incidents/{incident['id']}/notices/street_office/activation_II?format=html",
        headers=web.auth("hq"),
    )
    assert notice.status_code == 200 and "汉阳区房屋安全事故应急指挥部" in notice.text
    missing = client.get(
        f"/api/incidents/{incident['id']}/notices/street_office/termination", headers=web.auth("hq")
    )
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/incidents/{incident_id}/actions/{action}" in schema["paths"]
    report = schema["paths"]["/api/incidents"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in report["parameters"])
