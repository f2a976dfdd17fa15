"""An install from before the keys left the database, upgraded: the signing key its `secret` table
held is gone, so a session forged with a key taken from a copy of the database is refused; its
timeline is chained by `audit seal` and verifies from then on."""

from __future__ import annotations

import json
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from engine.clock import ManualClock
from engine.db import alembic_config, make_engine, migrating
from engine.plan import Plan
from engine.service import IncidentService, load_workflow
from engine.settings import Settings
from web.app import create_app
from web.auth import WebSettings

WORKFLOW = "workflows.housing_safety:WORKFLOW"
STOLEN = "the-session-key-a-backup-copy-held"


def _at_revision(url: str, revision: str, up: bool = True) -> None:
    engine = make_engine(url)
    config = alembic_config(url)
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        (command.upgrade if up else command.downgrade)(config, revision)
    engine.dispose()


def _cookie(secret: str, session: dict[str, object]) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it."""
    data = b64encode(json.dumps(session).encode("utf-8"))
    return TimestampSigner(secret).sign(data).decode("utf-8")


def test_a_session_forged_with_the_database_key_is_refused(
    tmp_path: Path, plan: Plan, clock: ManualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _at_revision(url, "0003")
    with make_engine(url).begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO secret (name, value, created_at) VALUES "
                "('session', :v, :t), ('ack_links', :v, :t)"
            ),
            {"v": STOLEN, "t": datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)},
        )
    service = IncidentService(url, plan, load_workflow(WORKFLOW), clock=clock)  # upgrades
    with service.db.connect() as connection:
        assert "secret" not in sa.inspect(connection).get_table_names()
    app = create_app(service, Settings(db_url=url), WebSettings(), run_scheduler=False)
    admin = app.state.accounts.create_user(
        "admin", "管理员", "district_housing_bureau", "a long password", is_admin=True
    )
    assert admin.id is not None
    sid = app.state.accounts.open_session(admin.id, 12)  # a real session: only the key is forged
    session = {"sid": sid, "av": admin.auth_version, "csrf": "x"}
    with TestClient(app) as client:
        client.cookies.set("fangan_session", _cookie(STOLEN, session))
        assert client.get("/api/me").status_code == 401
        client.cookies.set("fangan_session", _cookie(service.keys.session, session))
        assert client.get("/api/me").status_code == 200  # the forging itself is right
    assert service.keys.session != STOLEN and service.keys.ack_links != STOLEN


def test_an_upgraded_timeline_is_sealed_once_then_verifies(
    tmp_path: Path, plan: Plan, clock: ManualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    service = IncidentService(url, plan, load_workflow(WORKFLOW), clock=clock)
    incident = service.report(
        {
            "address": "某小区3栋",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": clock().isoformat(),
        }
    )
    clock.advance(minutes=5)
    service.act(incident["id"], "verify", actor="district_housing_bureau", data={"injured": 1})
    service.db.dispose()
    _at_revision(url, "0003", up=False)  # the same record, as an install before the chain had it

    upgraded = IncidentService(url, plan, load_workflow(WORKFLOW), clock=clock)
    [before] = upgraded.verify_audit()
    assert [p.problem for p in before.problems] == ["unsealed"]
    clock.advance(minutes=5)  # written after the upgrade, before the seal: chained already
    upgraded.act(incident["id"], "verify", actor="district_housing_bureau", data={"injured": 2})
    sealed, refused = upgraded.seal_audit()
    assert (sealed, refused) == ([incident["id"]], [])
    [after] = upgraded.verify_audit()
    assert after.ok and after.events == len(upgraded.show(incident["id"])["timeline"])
    assert upgraded.seal_audit() == ([], [])
