"""§1.5 事件分级 and §1.6 响应分级: the event's grade and the district response level, pure
functions over plain data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.inputs import ClassifyIn, check_codes, validate
from engine.plan import LEVELS, Level, Plan

if TYPE_CHECKING:
    from engine.models import Incident


@dataclass(frozen=True)
class Facts:
    """What is known of the event; counts are validated non-negative before they get here."""

    condition: str
    dead: int = 0
    missing: int = 0
    economic_loss_yuan: Decimal | int = 0
    people_at_risk: int = 0

    @classmethod
    def recorded(
        cls,
        condition: str,
        *,
        dead: int | None,
        missing: int | None,
        economic_loss_yuan: Decimal | int | None,
        people_at_risk: int | None,
    ) -> Facts:
        """Facts as recorded, where unknown is None: grading reads an unknown as 0 (SPEC R1)."""
        return cls(
            condition=condition,
            dead=dead or 0,
            missing=missing or 0,
            economic_loss_yuan=economic_loss_yuan or 0,
            people_at_risk=people_at_risk or 0,
        )


@dataclass(frozen=True)
class Reason:
    criterion: str
    clause: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"criterion": self.criterion, "clause": self.clause, "text": self.text}


@dataclass(frozen=True)
class Classification:
    grade: str | None
    response_level: Level
    exceeds_district_scope: bool
    city_request: bool
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "grade": self.grade,
            "response_level": self.response_level,
            "exceeds_district_scope": self.exceeds_district_scope,
            "city_request": self.city_request,
            "reasons": [r.as_dict() for r in self.reasons],
        }


def _reaches(value: Decimal | int, threshold: int, inclusive: bool) -> bool:
    return value >= threshold if inclusive else value > threshold


def grade(plan: Plan, facts: Facts) -> tuple[str | None, tuple[Reason, ...]]:
    """The highest grade any criterion reaches, with the criteria that reached it."""
    rules = plan.grading
    if facts.condition in rules.ungraded_conditions:
        return None, (
            Reason(
                "ungraded",
                rules.clause,
                f"{plan.conditions[facts.condition].name}：预案四级分级针对倒塌及险情，不定级",
            ),
        )
    collapsed = plan.conditions[facts.condition].occurred
    at_risk_applies = facts.condition in rules.at_risk_conditions
    inclusive = rules.threshold_inclusive
    dead_missing = facts.dead + facts.missing
    for g in rules.grades:  # highest first
        reasons: list[Reason] = []
        if collapsed and _reaches(dead_missing, g.dead_missing, inclusive):
            reasons.append(
                Reason(
                    "dead_missing",
                    g.clause,
                    f"死亡（含失踪）{dead_missing}人，达到{g.name}标准（{g.dead_missing}人以上）",
                )
            )
        if collapsed and _reaches(facts.economic_loss_yuan, g.economic_loss_yuan, inclusive):
            reasons.append(
                Reason(
                    "economic_loss",
                    g.clause,
                    f"经济损失{facts.economic_loss_yuan}元，达到{g.name}标准"
                    f"（{g.economic_loss_yuan}元以上）",
                )
            )
        if at_risk_applies and _reaches(facts.people_at_risk, g.people_at_risk, inclusive):
            reasons.append(
                Reason(
                    "people_at_risk",
                    g.clause,
                    f"危及{facts.people_at_risk}人，达到{g.name}标准（{g.people_at_risk}人以上）",
                )
            )
        if reasons:
            return g.code, tuple(reasons)
    default = rules.default_grade
    return default.code, (
        Reason("below_thresholds", default.clause, f"未达到较大及以上标准，定为{default.name}"),
    )


def level_rank(level: Level) -> int:
    return LEVELS.index(level)


def classify(plan: Plan, facts: Facts) -> Classification:
    """Grade, response level, scope and whether the city HQ must be asked to act."""
    code, reasons = grade(plan, facts)
    condition = plan.conditions[facts.condition]
    level = condition.level
    all_reasons = [
        *reasons,
        Reason("condition", condition.clause, f"{condition.name}：启动{plan.levels[level].name}"),
    ]
    exceeds = code is not None and code not in plan.grading.district_scope
    if exceeds:
        all_reasons.append(
            Reason(
                "exceeds_district_scope",
                plan.grading.clause,
                f"{plan.grading.grade_name(code)}事件超出区级响应范围，"
                "须立即报告市指挥部请求市级指挥",
            )
        )
    city_request = exceeds or plan.levels[level].city_request
    if plan.levels[level].city_request:
        all_reasons.append(
            Reason("city_request", plan.levels[level].clause, "向市指挥部提出启动市Ⅳ级应急响应请求")
        )
    return Classification(code, level, exceeds, city_request, tuple(all_reasons))


def facts_of(incident: Incident) -> Facts:
    """The incident's facts as recorded, for grading."""
    return Facts.recorded(
        incident.condition,
        dead=incident.dead,
        missing=incident.missing,
        economic_loss_yuan=incident.economic_loss_yuan,
        people_at_risk=incident.people_at_risk,
    )


def classify_facts(plan: Plan, data: object) -> dict[str, object]:
    """`classify`: validated facts → grade, level, scope, city request and reasons."""
    facts: ClassifyIn = validate(ClassifyIn, data)
    check_codes(plan, facts)
    return classify(
        plan,
        Facts.recorded(
            facts.condition,
            dead=facts.dead,
            missing=facts.missing,
            economic_loss_yuan=facts.economic_loss_yuan,
            people_at_risk=facts.people_at_risk,
        ),
    ).as_dict()
