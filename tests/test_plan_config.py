"""The plan as validated data (engine.plan): the shipped file loads and matches SPEC §3's codes;
a broken copy is refused with a `PlanError` naming the key; the CLI reports it as
`invalid_config` with exit code 2.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.plan import DEFAULT_PLAN_PATH, Plan, PlanError, load_plan

# SPEC §3: "these exact codes are the contract".
STREETS = {
    "qingchuan",
    "jianqiao",
    "yingwu",
    "zhoutou",
    "wulidun",
    "qinduankou",
    "jianghan_erqiao",
    "yongfeng",
    "jiangdi",
    "longyang",
    "sixin",
}
MEMBER_UNITS = {
    "district_emergency_bureau",
    "district_housing_bureau",
    "district_finance_bureau",
    "district_public_security",
    "district_publicity_dept",
    "district_united_front_dept",
    "district_urban_management",
    "district_water_bureau",
    "district_construction_bureau",
    "district_land_planning",
    "district_health_commission",
    "district_market_regulation",
    "district_commerce_bureau",
    "district_civil_affairs",
    "district_education_bureau",
    "district_fire_rescue",
    "hanyang_power_supply",
    "district_gas_company",
    "hanyang_water_supply",
    "wuhan_telecom",
    "street_office",
}
OTHER_ACTORS = {
    "duty_officer",
    "district_hq",
    "district_hq_office",
    "district_government",
    "district_emergency_committee",
    "district_spokesperson",
    "city_housing_bureau",
    "city_hq",
    "city_hq_office",
    "city_emergency_committee",
    "district_supervisory_commission",
    "district_traffic_brigade",
    "city_gas_company",
    "district_audit_bureau",
    "responsible_party",
    "appraisal_agency",
    "expert_group",
}
CONDITIONS = {"hidden_danger", "imminent_collapse", "partial_collapse", "total_collapse"}
DEADLINES = {"initial_report", "government_report", "activation_report", "city_hq_report"}
REPORT_PARTS = [
    "unit_overview",
    "course_and_rescue",
    "casualties_and_loss",
    "cause_and_nature",
    "responsibility_and_handling",
    "prevention_and_rectification",
]


def test_shipped_plan_loads_with_the_contract_codes() -> None:
    plan = load_plan()
    assert isinstance(plan, Plan)
    assert set(plan.streets.items) == STREETS
    assert set(plan.actors) == MEMBER_UNITS | OTHER_ACTORS
    # §2.1.1: 20 units and the street offices are the member units
    assert set(plan.member_units) == MEMBER_UNITS
    assert set(plan.conditions) == CONDITIONS
    assert set(plan.deadlines) == DEADLINES
    # §5.2: exactly the six parts, in the plan's order
    assert list(plan.investigation.report_sections.items) == REPORT_PARTS
    # §1.5: the plan's own numbers
    assert [
        (g.dead_missing, g.economic_loss_yuan, g.people_at_risk) for g in plan.grading.grades
    ] == [(30, 100_000_000, 500), (10, 50_000_000, 300), (3, 10_000_000, 100)]
    # §4.2: 1 hour to both housing bureaus; 30 minutes after verification to the government
    assert plan.deadlines["initial_report"].within_minutes == 60
    assert plan.deadlines["government_report"].within_minutes == 30
    # "immediately" turned into a number is local policy and must say so
    for code in ("activation_report", "city_hq_report"):
        assert plan.deadlines[code].local_policy is True


# -- broken copies -------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def unknown_actor_in_termination(raw: dict[str, Any]) -> None:
    raw["termination"]["II"]["approve"] = "city_mayor"


def thresholds_out_of_order(raw: dict[str, Any]) -> None:
    raw["grading"]["grades"][1]["dead_missing"] = 40  # 重大 above 特别重大's 30


def missing_within_minutes(raw: dict[str, Any]) -> None:
    del raw["deadlines"]["government_report"]["within_minutes"]


def missing_termination_level(raw: dict[str, Any]) -> None:
    del raw["termination"]["I"]


def negative_threshold(raw: dict[str, Any]) -> None:
    raw["grading"]["grades"][2]["people_at_risk"] = -1


def unknown_key(raw: dict[str, Any]) -> None:
    raw["alerts"]["reminder_minutes_befor"] = [15]


def unknown_recipient(raw: dict[str, Any]) -> None:
    raw["deadlines"]["initial_report"]["recipients"] = ["city_housing_bureau", "mayor_office"]


def zero_minutes(raw: dict[str, Any]) -> None:
    raw["alerts"]["overdue_interval_minutes"] = 0


def unknown_actor_in_activation(raw: dict[str, Any]) -> None:
    raw["activation"]["II"] = ["district_hq", "district_mayor"]


def unknown_phone_confirmer(raw: dict[str, Any]) -> None:
    raw["proxy"]["phone_confirmers"] = ["district_hq_office", "night_porter"]


def no_phone_confirmer(raw: dict[str, Any]) -> None:
    raw["proxy"]["phone_confirmers"] = []


def street_of_an_unknown_kind(raw: dict[str, Any]) -> None:
    raw["actors"]["street_office"]["per_street"] = "sometimes"


@pytest.fixture(scope="module")
def raw_plan() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DEFAULT_PLAN_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(
    ("mutate", "names"),
    [
        (unknown_actor_in_termination, ["termination.II", "city_mayor"]),
        (thresholds_out_of_order, ["grading", "dead_missing"]),
        (missing_within_minutes, ["deadlines.government_report.within_minutes", "required"]),
        (missing_termination_level, ["termination.I"]),
        (negative_threshold, ["grading.grades.2.people_at_risk"]),
        (unknown_key, ["alerts.reminder_minutes_befor"]),
        (unknown_recipient, ["deadlines.initial_report.recipients", "mayor_office"]),
        (zero_minutes, ["alerts.overdue_interval_minutes"]),
        (unknown_actor_in_activation, ["activation.II", "district_mayor"]),
        (unknown_phone_confirmer, ["proxy.phone_confirmers", "night_porter"]),
        (no_phone_confirmer, ["proxy.phone_confirmers"]),
        (street_of_an_unknown_kind, ["actors.street_office.per_street"]),
    ],
    ids=lambda v: v.__name__ if callable(v) else "",
)
def test_broken_plan_names_the_key(
    tmp_path: Path, raw_plan: dict[str, Any], mutate: Mutation, names: list[str]
) -> None:
    raw = copy.deepcopy(raw_plan)
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    for name in names:
        assert name in str(caught.value)


def test_unmodified_round_trip_loads(tmp_path: Path, raw_plan: dict[str, Any]) -> None:
    """The mutations above are the only thing wrong with the copies."""
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(raw_plan, allow_unicode=True), encoding="utf-8")
    assert load_plan(path) == load_plan()


def test_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("plan:\n  code: [unclosed\ngrading: {\n", encoding="utf-8")
    with pytest.raises(PlanError, match="YAML"):
        load_plan(path)


@pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
def test_not_a_mapping(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError):
        load_plan(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read"):
        load_plan(tmp_path / "nope.yaml")


def test_cli_with_a_broken_plan_exits_2(cli, tmp_path: Path, raw_plan: dict[str, Any]) -> None:
    raw = copy.deepcopy(raw_plan)
    unknown_actor_in_termination(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    code, out, err = cli("incident", "list", env={"FANGAN_PLAN": str(path)})
    assert code == 2
    assert out is None
    error = cli.error(err)
    assert error["error"] == "invalid_config"
    assert "termination.II" in error["message"]
    assert "Traceback" not in err


def extra_report_part(raw: dict[str, Any]) -> None:
    raw["investigation"]["report_sections"]["items"]["lessons"] = "经验教训"


def unknown_trigger(raw: dict[str, Any]) -> None:
    raw["deadlines"]["government_report"]["starts_on"] = "level_IV"


@pytest.mark.parametrize(
    ("mutate", "names"),
    [
        (extra_report_part, ["investigation.report_sections.items.lessons", "no drafter"]),
        (unknown_trigger, ["deadlines.government_report.starts_on", "level_IV"]),
    ],
    ids=lambda v: v.__name__ if callable(v) else "",
)
def test_what_the_workflow_cannot_do_is_refused_at_start_up(
    cli, tmp_path: Path, raw_plan: dict[str, Any], mutate: Mutation, names: list[str]
) -> None:
    """A key the schema accepts but the workflow cannot act on (a report part with no drafter,
    a deadline started by an event the workflow never produces) stops the start, naming it —
    it used to be a KeyError at the first report."""
    raw = copy.deepcopy(raw_plan)
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    code, out, err = cli("incident", "list", env={"FANGAN_PLAN": str(path)})
    assert code == 2 and out is None
    error = cli.error(err)
    assert error["error"] == "invalid_config"
    for name in names:
        assert name in error["message"]


def test_a_key_given_twice_is_refused_with_its_line(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys silently; a plan file must not lose a setting
    that way (it happened once: a block pasted twice)."""
    text = DEFAULT_PLAN_PATH.read_text(encoding="utf-8")
    twice = tmp_path / "plan.yaml"
    twice.write_text(text.replace("prevention:\n", "prevention:\n  x: 1\n  x: 2\n", 1), "utf-8")
    with pytest.raises(PlanError, match=r"key 'x' appears twice") as caught:
        load_plan(twice)
    assert "line" in str(caught.value)
    for name in ("hanyang.yaml", "jianghan.yaml"):
        load_plan(DEFAULT_PLAN_PATH.parent / name)
