"""Actions on one incident are serialised (SPEC, record keeping): two processes racing
contradictory actions never both apply, and a database busy beyond its timeout is `conflict`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.errors import Conflict
from engine.plan import Plan
from engine.service import IncidentService, load_workflow
from tests.race import REPORT, race_contradictory

PAIRS = 50


def test_contradictory_actions_from_two_processes_never_both_apply(
    service: IncidentService, clock: ManualClock
) -> None:
    assert race_contradictory(service, clock(), PAIRS) == (0, [])


def test_a_database_busy_beyond_its_timeout_is_a_conflict(
    service: IncidentService, plan: Plan, clock: ManualClock, tmp_path: Path
) -> None:
    incident = service.report(REPORT)["id"]
    path = tmp_path / "fangan.db"
    impatient = IncidentService(
        f"sqlite:///{path}?timeout=0.2",
        plan,
        load_workflow("workflows.housing_safety:WORKFLOW"),
        clock=clock,
    )
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Conflict, match="busy"):
            impatient.act(incident, "activate", actor="district_hq")
        assert impatient.show(incident)["state"] == "reported"  # a read does not wait
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert service.act(incident, "activate", actor="district_hq")["state"] == "active"


def test_busy_database_answers_conflict_with_exit_2_in_the_cli(cli, tmp_path: Path) -> None:
    code, shown, _ = cli("incident", "report", stdin=REPORT)
    assert code == 0
    holder = sqlite3.connect(tmp_path / "cli.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        cli.db_url += "?timeout=0.2"
        code, out, err = cli(
            "incident", "act", str(shown["id"]), "activate", "--actor", "district_hq"
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (code, out, cli.error(err)["error"]) == (2, None, "conflict")
