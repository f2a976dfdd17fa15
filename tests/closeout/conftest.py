"""Fixtures for command and close-out (issue 5): the on-site command, emergency powers,
information release, termination, the investigation report and the aftermath.

Everything goes through `IncidentService` (or `main.py`) on a temporary SQLite file, with the
engine's clock a `ManualClock` that the scenario moves by hand.

- `desk`: acts on incidents, checks that a refusal raised the expected error and changed nothing.
- `level_ii` / `level_i`: an incident activated at II / I, as its id.
- `full_incident`: a whole I-level incident up to an investigation in progress, with corrected
  facts, a deadline met late, one missed, emergency powers, statements and acknowledgements.
  Its figures are in `FULL` so that tests can look for them in the rendered report.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.clock import ManualClock
from engine.errors import FanganError
from engine.plan import Plan
from engine.service import IncidentService, load_workflow

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKFLOW_REF = "workflows.housing_safety:WORKFLOW"
ELIMINATED = {"experts": ["张建国（结构）"], "appraisers": ["李明（区房屋安全鉴定站）"]}
TERMINATE = {  # §4.4: who proposes, approves, announces at each level
    "III": ("district_housing_bureau", "district_hq", "district_housing_bureau"),
    "II": ("district_hq", "city_hq_office", "district_hq"),
    "I": ("city_hq", "city_emergency_committee", "district_hq"),
}
TERMINATION_STEPS = ("propose_termination", "approve_termination", "announce_termination")

# The whole I-level incident of `full_incident`, as its numbers should appear in the report.
FULL = {
    "address": "鹦鹉大道318号3栋",
    "dead": 2,
    "missing": 1,
    "injured": 6,
    "loss_yuan": 2_350_000,
    "initial_report_late_minutes": 12,  # due 08:20 + 1 h = 09:20, met 09:32
    "city_hq_report_late_minutes": 200,  # due 09:40, never met; measured at 13:00
}


class Desk:
    """The desk of the district HQ: every action through the service, at the clock's time."""

    def __init__(self, service: IncidentService, clock: ManualClock) -> None:
        self.service = service
        self.clock = clock

    def at(self, hour: int, minute: int) -> datetime:
        """Move the clock to hh:mm in Wuhan on the scenario's day (2 March 2026)."""
        instant = datetime(2026, 3, 2, hour, minute, tzinfo=SHANGHAI)
        assert instant >= self.clock.now, "the scenario's clock only moves forwards"
        self.clock.set(instant)
        return instant

    def report(self, **facts: Any) -> int:
        data = {
            "address": "汉阳区晴川街龟山北路1号",
            "street": "qingchuan",
            "condition": "hidden_danger",
            "discovered_at": (self.clock.now - timedelta(minutes=10)).isoformat(),
        } | facts
        incident_id: int = self.service.report(data)["id"]
        return incident_id

    def act(
        self, incident_id: int, action: str, actor: str, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self.service.act(incident_id, action, actor=actor, data=data)

    def refused(
        self,
        incident_id: int,
        action: str,
        actor: str,
        data: dict[str, Any] | None = None,
        *,
        error: type[FanganError] = FanganError,
    ) -> FanganError:
        """The action is refused with `error`, and the incident is exactly as it was."""
        before = self.service.show(incident_id)
        with pytest.raises(error) as caught:
            self.service.act(incident_id, action, actor=actor, data=data)
        assert self.service.show(incident_id) == before, f"refused {action} changed the incident"
        return caught.value

    def terminate(self, incident_id: int, level: str) -> dict[str, Any]:
        view: dict[str, Any] = {}
        for action, actor in zip(TERMINATION_STEPS, TERMINATE[level], strict=True):
            self.clock.advance(minutes=5)
            view = self.act(incident_id, action, actor)
        return view

    def activate(self, level: str, **facts: Any) -> int:
        condition = {"II": "imminent_collapse", "I": "partial_collapse"}[level]
        incident_id = self.report(condition=condition, people_at_risk=60, **facts)
        self.act(incident_id, "activate", "district_hq")
        return incident_id


def new_service(db_url: str, plan: Plan, clock: ManualClock) -> IncidentService:
    return IncidentService(db_url, plan, load_workflow(WORKFLOW_REF), clock=clock)


@pytest.fixture
def desk(service: IncidentService, clock: ManualClock) -> Desk:
    return Desk(service, clock)


@pytest.fixture
def level_ii(desk: Desk) -> int:
    return desk.activate("II")


@pytest.fixture
def level_i(desk: Desk) -> int:
    return desk.activate("I", dead=1)


def run_full_incident(desk: Desk) -> int:
    """A partial collapse in 鹦鹉街, 2 March 2026, from report to an investigation under way."""
    desk.at(9, 0)
    iid = desk.report(
        condition="partial_collapse",
        street="yingwu",
        address=FULL["address"],
        discovered_at="2026-03-02T08:20:00+08:00",
        dead=1,
        missing=1,
        injured=4,
        economic_loss_yuan=2_000_000,
        people_at_risk=80,
        reporter="社区网格员王芳",
        description="3栋东侧单元二层以上局部坍塌，有人员被困。",
    )
    desk.at(9, 5)  # on site: one more dead, two more injured, the loss re-estimated
    desk.act(
        iid,
        "verify",
        "district_housing_bureau",
        {"dead": FULL["dead"], "injured": FULL["injured"], "economic_loss_yuan": FULL["loss_yuan"]},
    )
    desk.at(9, 10)
    desk.act(iid, "activate", "district_hq")
    desk.at(9, 15)
    desk.act(
        iid,
        "amend_group",
        "district_hq",
        {
            "group": "rescue",
            "add_units": ["district_emergency_bureau"],
            "leader_name": "区房管局副局长陈刚",
        },
    )
    desk.act(iid, "acknowledge", "district_public_security")
    desk.act(iid, "acknowledge", "district_health_commission")
    desk.at(9, 20)
    desk.act(
        iid,
        "use_emergency_power",
        "district_hq",
        {"measure": "cut_supply", "detail": "切断3栋及相邻4栋供电、供气"},
    )
    desk.at(9, 25)
    desk.act(
        iid,
        "use_emergency_power",
        "district_hq",
        {"measure": "demolish_adjacent", "detail": "拆除毗邻自建围墙12米以开辟救援通道"},
    )
    desk.at(9, 30)
    desk.act(iid, "record_report", "district_housing_bureau", {"to": "district_government"})
    desk.at(9, 32)  # the city half of the initial report, 12 minutes late
    desk.act(iid, "record_report", "duty_officer", {"to": "city_housing_bureau"})
    desk.at(10, 0)
    desk.act(
        iid,
        "draft_statement",
        "district_hq_office",
        {"text": "鹦鹉街一居民楼局部坍塌，救援正在进行。"},
    )
    desk.act(iid, "approve_statement", "district_publicity_dept", {"statement": 1})
    desk.act(iid, "release_statement", "district_spokesperson", {"statement": 1})
    desk.at(11, 0)
    desk.act(iid, "eliminate_danger", "district_housing_bureau", ELIMINATED)
    desk.terminate(iid, "I")
    desk.at(12, 0)
    desk.act(iid, "start_investigation", "district_hq")
    desk.act(
        iid,
        "open_obligation",
        "district_government",
        {
            "kind": "compensation",
            "detail": "遇难者家属抚恤及受伤人员医疗费用",
            "owner": "district_civil_affairs",
        },
    )
    desk.at(13, 0)
    return iid


@pytest.fixture
def full_incident(desk: Desk) -> int:
    return run_full_incident(desk)


@pytest.fixture
def cli_incident(cli: Any, plan: Plan, clock: ManualClock) -> tuple[Desk, int]:
    """`full_incident` recorded in the database the `cli` fixture's `main.py` runs on."""
    desk = Desk(new_service(cli.db_url, plan, clock), clock)
    return desk, run_full_incident(desk)


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    out = tmp_path / "reports"
    out.mkdir()
    return out
