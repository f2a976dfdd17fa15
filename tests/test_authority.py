"""Who may act (SPEC §4, R8; the plan's §4.4) through engine.authority.

The expected authorities are written out from the plan's text, and every other actor the plan
knows is checked to be refused, so a config or code change that widens an authority fails here.
"""

from __future__ import annotations

import pytest

from engine.errors import Forbidden
from engine.plan import Plan, load_plan
from workflows.housing_safety.authority import allowed_actors, authorize, reporters

ACTORS = sorted(load_plan().actors)

# §4.4: III 由区房管局提出终止建议，报请区指挥部同意后，由区房管局宣布；
# II 由区指挥部提出，报请市指挥部办公室同意后，由区指挥部宣布；
# I 在市指挥部提出，报经市政府应急委同意后，由区指挥部宣布。
TERMINATION = {
    ("III", "propose_termination"): "district_housing_bureau",
    ("III", "approve_termination"): "district_hq",
    ("III", "announce_termination"): "district_housing_bureau",
    ("II", "propose_termination"): "district_hq",
    ("II", "approve_termination"): "city_hq_office",
    ("II", "announce_termination"): "district_hq",
    ("I", "propose_termination"): "city_hq",
    ("I", "approve_termination"): "city_emergency_committee",
    ("I", "announce_termination"): "district_hq",
}
ACTIVATION = {
    "III": {"district_housing_bureau", "district_hq"},
    "II": {"district_hq"},
    "I": {"district_hq"},
}
# SPEC §4 table.
OTHER_ACTIONS = {
    "verify": {"district_housing_bureau"},
    "dismiss": {"district_housing_bureau"},
    "eliminate_danger": {"district_housing_bureau"},
    "use_emergency_power": {"district_hq"},
    "settle_obligation": {"district_government"},
    "start_investigation": {"district_hq"},
    "submit_report": {"district_hq"},
    "close": {"district_hq"},
}
NAMES = {
    "district_housing_bureau": "区房管局",
    "district_hq": "区指挥部",
    "city_hq_office": "市指挥部办公室",
    "city_hq": "市指挥部",
    "city_emergency_committee": "市政府应急委",
    "district_government": "区人民政府",
}


def refused(plan: Plan, action: str, actor: str, level, **kwargs) -> Forbidden | None:
    try:
        authorize(plan, action, actor, level, **kwargs)
    except Forbidden as exc:
        return exc
    return None


def test_every_spec_actor_is_in_the_plan() -> None:
    for code in {*NAMES, *(a for s in ACTIVATION.values() for a in s)}:
        assert code in ACTORS


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("level", "action"), sorted(TERMINATION))
def test_termination_matrix(plan: Plan, level: str, action: str, actor: str) -> None:
    expected = TERMINATION[(level, action)]
    error = refused(plan, action, actor, level)
    if actor == expected:
        assert error is None
    else:
        assert error is not None, f"{actor} must not {action} at {level}"
        # the refusal names who may act, by code and by name
        assert expected in error.message
        assert NAMES[expected] in error.message
        assert error.code == "forbidden"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("level", ["III", "II", "I"])
def test_activation_per_level(plan: Plan, level: str, actor: str) -> None:
    error = refused(plan, "activate", actor, None, target_level=level)
    assert (error is None) is (actor in ACTIVATION[level])
    if error is not None:
        for allowed in ACTIVATION[level]:
            assert allowed in error.message


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("level", "target"),
    [("III", "II"), ("III", "I"), ("II", "I"), ("III", None), ("II", None), ("I", None)],
)
def test_raise_level(plan: Plan, level: str, target: str | None, actor: str) -> None:
    """区指挥部 always; 区房管局 only while the incident is at III."""
    allowed = {"district_hq"} | ({"district_housing_bureau"} if level == "III" else set())
    error = refused(plan, "raise_level", actor, level, target_level=target)
    assert (error is None) is (actor in allowed)
    if error is not None:
        assert "district_hq" in error.message


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("level", "target"), [("II", "III"), ("I", "II"), ("I", "III")])
def test_only_district_hq_lowers(plan: Plan, level: str, target: str, actor: str) -> None:
    error = refused(plan, "raise_level", actor, level, target_level=target, lowering=True)
    assert (error is None) is (actor == "district_hq")
    if error is not None:
        assert "district_hq" in error.message and "区指挥部" in error.message


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", sorted(OTHER_ACTIONS))
def test_other_actions(plan: Plan, action: str, actor: str) -> None:
    error = refused(plan, action, actor, "III")
    assert (error is None) is (actor in OTHER_ACTIONS[action])
    if error is not None:
        for allowed in OTHER_ACTIONS[action]:
            assert allowed in error.message and NAMES[allowed] in error.message


def test_a_report_is_recorded_by_its_maker_or_the_desk(plan: Plan) -> None:
    """R11: the deadline's responsible unit or the desk — not any unit (a bug: wuhan_telecom
    could record the report to 市房管局 and silence the escalation)."""
    assert reporters(plan, "city_housing_bureau") == [
        "duty_officer",
        "district_housing_bureau",
        "district_hq_office",
        "district_hq",
    ]
    assert reporters(plan, "city_hq") == [
        "duty_officer",
        "district_housing_bureau",
        "district_hq_office",
        "district_hq",
    ]
    assert "wuhan_telecom" not in (allowed_actors(plan, "record_report", "II") or [])


def test_unknown_action_is_refused_for_everyone(plan: Plan) -> None:
    for actor in ACTORS:
        assert refused(plan, "blow_up_the_building", actor, "I") is not None


def test_termination_before_a_level_is_refused(plan: Plan) -> None:
    assert refused(plan, "propose_termination", "district_housing_bureau", None) is not None
