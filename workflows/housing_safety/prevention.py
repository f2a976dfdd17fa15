"""The danger-house register and its patrols (§3.2, §4.1.1; SPEC R12): pure rules.

A house's record is checked whole, and every problem is named (field and reason), because a
register arrives as a spreadsheet of many rows and the person fixing it needs all of them at
once. Codes (street, JGJ 125-2016 grade, art. 9 disposition) may be given as the code or as the
plan's own name (晴川街, C级, 观察使用), as people write them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, ValidationError

from engine.plan import Plan
from engine.schemas import Input, limit, reason
from workflows.housing_safety.prevention_config import UNGRADED, Prevention
from workflows.housing_safety.prevention_tables import House

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,18}[0-9]$")


def _text(name: str, required: bool = False) -> Any:
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1 if required else 0, max_length=limit(House, name)
        ),
    ]


def _phone(value: str) -> str:
    if not PHONE.match(value):
        raise ValueError("not a phone number (digits, spaces, '-', optional leading '+')")
    return value


Phone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_phone)]
Area = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2, strict=False)]
# An ISO date ("2026-03-01") in JSON; a date cell in a spreadsheet.
Day = Annotated[date, Field(strict=False)]


class HouseIn(Input):
    """One house of the register, as given (a JSON object or a spreadsheet row)."""

    address: _text("address", True)  # type: ignore[valid-type]
    street: str
    community: _text("community") | None = None  # type: ignore[valid-type]
    owner: _text("owner") | None = None  # type: ignore[valid-type]
    owner_phone: Phone | None = None
    user: _text("user") | None = None  # type: ignore[valid-type]
    user_phone: Phone | None = None
    responsible: _text("responsible") | None = None  # type: ignore[valid-type]
    responsible_phone: Phone | None = None
    structure: _text("structure") | None = None  # type: ignore[valid-type]
    floors: Annotated[int, Field(ge=1, le=200)] | None = None
    year_built: Annotated[int, Field(ge=1800, le=2100)] | None = None
    area_m2: Area | None = None
    use: _text("use") | None = None  # type: ignore[valid-type]
    grade: str | None = None
    appraisal_body: _text("appraisal_body") | None = None  # type: ignore[valid-type]
    report_number: _text("report_number") | None = None  # type: ignore[valid-type]
    appraised_on: Day | None = None
    disposition: str | None = None
    remediation_due: Day | None = None
    warden: _text("warden") | None = None  # type: ignore[valid-type]
    warden_phone: Phone | None = None
    note: _text("note") | None = None  # type: ignore[valid-type]


FIELDS = tuple(HouseIn.model_fields)


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


def resolve_code(
    value: str | None, items: dict[str, str], what: str
) -> tuple[str | None, str | None]:
    """(code, problem): a code or its name → the code."""
    if value is None or value == "":
        return None, None
    if value in items:
        return value, None
    for code, name in items.items():
        if value == name:
            return code, None
    known = "、".join(f"{code}（{name}）" for code, name in items.items())
    return None, f"unknown {what} '{value}' (known: {known})"


def check_house(
    plan: Plan, section: Prevention, raw: dict[str, Any], today: date
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The house's fields, codes resolved, or every problem found in them."""
    problems: list[Problem] = []
    try:
        house = HouseIn.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            problems.append(Problem(where or "input", reason(err).removeprefix("Value error, ")))
        return None, problems
    values = house.model_dump()
    grades = {code: info.name for code, info in section.appraisal_grades.items.items()}
    for name, items, what in (
        ("street", plan.streets.items, "street"),
        ("grade", grades, "grade"),
        ("disposition", section.dispositions.items, "disposition"),
    ):
        code, problem = resolve_code(values[name], items, what)
        if problem:
            problems.append(Problem(name, problem))
        values[name] = code
    if values["grade"] is not None:
        for name in ("appraisal_body", "report_number", "appraised_on"):
            if not values[name]:
                problems.append(
                    Problem(name, "required when a grade is given (the appraisal it comes from)")
                )
    if values["appraised_on"] is not None and values["appraised_on"] > today:
        problems.append(Problem("appraised_on", "is later than today"))
    return (None if problems else values), problems


def patrol_interval(section: Prevention, grade: str | None) -> timedelta:
    """How long a house of this grade may go without a patrol (local policy)."""
    return timedelta(days=section.patrols.interval_days[grade or UNGRADED])


def next_patrol_due(section: Prevention, grade: str | None, since: datetime) -> datetime:
    return since + patrol_interval(section, grade)


def registers(section: Prevention, grade: str | None) -> bool:
    """An appraisal result that puts the house on the register (§4.1.1, SPEC R12: C or D)."""
    return grade in section.appraisal_grades.dangerous
