"""R1 event grade and R2 response level (§1.5, §1.6) through engine.classify.classify.

Expectations come from the plan's text (§1.5 (1)-(4)): "以上" includes the number, "以下" excludes
it. They are written out here, not read back from the config the engine uses.
"""

from __future__ import annotations

import pytest

from engine.plan import Plan
from workflows.housing_safety.grading import Facts, classify

EXTRA, SERIOUS, RELATIVELY, ORDINARY = (
    "extraordinarily_serious",
    "serious",
    "relatively_serious",
    "ordinary",
)
COLLAPSED = ("partial_collapse", "total_collapse")
AT_RISK = ("imminent_collapse", "partial_collapse", "total_collapse")
LEVEL = {
    "hidden_danger": "III",
    "imminent_collapse": "II",
    "partial_collapse": "I",
    "total_collapse": "I",
}
# §1.5 (1)-(3): the clause of the grade a criterion reached.
LEVEL_CLAUSE = {"III": "§1.5 1", "II": "§1.5 2", "I": "§1.5 3"}
GRADE_CLAUSE = {EXTRA: "§1.5 (1)", SERIOUS: "§1.5 (2)", RELATIVELY: "§1.5 (3)"}

# (dead + missing, grade): each threshold and the value just below it.
DEAD_MISSING = [
    (29, SERIOUS),
    (30, EXTRA),
    (9, RELATIVELY),
    (10, SERIOUS),
    (2, ORDINARY),
    (3, RELATIVELY),
    (0, ORDINARY),
]
LOSS = [
    (99_999_999, SERIOUS),
    (100_000_000, EXTRA),
    (49_999_999, RELATIVELY),
    (50_000_000, SERIOUS),
    (9_999_999, ORDINARY),
    (10_000_000, RELATIVELY),
]
AT_RISK_COUNTS = [
    (99, ORDINARY),
    (100, RELATIVELY),
    (299, RELATIVELY),
    (300, SERIOUS),
    (499, SERIOUS),
    (500, EXTRA),
]


def split_dead_only(n: int) -> tuple[int, int]:
    return n, 0


def split_missing_only(n: int) -> tuple[int, int]:
    return 0, n


def split_mostly_missing(n: int) -> tuple[int, int]:
    # e.g. 3 → dead 1 + missing 2: the missing count toward 死亡（含失踪）.
    return min(n, 1), n - min(n, 1)


SPLITS = [split_dead_only, split_missing_only, split_mostly_missing]


def criteria(result: object) -> set[str]:
    return {r.criterion for r in result.reasons}  # type: ignore[attr-defined]


@pytest.mark.parametrize("condition", COLLAPSED)
@pytest.mark.parametrize("split", SPLITS, ids=lambda f: f.__name__.removeprefix("split_"))
@pytest.mark.parametrize(("total", "expected"), DEAD_MISSING)
def test_dead_and_missing_thresholds(
    plan: Plan, condition: str, split, total: int, expected: str
) -> None:
    dead, missing = split(total)
    assert dead + missing == total
    result = classify(plan, Facts(condition=condition, dead=dead, missing=missing))
    assert result.grade == expected
    assert result.response_level == "I"
    if expected != ORDINARY:
        hit = [r for r in result.reasons if r.criterion == "dead_missing"]
        assert hit and hit[0].clause == GRADE_CLAUSE[expected]
        assert str(total) in hit[0].text


@pytest.mark.parametrize("condition", COLLAPSED)
@pytest.mark.parametrize(("loss", "expected"), LOSS)
def test_economic_loss_thresholds(plan: Plan, condition: str, loss: int, expected: str) -> None:
    result = classify(plan, Facts(condition=condition, economic_loss_yuan=loss))
    assert result.grade == expected
    if expected != ORDINARY:
        hit = [r for r in result.reasons if r.criterion == "economic_loss"]
        assert hit and hit[0].clause == GRADE_CLAUSE[expected]


@pytest.mark.parametrize("condition", AT_RISK)
@pytest.mark.parametrize(("people", "expected"), AT_RISK_COUNTS)
def test_people_at_risk_thresholds(plan: Plan, condition: str, people: int, expected: str) -> None:
    result = classify(plan, Facts(condition=condition, people_at_risk=people))
    assert result.grade == expected
    assert result.response_level == LEVEL[condition]
    if expected != ORDINARY:
        hit = [r for r in result.reasons if r.criterion == "people_at_risk"]
        assert hit and hit[0].clause == GRADE_CLAUSE[expected]


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        ({"dead": 30}, "dead"),
        ({"missing": 30}, "missing"),
        ({"dead": 15, "missing": 15}, "both"),
        ({"economic_loss_yuan": 100_000_000}, "loss"),
    ],
)
def test_casualties_and_loss_do_not_grade_an_imminent_collapse(
    plan: Plan, facts: dict, why: str
) -> None:
    """Casualty and loss criteria apply once something has collapsed (§1.5 已发生倒塌)."""
    result = classify(plan, Facts(condition="imminent_collapse", **facts))
    assert result.grade == ORDINARY
    assert not criteria(result) & {"dead_missing", "economic_loss"}
    assert result.exceeds_district_scope is False


@pytest.mark.parametrize(
    "facts",
    [
        {},
        {"dead": 30, "missing": 5},
        {"economic_loss_yuan": 500_000_000},
        {"people_at_risk": 10_000},
        {"dead": 40, "economic_loss_yuan": 200_000_000, "people_at_risk": 800},
    ],
)
def test_hidden_danger_has_no_grade_and_level_III(plan: Plan, facts: dict) -> None:
    result = classify(plan, Facts(condition="hidden_danger", **facts))
    assert result.grade is None
    assert result.response_level == "III"
    assert result.exceeds_district_scope is False
    assert result.city_request is False
    assert result.reasons


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # the people-at-risk criterion also applies to a collapse, and the highest grade wins
        ({"condition": "partial_collapse", "dead": 3, "people_at_risk": 500}, EXTRA),
        ({"condition": "total_collapse", "dead": 30, "people_at_risk": 100}, EXTRA),
        (
            {
                "condition": "total_collapse",
                "economic_loss_yuan": 10_000_000,
                "people_at_risk": 300,
            },
            SERIOUS,
        ),
        (
            {
                "condition": "partial_collapse",
                "dead": 1,
                "missing": 2,
                "economic_loss_yuan": 50_000_000,
            },
            SERIOUS,
        ),
        ({"condition": "partial_collapse", "dead": 10, "economic_loss_yuan": 100_000_000}, EXTRA),
        (
            {
                "condition": "total_collapse",
                "dead": 2,
                "economic_loss_yuan": 9_999_999,
                "people_at_risk": 99,
            },
            ORDINARY,
        ),
    ],
)
def test_highest_grade_wins(plan: Plan, facts: dict, expected: str) -> None:
    result = classify(plan, Facts(**facts))
    assert result.grade == expected
    if expected != ORDINARY:
        # the reasons name the criterion that reached the winning grade, with its clause
        assert GRADE_CLAUSE[expected] in {r.clause for r in result.reasons}


@pytest.mark.parametrize(
    ("condition", "people", "exceeds", "city_request"),
    [
        ("imminent_collapse", 0, False, False),
        ("imminent_collapse", 100, False, False),  # relatively serious: within district scope
        ("imminent_collapse", 300, True, True),  # serious: exceeds, ask the city
        ("imminent_collapse", 500, True, True),  # extraordinarily serious
        ("partial_collapse", 0, False, True),  # level I always asks the city (§1.5 3)
        ("total_collapse", 100, False, True),
        ("total_collapse", 300, True, True),
        ("partial_collapse", 500, True, True),
        ("hidden_danger", 500, False, False),
    ],
)
def test_scope_and_city_request(
    plan: Plan, condition: str, people: int, exceeds: bool, city_request: bool
) -> None:
    result = classify(plan, Facts(condition=condition, people_at_risk=people))
    assert result.exceeds_district_scope is exceeds
    assert result.city_request is city_request
    # the district's level stays as the condition's table says, whatever the grade (R2)
    assert result.response_level == LEVEL[condition]
    if exceeds:
        assert "exceeds_district_scope" in criteria(result)


@pytest.mark.parametrize("condition", sorted(LEVEL))
@pytest.mark.parametrize(
    "facts",
    [
        {},
        {"dead": 2, "missing": 1},
        {"economic_loss_yuan": 60_000_000},
        {"people_at_risk": 499},
    ],
)
def test_every_result_has_reasons_with_clauses(plan: Plan, condition: str, facts: dict) -> None:
    result = classify(plan, Facts(condition=condition, **facts))
    assert result.reasons
    for reason in result.reasons:
        assert reason.criterion
        assert reason.clause.startswith("§1.5"), reason
        assert reason.text
    # the level's reason cites the clause of §1.5 that sets it (1、III级 2、II级 3、I级)
    assert LEVEL_CLAUSE[LEVEL[condition]] in {r.clause for r in result.reasons}
    as_dict = result.as_dict()
    assert set(as_dict) == {
        "grade",
        "response_level",
        "exceeds_district_scope",
        "city_request",
        "reasons",
    }
    assert all(set(r) >= {"criterion", "clause"} for r in as_dict["reasons"])


@pytest.mark.parametrize(
    ("people", "expected"), [(100, ORDINARY), (101, RELATIVELY), (500, SERIOUS), (501, EXTRA)]
)
def test_threshold_inclusiveness_is_configurable(plan: Plan, people: int, expected: str) -> None:
    """'以上' inclusive is a convention the plan does not restate: the config can turn it off."""
    exclusive = plan.model_copy(
        update={"grading": plan.grading.model_copy(update={"threshold_inclusive": False})}
    )
    assert classify(exclusive, Facts("imminent_collapse", people_at_risk=people)).grade == expected
