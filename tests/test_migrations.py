"""Upgrading an install that holds records: every table rebuild of SQLite's batch mode keeps
the rows and their references (foreign keys are off while a migration runs, checked after)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from engine.clock import ManualClock
from engine.db import alembic_config, make_engine, migrate, migrating
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


def test_the_migrations_build_exactly_the_tables_the_models_declare(tmp_path: Path) -> None:
    """One source of truth for the schema: what `alembic -x models=main revision
    --autogenerate` would write after the chain ran is nothing (every package's tables and
    indexes, the kernel's, the web side's and the workflow's, agree with the migrations)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import main

    main.load_all()  # the composition root's parts, and so every package's tables

    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
