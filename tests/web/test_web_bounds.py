"""Requests that once answered 500 or were quietly coerced (a red team's fuzzing, issue 14): each
is now a 422 naming the field, and nothing is recorded. On SQLite here; tests/postgres repeats
the ones that only PostgreSQL turned into a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

BIG = 2**63  # one past BIGINT


def _refused(response: Any, *words: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == "invalid_input", body
    for word in words:
        assert word in body["message"], (body["message"], word)
    return body


@pytest.fixture
def incident(
    client: TestClient, web: Any, report_data: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """A level-II incident, verified and activated (the commander may use emergency powers)."""
    created = client.post("/api/incidents", json=report_data(), headers=web.auth("officer"))
    assert created.status_code == 201, created.text
    iid = created.json()["id"]
    for action, who in (("verify", "officer"), ("activate", "hq")):
        response = client.post(f"/api/incidents/{iid}/actions/{action}", headers=web.auth(who))
        assert response.status_code == 200, response.text
    shown: dict[str, Any] = client.get(f"/api/incidents/{iid}", headers=web.auth("hq")).json()
    return shown


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", f"/api/incidents/{BIG}"),
        ("GET", f"/api/incidents/{BIG}/actions"),
        ("GET", f"/api/incidents/{BIG}/report"),
        ("GET", f"/api/incidents/{BIG}/notices/district_government/activation_II"),
        ("POST", f"/api/incidents/{BIG}/actions/verify"),
        ("PATCH", f"/api/users/{BIG}"),
        ("DELETE", f"/api/tokens/{BIG}"),
        ("GET", "/api/incidents/99999999999999999999"),
    ],
)
def test_ids_beyond_bigint_are_refused(
    client: TestClient, web: Any, method: str, path: str
) -> None:
    body = {"display_name": "x"} if method == "PATCH" else None
    _refused(client.request(method, path, json=body, headers=web.auth("officer")), "_id")


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("discovered_at", "0001-01-01T00:00:00+14:00", ["discovered_at", "1900"]),
        ("discovered_at", "9999-12-31T23:59:59-14:00", ["discovered_at", "2199"]),
        ("discovered_at", -1, ["discovered_at", "ISO 8601"]),
        ("reported_at", 1772413200, ["reported_at"]),
        ("drill", "on", ["drill", "boolean"]),
        ("people_at_risk", "120", ["people_at_risk", "integer"]),
        ("dead", True, ["dead", "integer"]),
        ("address", "鹦鹉街\x003栋", ["address", "NUL"]),
        ("description", "裂" * 4001, ["description", "4000"]),
        ("reporter", "张" * 201, ["reporter", "200"]),
    ],
)
def test_report_fields_are_strict(
    client: TestClient,
    web: Any,
    report_data: Callable[..., dict[str, Any]],
    field: str,
    value: Any,
    words: list[str],
) -> None:
    _refused(
        client.post(
            "/api/incidents", json=report_data(**{field: value}), headers=web.auth("officer")
        ),
        *words,
    )
    assert client.get("/api/incidents", headers=web.auth("officer")).json() == []


@pytest.mark.parametrize(
    "action,who,body,words",
    [
        ("verify", "officer", {"at": "0001-01-01T00:00:00+14:00"}, ["at", "1900"]),
        ("verify", "officer", {"at": -1}, ["at", "ISO 8601"]),
        (
            "draft_statement",
            "hq",
            {"data": {"text": "通报", "statement": "1"}},
            ["data.statement", "integer"],
        ),
        (
            "use_emergency_power",
            "hq",
            {"data": {"measure": "demolish_adjacent", "detail": "拆" * 5000}},
            ["detail", "4000"],
        ),
        (
            "use_emergency_power",
            "hq",
            {"data": {"measure": "other", "detail": "封\x00路"}},
            ["detail", "NUL"],
        ),
        (
            "record_report",
            "hq",
            '{"data": {"to": "district_government", "content": 1e400}}',
            ["data", "finite", "content"],
        ),
    ],
)
def test_action_data_is_strict(
    client: TestClient,
    web: Any,
    incident: dict[str, Any],
    action: str,
    who: str,
    body: dict[str, Any] | str,
    words: list[str],
) -> None:
    """`body` as text: JSON that Python reads but cannot write back (1e400 is infinite)."""
    iid = incident["id"]
    sent = (
        {"content": body, "headers": {**web.auth(who), "Content-Type": "application/json"}}
        if isinstance(body, str)
        else {"json": body, "headers": web.auth(who)}
    )
    _refused(client.post(f"/api/incidents/{iid}/actions/{action}", **sent), *words)
    assert client.get(f"/api/incidents/{iid}", headers=web.auth("hq")).json() == incident


def test_codes_in_paths_and_queries_are_checked(
    client: TestClient, web: Any, incident: dict[str, Any]
) -> None:
    iid = incident["id"]
    _refused(
        client.get(
            f"/api/incidents/{iid}/notices/district%00government/activation_II",
            headers=web.auth("hq"),
        ),
        "unit",
    )
    _refused(
        client.get("/api/incidents", params={"state": "active\x00"}, headers=web.auth("hq")),
        "state",
    )
    _refused(
        client.post(f"/api/incidents/{iid}/actions/ver%00ify", headers=web.auth("hq")), "action"
    )
    _refused(
        client.post(
            f"/api/incidents/{iid}/actions/verify",
            headers={**web.auth("officer"), "Idempotency-Key": "k" * 201},
        ),
        "Idempotency-Key",
    )


def test_accounts_are_strict_and_bounded(client: TestClient, web: Any) -> None:
    admin = web.auth("officer")
    user = {
        "username": "zhang",
        "display_name": "张三",
        "unit": "street_office",
        "password": "long enough 1",
    }
    _refused(client.post("/api/users", json={**user, "is_admin": "on"}, headers=admin), "is_admin")
    _refused(
        client.post("/api/users", json={**user, "display_name": "张" * 201}, headers=admin),
        "display_name",
        "200",
    )
    _refused(
        client.post("/api/users", json={**user, "display_name": "张\x00三"}, headers=admin),
        "display_name",
        "NUL",
    )
    assert "zhang" not in {u["username"] for u in client.get("/api/users", headers=admin).json()}
    hq_id = next(
        u["id"] for u in client.get("/api/users", headers=admin).json() if u["username"] == "hq"
    )
    _refused(client.patch(f"/api/users/{hq_id}", json={"active": 0}, headers=admin), "active")
    _refused(client.post("/api/tokens", json={"name": "t" * 201}, headers=admin), "name")


def test_json_bodies_are_bounded_before_parsing(client: TestClient, web: Any) -> None:
    headers = {**web.auth("officer"), "Content-Type": "application/json"}
    _refused(client.post("/api/classify", content="[" * 100_000, headers=headers), "body", "nested")
    _refused(
        client.post(
            "/api/classify", content='{"condition": "' + "x" * 1_000_001 + '"}', headers=headers
        ),
        "body",
        "bytes",
    )
    _refused(
        client.post("/api/classify", content=b'{"condition": "\xff"}', headers=headers),
        "body",
        "UTF-8",
    )


def test_an_internal_error_answers_a_generic_message(
    web: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error's text holds the SQL and its parameters (a password hash, say): the
    answer carries neither."""

    def failing(*_: object, **__: object) -> Any:
        raise sa.exc.DataError(
            "INSERT INTO web_user (password_hash) VALUES (%(h)s)",
            {"h": "$argon2id$v=19$secret"},
            Exception("value too long"),
        )

    monkeypatch.setattr(web.service, "show", failing)
    with TestClient(web.app, raise_server_exceptions=False) as client:
        response = client.get("/api/incidents/1", headers=web.auth("officer"))
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "internal"
    for secret in ("INSERT", "argon2", "password_hash", "too long"):
        assert secret not in body["message"], body


def test_console_counts_take_ascii_digits_only() -> None:
    """'²' passes str.isdigit() but not int(): a refusal naming the field, not a 500."""
    from engine.errors import InvalidInput
    from web.forms import Field, parse

    with pytest.raises(InvalidInput, match="dead"):
        parse((Field("dead", "死亡", "count"),), {"dead": "²"}, lambda _: [])
    assert parse(
        (Field("statement", "发布稿", "statement_any"),), {"statement": "٣"}, lambda _: []
    ) == {"statement": "٣"}
