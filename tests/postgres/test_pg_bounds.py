"""On PostgreSQL, the inputs that once answered 500 there (issue 14): a NUL character in text,
text longer than its varchar column, and an error message that echoed the SQL parameters with
a password hash. Refused with the field named before the database sees them; a database error
that does happen answers a generic message."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.fuzz.support import build_app
from tests.postgres.support import fresh

REPORT = {
    "address": "鹦鹉街3栋",
    "street": "yingwu",
    "condition": "imminent_collapse",
    "discovered_at": "2026-03-02T08:40:00+08:00",
}
SECRETS = ("argon2", "password_hash", "INSERT", "parameters")


def _refused(response: Any, *words: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"
    for word in words:
        assert word in response.json()["message"], response.json()


def test_nul_and_overlong_text_are_refused_on_postgres(pg_url: str) -> None:
    app, token = build_app(fresh(pg_url))
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        _refused(
            client.post("/api/incidents", json={**REPORT, "address": "鹦鹉\x00街"}, headers=auth),
            "address",
            "NUL",
        )
        iid = client.post("/api/incidents", json=REPORT, headers=auth).json()["id"]
        assert (
            client.post(f"/api/incidents/{iid}/actions/activate", headers=auth).status_code == 200
        )
        _refused(
            client.post(
                f"/api/incidents/{iid}/actions/use_emergency_power",
                headers=auth,
                json={"data": {"measure": "demolish_adjacent", "detail": "拆" * 5000}},
            ),
            "detail",
            "4000",
        )
        _refused(
            client.get(f"/api/incidents/{iid}/notices/x%00/activation_II", headers=auth), "unit"
        )
        _refused(
            client.post(
                "/api/users",
                headers=auth,
                json={
                    "username": "zhang",
                    "display_name": "张" * 201,
                    "unit": "street_office",
                    "password": "long enough 1",
                },
            ),
            "display_name",
            "200",
        )
        assert [i["id"] for i in client.get("/api/incidents", headers=auth).json()] == [iid]


def test_cli_names_the_field_on_postgres(pg_url: str, cli_main: Any) -> None:
    cli_main.db_url = fresh(pg_url)
    code, _, err = cli_main(
        "user",
        "create",
        "--username",
        "zhang",
        "--name",
        "张" * 201,
        "--unit",
        "street_office",
        "--street",
        "yingwu",
        "--password-stdin",
        stdin="long enough 1\n",
    )
    assert code == 2, err
    error = cli_main.error(err)
    assert error["error"] == "invalid_input" and "display_name" in error["message"]
    assert not any(secret in err for secret in SECRETS), err


def test_a_database_error_answers_a_generic_message(pg_url: str, cli_main: Any) -> None:
    """A column narrower in the database than in the model: PostgreSQL refuses the INSERT with
    its SQL and parameters (the password hash) in the exception; nobody is shown them."""
    app, token = build_app(fresh(pg_url))
    with sa.create_engine(pg_url).begin() as conn:
        conn.execute(sa.text("ALTER TABLE web_user ALTER COLUMN display_name TYPE varchar(4)"))
    user = {
        "username": "zhang",
        "display_name": "张三丰先生",
        "unit": "street_office",
        "street": "yingwu",
        "password": "long enough 1",
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            "/api/users", json=user, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 500
    assert response.json()["error"] == "internal"
    assert not any(secret in response.text for secret in SECRETS), response.text

    cli_main.db_url = pg_url
    code, _, err = cli_main(
        "user",
        "create",
        "--username",
        "li",
        "--name",
        "李四先生好",
        "--unit",
        "street_office",
        "--street",
        "yingwu",
        "--password-stdin",
        stdin="long enough 1\n",
    )
    assert code == 1, err
    assert cli_main.error(err)["error"] == "internal"
    assert not any(secret in err for secret in SECRETS), err
