"""The lifecycle (SPEC §4) through IncidentService: report, show, act, with a ManualClock.

Whole incidents at each level, the refusals of the plan's rules, and the reporting deadlines of
R3 as they start and are met on a real (temporary SQLite) record.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.clock import ManualClock
from engine.errors import FanganError, Forbidden, InvalidInput, InvalidState, PreconditionFailed
from engine.plan import Plan
from engine.service import IncidentService

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN = timedelta(minutes=1)
SECTIONS = {
    "unit_overview": "某小区3栋，砖混结构，1985年建成，产权单位某公司。",
    "course_and_rescue": "3月2日8时50分发现墙体开裂，9时启动响应，疏散居民120人。",
    "casualties_and_loss": "无人员伤亡，直接经济损失约200万元。",
    "cause_and_nature": "地基不均匀沉降，属责任事件。",
    "responsibility_and_handling": "产权单位未按期整治，建议依法处理。",
    "prevention_and_rectification": "开展同类房屋排查，建立巡查台账。",
}
ELIMINATED = {"experts": ["张工（结构）"], "appraisers": ["李工（鉴定站）"]}
GROUP_UNITS = {  # §4.3.2: a unit of each of the seven groups of the on-site command
    "district_public_security",
    "district_housing_bureau",
    "district_health_commission",
    "district_traffic_brigade",
    "district_civil_affairs",
    "district_publicity_dept",
    "city_gas_company",
}


def local(t: datetime) -> str:
    return t.astimezone(SHANGHAI).isoformat()


def deadline(view: dict[str, Any], code: str) -> dict[str, Any] | None:
    found = [d for d in view["deadlines"] if d["code"] == code]
    assert len(found) <= 1
    return found[0] if found else None


def codes(view: dict[str, Any]) -> set[str]:
    return {d["code"] for d in view["deadlines"]}


def kinds(view: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in view["timeline"]]


def notified(view: dict[str, Any]) -> set[str]:
    return {n["unit"] for n in view["notices"]}


class Desk:
    """The duty desk: reports and acts through the service, checking after every successful
    action that the timeline only grew (append-only) and every refusal changed nothing."""

    def __init__(self, service: IncidentService, clock: ManualClock) -> None:
        self.service = service
        self.clock = clock

    def report(self, actor: str = "district_housing_bureau", **facts: Any) -> dict[str, Any]:
        data = {
            "address": "汉阳区晴川街龟山北路1号",
            "street": "qingchuan",
            "condition": "hidden_danger",
            "discovered_at": local(self.clock.now - 10 * MIN),
        } | facts
        return self.service.report(data, actor=actor)

    def act(
        self,
        incident_id: int,
        action: str,
        actor: str,
        data: dict[str, Any] | None = None,
        at: Any = None,
    ) -> dict[str, Any]:
        before = self.service.show(incident_id)
        after = self.service.act(incident_id, action, actor=actor, data=data, at=at)
        assert after == self.service.show(incident_id)
        old = Counter(json.dumps(e, sort_keys=True) for e in before["timeline"])
        new = Counter(json.dumps(e, sort_keys=True) for e in after["timeline"])
        assert not old - new, "the timeline is append-only"
        assert sum(new.values()) > sum(old.values()), f"{action} left no trace on the timeline"
        return after

    def refused(
        self,
        incident_id: int,
        action: str,
        actor: str,
        data: dict[str, Any] | None = None,
        at: Any = None,
        error: type[FanganError] = FanganError,
    ) -> FanganError:
        before = self.service.show(incident_id)
        with pytest.raises(error) as caught:
            self.service.act(incident_id, action, actor=actor, data=data, at=at)
        assert self.service.show(incident_id) == before, f"refused {action} changed the incident"
        return caught.value

    def run(
        self,
        incident_id: int,
        steps: list[tuple[str, str, dict[str, Any] | None]],
        checked: bool = True,
    ) -> dict[str, Any]:
        """Take the steps a minute apart; `checked=False` skips the timeline checks (set-up)."""
        view = self.service.show(incident_id)
        for action, actor, data in steps:
            self.clock.advance(minutes=1)
            view = (
                self.act(incident_id, action, actor, data)
                if checked
                else self.service.act(incident_id, action, actor=actor, data=data)
            )
        return view


@pytest.fixture
def desk(service: IncidentService, clock: ManualClock) -> Desk:
    return Desk(service, clock)


TERMINATE = {
    "III": [
        ("propose_termination", "district_housing_bureau", None),
        ("approve_termination", "district_hq", None),
        ("announce_termination", "district_housing_bureau", None),
    ],
    "II": [
        ("propose_termination", "district_hq", None),
        ("approve_termination", "city_hq_office", None),
        ("announce_termination", "district_hq", None),
    ],
    "I": [
        ("propose_termination", "city_hq", None),
        ("approve_termination", "city_emergency_committee", None),
        ("announce_termination", "district_hq", None),
    ],
}


# -- whole incidents -----------------------------------------------------------------------------


def test_whole_level_III_incident(desk: Desk, clock: ManualClock, t0: datetime) -> None:
    view = desk.report()
    iid = view["id"]
    assert (view["state"], view["grade"], view["response_level"]) == ("reported", None, "III")
    assert view["exceeds_district_scope"] is False
    initial = deadline(view, "initial_report")
    assert initial is not None
    assert initial["due_at"] == local(t0 + 50 * MIN)  # discovered 08:50, within 1 h (§4.2)
    assert initial["status"] == "pending" and initial["met_at"] is None
    assert codes(view) == {"initial_report"}

    clock.advance(minutes=5)
    view = desk.act(iid, "verify", "district_housing_bureau")
    assert view["verified_at"] == local(t0 + 5 * MIN)
    assert deadline(view, "government_report")["due_at"] == local(t0 + 35 * MIN)

    view = desk.act(iid, "activate", "district_housing_bureau")
    assert view["state"] == "active"
    # §1.6 1: the street office urges the responsible party; 区房管局 guides and checks
    assert {"street_office", "district_housing_bureau"} <= notified(view)
    assert not notified(view) & GROUP_UNITS - {"district_housing_bureau"}  # no on-site command
    assert codes(view) == {"initial_report", "government_report"}

    view = desk.act(iid, "acknowledge", "street_office")
    assert all(
        n["status"] == "acknowledged" for n in view["notices"] if n["unit"] == "street_office"
    )

    clock.advance(minutes=10)
    view = desk.act(
        iid, "record_report", "duty_officer", {"to": "city_housing_bureau", "channel": "phone"}
    )
    assert deadline(view, "initial_report")["status"] == "met"
    assert deadline(view, "initial_report")["met_at"] == local(t0 + 15 * MIN)
    view = desk.act(iid, "record_report", "district_housing_bureau", {"to": "district_government"})
    assert deadline(view, "government_report")["status"] == "met"

    clock.advance(hours=2)
    view = desk.act(iid, "eliminate_danger", "district_housing_bureau", ELIMINATED)
    assert view["state"] == "danger_eliminated"
    view = desk.run(iid, TERMINATE["III"])
    assert view["state"] == "terminated"
    clock.advance(minutes=1)
    view = desk.act(iid, "close", "district_hq")
    assert view["state"] == "closed"
    assert all(d["status"] == "met" for d in view["deadlines"])
    order = [
        k
        for k in kinds(view)
        if k
        in {
            "reported",
            "verified",
            "activated",
            "danger_eliminated",
            "propose_termination",
            "approve_termination",
            "announce_termination",
            "closed",
        }
    ]
    assert order == [
        "reported",
        "verified",
        "activated",
        "danger_eliminated",
        "propose_termination",
        "approve_termination",
        "announce_termination",
        "closed",
    ]
    assert desk.service.list_incidents()[0]["state"] == "closed"


def test_whole_level_II_incident(desk: Desk, clock: ManualClock, t0: datetime, plan: Plan) -> None:
    view = desk.report(condition="imminent_collapse", people_at_risk=120)
    iid = view["id"]
    assert (view["grade"], view["response_level"]) == ("relatively_serious", "II")
    clock.advance(minutes=5)
    desk.act(iid, "verify", "district_housing_bureau")
    clock.advance(minutes=5)
    view = desk.act(iid, "activate", "district_hq")
    assert view["state"] == "active"
    # §4.1.2: report the response to 区政府 and 市房管局 ("立即": local policy 30 min)
    activation = deadline(view, "activation_report")
    assert activation["due_at"] == local(t0 + 40 * MIN)
    assert "city_hq_report" not in codes(view)  # relatively serious: within district scope
    # §1.6 2 and §4.3: the government, 市房管局, the street; the on-site command's seven groups
    assert {"district_government", "city_housing_bureau", "street_office"} <= notified(view)
    assert notified(view) >= GROUP_UNITS

    view = desk.act(iid, "record_report", "district_housing_bureau", {"to": "district_government"})
    assert deadline(view, "government_report")["status"] == "met"
    assert deadline(view, "activation_report")["status"] == "pending"  # needs 市房管局 too
    clock.advance(minutes=3)
    view = desk.act(iid, "record_report", "duty_officer", {"to": "city_housing_bureau"})
    # one record_report meets every open deadline waiting on that recipient
    for code in ("initial_report", "activation_report"):
        assert deadline(view, code)["status"] == "met"
        assert deadline(view, code)["met_at"] == local(t0 + 13 * MIN)

    view = desk.act(
        iid,
        "use_emergency_power",
        "district_hq",
        {"measure": "cordon_traffic_control", "detail": "龟山北路封闭"},
    )
    assert view["obligations"] == []
    clock.advance(hours=3)
    view = desk.run(
        iid, [("eliminate_danger", "district_housing_bureau", ELIMINATED), *TERMINATE["II"]]
    )
    assert view["state"] == "terminated"
    desk.refused(iid, "close", "district_hq", error=PreconditionFailed)

    view = desk.act(iid, "start_investigation", "district_hq")
    assert view["state"] == "investigating"
    desk.refused(iid, "close", "district_hq", error=PreconditionFailed)
    clock.advance(days=10)
    view = desk.act(iid, "submit_report", "district_hq", {"sections": SECTIONS})
    assert view["state"] == "investigating"
    view = desk.act(iid, "close", "district_hq")
    assert view["state"] == "closed"
    assert {d["status"] for d in view["deadlines"]} == {"met"}


def test_whole_level_I_incident(desk: Desk, clock: ManualClock, t0: datetime, plan: Plan) -> None:
    view = desk.report(
        condition="partial_collapse",
        dead=1,
        missing=1,
        economic_loss_yuan=2_000_000,
        people_at_risk=40,
    )
    iid = view["id"]
    assert (view["grade"], view["response_level"]) == ("ordinary", "I")
    clock.advance(minutes=2)
    view = desk.act(iid, "activate", "district_hq")
    # §4.1.3: report to 市指挥部 at once and request the city's IV-level response (§1.5 3)
    assert deadline(view, "city_hq_report")["due_at"] == local(t0 + 32 * MIN)
    assert "activation_report" not in codes(view)  # that one is §4.1.2, level II
    # §1.6 3: every member unit acts on its duties; plus the on-site command (§4.3)
    assert notified(view) >= set(plan.member_units) | {"district_government"} | GROUP_UNITS

    view = desk.act(iid, "verify", "district_housing_bureau")
    clock.advance(minutes=10)
    view = desk.act(iid, "record_report", "district_hq", {"to": "city_hq"})
    assert deadline(view, "city_hq_report")["status"] == "met"
    view = desk.act(iid, "record_report", "district_housing_bureau", {"to": "district_government"})
    view = desk.act(iid, "record_report", "duty_officer", {"to": "city_housing_bureau"})
    assert {d["status"] for d in view["deadlines"]} == {"met"}

    clock.advance(hours=12)
    view = desk.run(
        iid,
        [
            ("eliminate_danger", "district_housing_bureau", ELIMINATED),
            *TERMINATE["I"],
            (
                "start_investigation",
                "district_hq",
                {
                    "members": [
                        "district_emergency_bureau",
                        "district_public_security",
                        "district_supervisory_commission",
                    ]
                },
            ),
            ("submit_report", "district_hq", {"sections": SECTIONS}),
            ("close", "district_hq", None),
        ],
    )
    assert view["state"] == "closed"


# -- refusals: each leaves the incident and its timeline exactly as it was -----------------------

STEPS_II = [
    ("verify", "district_housing_bureau", None),
    ("activate", "district_hq", None),
    ("eliminate_danger", "district_housing_bureau", ELIMINATED),
    *TERMINATE["II"],
    ("start_investigation", "district_hq", None),
]
AFTER = {
    "reported": 0,
    "active": 2,
    "danger_eliminated": 3,
    "termination_proposed": 4,
    "termination_approved": 5,
    "terminated": 6,
    "investigating": 7,
}


def incident_in(desk: Desk, state: str) -> int:
    iid: int = desk.report(condition="imminent_collapse", people_at_risk=20)["id"]
    view = desk.run(iid, STEPS_II[: AFTER[state]], checked=False)
    assert view["state"] == state
    return iid


@pytest.mark.parametrize(
    ("state", "action", "actor", "data", "error", "names"),
    [
        # wrong actor: the message names who may act
        ("reported", "activate", "district_housing_bureau", None, Forbidden, "district_hq"),
        ("reported", "verify", "district_hq", None, Forbidden, "district_housing_bureau"),
        (
            "reported",
            "dismiss",
            "duty_officer",
            {"reason": "x"},
            Forbidden,
            "district_housing_bureau",
        ),
        (
            "active",
            "eliminate_danger",
            "district_hq",
            ELIMINATED,
            Forbidden,
            "district_housing_bureau",
        ),
        (
            "active",
            "raise_level",
            "district_housing_bureau",
            {"level": "I"},
            Forbidden,
            "district_hq",
        ),
        (
            "active",
            "use_emergency_power",
            "district_housing_bureau",
            {"measure": "cut_supply", "detail": "断电"},
            Forbidden,
            "district_hq",
        ),
        (
            "danger_eliminated",
            "propose_termination",
            "district_housing_bureau",
            None,
            Forbidden,
            "district_hq",
        ),
        (
            "termination_proposed",
            "approve_termination",
            "district_hq",
            None,
            Forbidden,
            "city_hq_office",
        ),
        (
            "termination_approved",
            "announce_termination",
            "city_hq_office",
            None,
            Forbidden,
            "district_hq",
        ),
        (
            "investigating",
            "submit_report",
            "district_emergency_bureau",
            {"sections": SECTIONS},
            Forbidden,
            "district_hq",
        ),
        # wrong order
        (
            "danger_eliminated",
            "approve_termination",
            "city_hq_office",
            None,
            InvalidState,
            "approve_termination",
        ),
        (
            "danger_eliminated",
            "announce_termination",
            "district_hq",
            None,
            InvalidState,
            "announce_termination",
        ),
        (
            "termination_proposed",
            "announce_termination",
            "district_hq",
            None,
            InvalidState,
            "announce_termination",
        ),
        ("active", "propose_termination", "district_hq", None, InvalidState, "active"),
        (
            "reported",
            "eliminate_danger",
            "district_housing_bureau",
            ELIMINATED,
            InvalidState,
            "reported",
        ),
        ("active", "activate", "district_hq", None, InvalidState, "active"),
        ("active", "dismiss", "district_housing_bureau", {"reason": "x"}, InvalidState, "active"),
        (
            "termination_approved",
            "start_investigation",
            "district_hq",
            None,
            InvalidState,
            "termination_approved",
        ),
        # the danger is eliminated only with named experts and appraisers (§4.4)
        (
            "active",
            "eliminate_danger",
            "district_housing_bureau",
            {"experts": [], "appraisers": ["李工"]},
            InvalidInput,
            "experts",
        ),
        (
            "active",
            "eliminate_danger",
            "district_housing_bureau",
            {"experts": ["张工"], "appraisers": []},
            InvalidInput,
            "appraisers",
        ),
        (
            "active",
            "eliminate_danger",
            "district_housing_bureau",
            {"experts": ["张工"]},
            InvalidInput,
            "appraisers",
        ),
        ("active", "eliminate_danger", "district_housing_bureau", None, InvalidInput, "experts"),
        (
            "active",
            "eliminate_danger",
            "district_housing_bureau",
            {"experts": ["  "], "appraisers": ["李工"]},
            InvalidInput,
            "experts",
        ),
        # the six parts of §5.2
        (
            "investigating",
            "submit_report",
            "district_hq",
            {"sections": {k: v for k, v in SECTIONS.items() if k != "cause_and_nature"}},
            PreconditionFailed,
            "cause_and_nature",
        ),
        (
            "investigating",
            "submit_report",
            "district_hq",
            {"sections": {**SECTIONS, "prevention_and_rectification": " "}},
            PreconditionFailed,
            "prevention_and_rectification",
        ),
        (
            "investigating",
            "submit_report",
            "district_hq",
            {"sections": {}},
            PreconditionFailed,
            "unit_overview",
        ),
        (
            "investigating",
            "submit_report",
            "district_hq",
            {"sections": {**SECTIONS, "appendix": "x"}},
            InvalidInput,
            "appendix",
        ),
        ("investigating", "close", "district_hq", None, PreconditionFailed, "report"),
        ("terminated", "close", "district_hq", None, PreconditionFailed, "investigation"),
        # bad input
        ("reported", "verify", "district_housing_bureau", {"dead": -1}, InvalidInput, "dead"),
        (
            "reported",
            "verify",
            "district_housing_bureau",
            {"street": "wall_street"},
            InvalidInput,
            "street",
        ),
        (
            "reported",
            "verify",
            "district_housing_bureau",
            {"condition": "on_fire"},
            InvalidInput,
            "condition",
        ),
        (
            "reported",
            "verify",
            "district_housing_bureau",
            {"colour": "red"},
            InvalidInput,
            "colour",
        ),
        # a corrected discovery may not come after the report (SPEC §5)
        (
            "reported",
            "verify",
            "district_housing_bureau",
            {"discovered_at": "2026-03-02T09:00:01+08:00"},
            InvalidInput,
            "discovered_at",
        ),
        (
            "active",
            "raise_level",
            "district_hq",
            {"discovered_at": "2026-03-02T01:30:00Z", "reason": "更正"},
            InvalidInput,
            "discovered_at",
        ),
        # numbers beyond what the record can hold are invalid input, not a database overflow
        (
            "reported",
            "verify",
            "district_housing_bureau",
            {"economic_loss_yuan": 10**20},
            InvalidInput,
            "economic_loss_yuan",
        ),
        (
            "reported",
            "verify",
            "district_housing_bureau",
            {"people_at_risk": 2**31},
            InvalidInput,
            "people_at_risk",
        ),
        ("reported", "verify", "district_housing_bureau", {"dead": True}, InvalidInput, "dead"),
        (
            "reported",
            "verify",
            "district_housing_bureau",
            {"missing": "2"},
            InvalidInput,
            "missing",
        ),
        ("active", "record_report", "duty_officer", {"to": "mayor"}, InvalidInput, "to"),
        (
            "active",
            "use_emergency_power",
            "district_hq",
            {"measure": "nuke", "detail": "x"},
            InvalidInput,
            "measure",
        ),
        ("active", "raise_level", "district_hq", {"level": "III"}, InvalidInput, "reason"),
        ("active", "raise_level", "district_hq", {}, InvalidInput, "data"),
        ("reported", "dismiss", "district_housing_bureau", None, InvalidInput, "reason"),
        ("reported", "activate", "district_hq", {"level": "I"}, InvalidInput, "data"),
        ("reported", "fly_away", "district_hq", None, InvalidInput, "fly_away"),
        ("reported", "verify", "mayor", None, InvalidInput, "mayor"),
        (
            "active",
            "acknowledge",
            "district_audit_bureau",
            None,
            PreconditionFailed,
            "district_audit_bureau",
        ),
    ],
)
def test_refusals_change_nothing(
    desk: Desk,
    state: str,
    action: str,
    actor: str,
    data: dict[str, Any] | None,
    error: type[FanganError],
    names: str,
) -> None:
    iid = incident_in(desk, state)
    refusal = desk.refused(iid, action, actor, data, error=error)
    assert names in refusal.message


@pytest.mark.parametrize(
    ("facts", "names"),
    [
        ({"economic_loss_yuan": 10**20}, "economic_loss_yuan"),
        ({"people_at_risk": 2**31}, "people_at_risk"),
        ({"injured": -1}, "injured"),
        ({"reported_at": "2026-03-02T09:00:01+08:00"}, "reported_at"),  # later than the clock
        (
            {
                "discovered_at": "2026-03-02T08:00:00+08:00",
                "reported_at": "2026-03-02T07:59:59+08:00",
            },
            "discovered_at",
        ),
    ],
)
def test_report_refuses_bad_facts(desk: Desk, facts: dict[str, Any], names: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        desk.report(condition="total_collapse", **facts)
    assert names in caught.value.message
    assert desk.service.list_incidents() == []


@pytest.mark.parametrize(
    ("at", "names"),
    [
        (timedelta(seconds=1), "at"),  # later than the engine's clock
        (-timedelta(hours=1), "discovery"),  # before the incident was discovered
        ("yesterday", "at"),
        ("2026-03-02T09:00:00", "offset"),  # naive
    ],
)
def test_refused_times(desk: Desk, clock: ManualClock, at: Any, names: str) -> None:
    iid = incident_in(desk, "reported")
    when = (clock.now + at).isoformat() if isinstance(at, timedelta) else at
    refusal = desk.refused(iid, "verify", "district_housing_bureau", at=when, error=InvalidInput)
    assert names in refusal.message


def test_obligation_blocks_close_until_settled(desk: Desk, clock: ManualClock) -> None:
    """§2.2.1 3, §5.3: demolishing an adjacent building obliges the district government."""
    iid = desk.report()["id"]
    desk.run(iid, [("activate", "district_hq", None)])
    view = desk.act(
        iid,
        "use_emergency_power",
        "district_hq",
        {"measure": "demolish_adjacent", "detail": "拆除毗邻违建棚屋"},
    )
    [obligation] = view["obligations"]
    assert obligation["status"] == "open"
    view = desk.run(
        iid, [("eliminate_danger", "district_housing_bureau", ELIMINATED), *TERMINATE["III"]]
    )
    assert view["state"] == "terminated"
    refusal = desk.refused(iid, "close", "district_hq", error=PreconditionFailed)
    assert str(obligation["id"]) in refusal.message
    settle = {"obligation": obligation["id"], "amount_yuan": 80_000, "how": "原址修复"}
    refusal = desk.refused(iid, "settle_obligation", "district_hq", settle, error=Forbidden)
    assert "district_government" in refusal.message
    desk.refused(
        iid,
        "settle_obligation",
        "district_government",
        {**settle, "obligation": obligation["id"] + 100},
        error=InvalidInput,
    )
    # Numeric strings are money too (SPEC R1); more than two places, words or booleans are not.
    for amount in (-1, 10**20, "80000.001", "八万", True):
        desk.refused(
            iid,
            "settle_obligation",
            "district_government",
            {**settle, "amount_yuan": amount},
            error=InvalidInput,
        )
    view = desk.act(iid, "settle_obligation", "district_government", settle)
    assert view["obligations"][0]["status"] == "settled"
    desk.refused(iid, "settle_obligation", "district_government", settle, error=PreconditionFailed)
    view = desk.act(iid, "close", "district_hq")
    assert view["state"] == "closed"


# -- reporting deadlines (R3) --------------------------------------------------------------------


def test_duty_officer_logging_records_the_district_half(desk: Desk, t0: datetime) -> None:
    # The duty desk sits at 区房管局 (config: duty_officer.acts_for), so its log is the report
    # to 区房管局; only the city half is still awaited.
    view = desk.report(actor="duty_officer")
    assert deadline(view, "initial_report")["waiting_on"] == ["city_housing_bureau"]


def test_initial_report_needs_both_bureaus(desk: Desk, clock: ManualClock, t0: datetime) -> None:
    # logged outside 区房管局's desk: neither half is recorded yet
    iid = desk.report(actor="district_hq")["id"]
    clock.advance(minutes=5)
    view = desk.act(iid, "record_report", "duty_officer", {"to": "city_housing_bureau"})
    assert deadline(view, "initial_report")["status"] == "pending"
    assert deadline(view, "initial_report")["met_at"] is None
    clock.advance(minutes=5)
    view = desk.act(iid, "record_report", "duty_officer", {"to": "district_housing_bureau"})
    assert deadline(view, "initial_report")["status"] == "met"
    assert deadline(view, "initial_report")["met_at"] == local(t0 + 10 * MIN)


def test_logging_at_the_district_bureau_records_its_half(
    desk: Desk, clock: ManualClock, t0: datetime
) -> None:
    iid = desk.report(reported_at=local(t0 - 4 * MIN))["id"]
    view = desk.act(
        iid, "record_report", "duty_officer", {"to": "city_housing_bureau"}, at=local(t0 - 2 * MIN)
    )
    assert deadline(view, "initial_report")["status"] == "met"
    # met once both halves are in: the later one (the city's, back-dated to when it was made)
    assert deadline(view, "initial_report")["met_at"] == local(t0 - 2 * MIN)
    event = [e for e in view["timeline"] if e["kind"] == "report_recorded"][-1]
    assert (event["at"], event["recorded_at"]) == (local(t0 - 2 * MIN), local(t0))


def test_deadline_passed_at_logging_is_overdue_at_once(
    desk: Desk, clock: ManualClock, t0: datetime
) -> None:
    view = desk.report(discovered_at=local(t0 - 61 * MIN))
    assert deadline(view, "initial_report")["status"] == "overdue"
    view = desk.act(view["id"], "record_report", "duty_officer", {"to": "city_housing_bureau"})
    assert deadline(view, "initial_report")["status"] == "met_late"


def test_initial_report_exactly_at_due_is_on_time(
    desk: Desk, clock: ManualClock, t0: datetime
) -> None:
    iid = desk.report(discovered_at=local(t0 - 60 * MIN))["id"]
    view = desk.service.show(iid)
    assert deadline(view, "initial_report")["status"] == "pending"  # due exactly now
    view = desk.act(iid, "record_report", "duty_officer", {"to": "city_housing_bureau"})
    assert deadline(view, "initial_report")["status"] == "met"


def test_pending_turns_overdue_one_second_after_due(
    desk: Desk, clock: ManualClock, t0: datetime
) -> None:
    iid = desk.report()["id"]
    clock.set(t0 + 50 * MIN)
    assert deadline(desk.service.show(iid), "initial_report")["status"] == "pending"
    clock.advance(seconds=1)
    assert deadline(desk.service.show(iid), "initial_report")["status"] == "overdue"


def test_government_report_starts_on_verify(desk: Desk, clock: ManualClock, t0: datetime) -> None:
    iid = desk.report()["id"]
    assert "government_report" not in codes(desk.service.show(iid))
    clock.advance(minutes=20)
    view = desk.act(iid, "verify", "district_housing_bureau", at=local(t0 + 3 * MIN))
    assert view["verified_at"] == local(t0 + 3 * MIN)
    assert deadline(view, "government_report")["due_at"] == local(t0 + 33 * MIN)
    # a second verification neither moves verified_at nor restarts the deadline
    view = desk.act(iid, "verify", "district_housing_bureau", {"people_at_risk": 5})
    assert view["verified_at"] == local(t0 + 3 * MIN)
    assert deadline(view, "government_report")["due_at"] == local(t0 + 33 * MIN)


def test_corrected_discovery_is_kept_with_its_revision(desk: Desk, t0: datetime) -> None:
    iid = desk.report(dead=0)["id"]  # known to be 0 (left out, it would be unknown: null)
    view = desk.act(
        iid, "verify", "district_housing_bureau", {"discovered_at": local(t0 - 30 * MIN), "dead": 0}
    )
    assert view["discovered_at"] == local(t0 - 30 * MIN)
    [verified] = [e for e in view["timeline"] if e["kind"] == "verified"]
    assert set(verified["data"]["changes"]) == {"discovered_at"}  # dead was already 0


def test_corrected_discovery_moves_the_initial_report(desk: Desk, t0: datetime) -> None:
    iid = desk.report()["id"]
    view = desk.act(
        iid, "verify", "district_housing_bureau", {"discovered_at": local(t0 - 70 * MIN)}
    )
    assert deadline(view, "initial_report")["due_at"] == local(t0 - 10 * MIN)
    assert deadline(view, "initial_report")["status"] == "overdue"


def test_activation_report_on_raise_to_II(desk: Desk, clock: ManualClock, t0: datetime) -> None:
    iid = desk.report()["id"]
    desk.act(iid, "activate", "district_housing_bureau")
    assert "activation_report" not in codes(desk.service.show(iid))
    clock.advance(minutes=7)
    view = desk.act(
        iid,
        "raise_level",
        "district_housing_bureau",
        {"condition": "imminent_collapse", "people_at_risk": 60, "reason": "墙体裂缝扩大"},
    )
    assert view["response_level"] == "II"
    assert deadline(view, "activation_report")["due_at"] == local(t0 + 37 * MIN)
    assert notified(view) >= GROUP_UNITS  # II brings the on-site command


@pytest.mark.parametrize(
    ("facts", "level"),
    [
        ({"condition": "partial_collapse"}, "I"),
        ({"condition": "imminent_collapse", "people_at_risk": 300}, "II"),  # serious
        ({"condition": "total_collapse", "dead": 12}, "I"),  # serious too
    ],
)
def test_city_hq_report_on_activation(
    desk: Desk, clock: ManualClock, t0: datetime, facts: dict[str, Any], level: str
) -> None:
    view = desk.report(**facts)
    assert view["response_level"] == level
    # before activation there is nothing to report to the city HQ yet
    assert "city_hq_report" not in codes(view)
    clock.advance(minutes=4)
    view = desk.act(view["id"], "activate", "district_hq")
    assert deadline(view, "city_hq_report")["due_at"] == local(t0 + 34 * MIN)


def test_no_city_hq_report_for_II_within_scope(desk: Desk) -> None:
    view = desk.report(condition="imminent_collapse", people_at_risk=299)
    view = desk.act(view["id"], "activate", "district_hq")
    assert view["exceeds_district_scope"] is False
    assert "city_hq_report" not in codes(view)


@pytest.mark.parametrize(
    ("action", "actor", "data"),
    [
        ("verify", "district_housing_bureau", {"people_at_risk": 320}),
        ("raise_level", "district_hq", {"people_at_risk": 320, "reason": "周边楼栋也有险情"}),
    ],
)
def test_city_hq_report_on_regrading_while_active(
    desk: Desk, clock: ManualClock, t0: datetime, action: str, actor: str, data: dict[str, Any]
) -> None:
    iid = desk.report(condition="imminent_collapse", people_at_risk=150)["id"]
    desk.act(iid, "activate", "district_hq")
    clock.advance(minutes=20)
    view = desk.act(iid, action, actor, data)
    assert view["grade"] == "serious"
    assert view["exceeds_district_scope"] is True
    assert view["response_level"] == "II"  # the district's level stays as the table says (R2)
    assert deadline(view, "city_hq_report")["due_at"] == local(t0 + 50 * MIN)


def test_verify_while_active_raises_the_level(desk: Desk, clock: ManualClock) -> None:
    iid = desk.report(condition="imminent_collapse")["id"]
    desk.act(iid, "activate", "district_hq")
    view = desk.act(
        iid, "verify", "district_housing_bureau", {"condition": "total_collapse", "dead": 1}
    )
    assert view["response_level"] == "I"
    assert "city_hq_report" in codes(view)
    assert "level_raised" in kinds(view)


def test_verify_while_active_never_lowers(desk: Desk) -> None:
    iid = desk.report(condition="partial_collapse")["id"]
    desk.act(iid, "activate", "district_hq")
    view = desk.act(iid, "verify", "district_housing_bureau", {"condition": "hidden_danger"})
    assert view["condition"] == "hidden_danger"
    assert view["response_level"] == "I"


def test_verify_before_activation_follows_the_facts(desk: Desk) -> None:
    iid = desk.report(condition="imminent_collapse")["id"]
    view = desk.act(iid, "verify", "district_housing_bureau", {"condition": "hidden_danger"})
    assert (view["response_level"], view["grade"]) == ("III", None)
    # and III may then be activated by 区房管局
    assert desk.act(iid, "activate", "district_housing_bureau")["state"] == "active"


def test_only_district_hq_lowers_a_level_with_a_reason(desk: Desk) -> None:
    iid = desk.report(condition="imminent_collapse")["id"]
    desk.act(iid, "activate", "district_hq")
    view = desk.act(iid, "raise_level", "district_hq", {"level": "III", "reason": "险情已控制"})
    assert view["response_level"] == "III"
    assert "level_lowered" in kinds(view)


def test_dismiss_stops_the_timers(desk: Desk, clock: ManualClock, t0: datetime) -> None:
    iid = desk.report()["id"]  # initial_report due t0 + 50 min
    clock.advance(minutes=2)
    desk.act(iid, "verify", "district_housing_bureau")  # government_report due t0 + 32 min
    clock.advance(minutes=3)
    view = desk.act(iid, "dismiss", "district_housing_bureau", {"reason": "现场核实无险情"})
    assert view["state"] == "dismissed"
    clock.advance(hours=5)
    view = desk.service.show(iid)
    assert {d["code"]: d["status"] for d in view["deadlines"]} == {
        "initial_report": "pending",
        "government_report": "pending",
    }
    desk.refused(
        iid, "record_report", "duty_officer", {"to": "city_housing_bureau"}, error=InvalidState
    )


def test_dismissed_after_due_stays_overdue(desk: Desk, clock: ManualClock, t0: datetime) -> None:
    iid = desk.report(discovered_at=local(t0 - 2 * 60 * MIN))["id"]
    view = desk.act(iid, "dismiss", "district_housing_bureau", {"reason": "误报"})
    clock.advance(days=1)
    assert deadline(desk.service.show(iid), "initial_report")["status"] == "overdue"
    assert view["state"] == "dismissed"


# -- time zones ----------------------------------------------------------------------------------


def test_times_in_shanghai_and_z_accepted(desk: Desk, clock: ManualClock, t0: datetime) -> None:
    view = desk.report(discovered_at="2026-03-02T00:50:00Z", condition="imminent_collapse")
    assert view["discovered_at"] == "2026-03-02T08:50:00+08:00"
    assert view["reported_at"] == local(t0)
    view = desk.act(view["id"], "verify", "district_housing_bureau", at="2026-03-02T00:55:00Z")
    assert view["verified_at"] == "2026-03-02T08:55:00+08:00"
    view = desk.act(
        view["id"],
        "activate",
        "district_hq",
        at=(t0 - 3 * MIN).astimezone(ZoneInfo("America/New_York")).isoformat(),
    )
    assert view["activated_at"] == local(t0 - 3 * MIN)
    stamps = [view[k] for k in ("discovered_at", "reported_at", "verified_at")]
    stamps += [d[k] for d in view["deadlines"] for k in ("due_at", "met_at") if d[k]]
    stamps += [e[k] for e in view["timeline"] for k in ("at", "recorded_at")]
    assert stamps and all(s.endswith("+08:00") for s in stamps)
