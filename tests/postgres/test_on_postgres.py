"""The same engine on a real PostgreSQL server: migrations, a whole II incident to close,
timers with their uniqueness guarantee under two concurrent engines, and time zones."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from engine.clock import ManualClock
from engine.plan import load_plan
from engine.service import IncidentService, load_workflow
from engine.timers import Fired
from tests.postgres.support import fresh
from web.accounts import Accounts
from web.throttle import LoginThrottle

START = datetime.fromisoformat("2026-11-22T03:00:00+08:00")
SECTIONS = {
    "unit_overview": "某物业公司管理的砖混结构住宅",
    "course_and_rescue": "03:00发现墙体开裂",
    "casualties_and_loss": "无人员伤亡",
    "cause_and_nature": "年久失修，属责任事件",
    "responsibility_and_handling": "建议对物业公司约谈",
    "prevention_and_rectification": "开展全区同类房屋排查",
}


def new_service(url: str, clock: ManualClock) -> IncidentService:
    return IncidentService(
        url,
        load_plan(),
        load_workflow("workflows.housing_safety:WORKFLOW"),
        clock=clock,
        secret_key="postgres-test-secret",
    )


def test_whole_level_II_incident_on_postgres(pg_url: str) -> None:
    clock = ManualClock(START)
    service = new_service(fresh(pg_url), clock)
    incident = service.report(
        {
            "address": "某小区3栋",
            "street": "jiangdi",
            "condition": "imminent_collapse",
            "discovered_at": "2026-11-21T18:30:00Z",
            "people_at_risk": 150,
        }
    )
    assert incident["discovered_at"] == "2026-11-22T02:30:00+08:00"
    steps = [
        ("verify", "district_housing_bureau", {}),
        ("activate", "district_hq", None),
        ("record_report", "duty_officer", {"to": "city_housing_bureau"}),
        ("record_report", "district_hq", {"to": "district_government"}),
        (
            "eliminate_danger",
            "district_housing_bureau",
            {"experts": ["王工"], "appraisers": ["李工"]},
        ),
        ("propose_termination", "district_hq", None),
        ("approve_termination", "city_hq_office", None),
        ("announce_termination", "district_hq", None),
        ("start_investigation", "district_hq", None),
        ("submit_report", "district_hq", {"sections": SECTIONS}),
        ("close", "district_hq", None),
    ]
    for action, actor, data in steps:
        clock.advance(minutes=3)
        shown = service.act(incident["id"], action, actor=actor, data=data)
    assert shown["state"] == "closed"
    statuses = {d["code"]: d["status"] for d in shown["deadlines"]}
    assert statuses["initial_report"] == "met"
    assert statuses["activation_report"] == "met"


def test_two_engines_on_postgres_fire_each_alert_once(pg_url: str) -> None:
    clock = ManualClock(START)
    url = fresh(pg_url)
    first, second = new_service(url, clock), new_service(url, clock)
    for _ in range(15):
        first.report(
            {
                "address": "某号",
                "street": "sixin",
                "condition": "hidden_danger",
                "discovered_at": (START - timedelta(minutes=10)).isoformat(),
            }
        )
    clock.set(START + timedelta(hours=2))
    results: list[list[Fired]] = []
    barrier = threading.Barrier(2)

    def run(service: IncidentService) -> None:
        barrier.wait()
        results.append(service.tick())

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [(a.incident_id, a.deadline, a.kind, a.step) for r in results for a in r]
    assert len(keys) == 15 and len(set(keys)) == 15
    assert first.tick() == [] and second.tick() == []


def test_logins_on_postgres_throttle_across_engines_and_sessions_end(pg_url: str) -> None:
    """web_login_failure and web_session on PostgreSQL: one count for two engines, a burst of
    six processes when the delay ends gets one try, a logged-out session is gone."""
    clock = ManualClock(START)
    url = fresh(pg_url)
    first, second = new_service(url, clock), new_service(url, clock)
    here, there = LoginThrottle(first.db, clock), LoginThrottle(second.db, clock)
    assert [here.charge("officer", "203.0.113.1") for _ in range(3)] == [0, 0, 0]
    assert there.charge("officer", "203.0.113.1") == 1
    assert there.charge("officer", "10.0.0.2") == 0  # another address is not held up
    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as work:
        go = Path(work) / "go"
        at = (START + timedelta(seconds=1)).isoformat()
        children = [
            subprocess.Popen(
                [sys.executable, str(root / "tests/web/login_burst.py"), url, str(go), at, str(n)],
                cwd=root,
                env={**os.environ, "PYTHONPATH": str(root)},
                stdout=subprocess.PIPE,
                text=True,
            )
            for n in range(6)
        ]
        deadline = time.monotonic() + 60
        while len(list(Path(work).glob("go.ready.*"))) < 6 and time.monotonic() < deadline:
            assert all(child.poll() is None for child in children)
            time.sleep(0.05)
        go.touch()
        waits = sorted(int(child.communicate(timeout=60)[0]) for child in children)
    assert waits == [0] + [2] * 5
    accounts = Accounts(first.db, first.plan, clock)
    user = accounts.create_user("officer", "值班员甲", "district_housing_bureau", "long enough")
    assert user.id is not None
    sid = accounts.open_session(user.id, 12)
    assert Accounts(second.db, second.plan, clock).session_user(sid) == user
    accounts.end_session(sid)
    assert Accounts(second.db, second.plan, clock).session_user(sid) is None


def test_catch_up_and_actions_on_the_same_incidents_keep_every_chain(pg_url: str) -> None:
    """The bulk catch-up takes the chain heads it appends to; actions take theirs with the
    incident: run at once on PostgreSQL, every action goes through and every chain verifies."""
    clock = ManualClock(START)
    url = fresh(pg_url)
    ticker, actor = new_service(url, clock), new_service(url, clock)
    ids = [
        ticker.report(
            {
                "address": "某号",
                "street": "sixin",
                "condition": "hidden_danger",
                "discovered_at": (START - timedelta(minutes=10)).isoformat(),
            }
        )["id"]
        for _ in range(12)
    ]
    failures: list[BaseException] = []
    barrier = threading.Barrier(2)

    def tick() -> None:
        barrier.wait()
        for minutes in range(30, 150, 10):
            ticker.tick(START + timedelta(minutes=minutes))

    def act() -> None:
        barrier.wait()
        for round_ in range(3):
            for incident_id in ids:
                try:
                    actor.act(
                        incident_id,
                        "verify",
                        actor="district_housing_bureau",
                        data={"injured": round_ + 1},
                    )
                except BaseException as exc:  # collected and asserted below
                    failures.append(exc)

    clock.set(START + timedelta(hours=3))
    threads = [threading.Thread(target=tick), threading.Thread(target=act)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    verdicts = ticker.verify_audit()
    assert [v.incident_id for v in verdicts if not v.ok] == []
    assert all(v.events > 6 for v in verdicts)
