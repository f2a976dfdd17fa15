"""Upgrading an install that holds records: every table rebuild of SQLite's batch mode keeps
the rows and their references (foreign keys are off while a migration runs, checked after)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from engine.clock import ManualClock
from engine.db import alembic_config, make_engine, migrating
from engine.plan import Plan
from engine.service import IncidentService, load_workflow

WORKFLOW = "workflows.housing_safety:WORKFLOW"
TABLES = ("incident", "notice", "delivery", "deadline", "timeline_event")


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES
        }


def test_down_to_0003_and_up_again_keeps_every_row(
    tmp_path: Path, plan: Plan, clock: ManualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    service = IncidentService(url, plan, load_workflow(WORKFLOW), clock=clock)
    incident = service.report(
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "imminent_collapse",
            "people_at_risk": 120,
            "discovered_at": clock().isoformat(),
        }
    )
    clock.advance(minutes=5)
    service.act(incident["id"], "activate", actor="district_hq")
    before = _counts(service.db)
    assert before["notice"] > 0 and before["delivery"] > 0
    service.db.dispose()
    engine = make_engine(url)
    config = alembic_config(url)
    for step, revision in ((command.downgrade, "0003"), (command.upgrade, "head")):
        with migrating(engine) as connection:
            config.attributes["connection"] = connection
            step(config, revision)
    assert _counts(engine) == before
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
