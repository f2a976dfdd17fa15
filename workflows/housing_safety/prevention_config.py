"""The `prevention:` section of the plan file (§3, §6), validated when the workflow starts.

Codes the register uses (the JGJ 125-2016 grades, the dispositions of 《城市危险房屋管理规定》
art. 9) and the local policy the plan leaves open (patrol intervals, the major-hazard report's
time limit) all come from here, each with its clause or its `local_policy` mark.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from engine.escalation import AlertPolicy
from engine.plan import Plan, PlanError

UNGRADED = "ungraded"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Register(_Strict):
    clause: str
    keeper: str
    notify: str


class GradeInfo(_Strict):
    name: str
    text: str


class Grades(_Strict):
    clause: str
    items: dict[str, GradeInfo] = Field(min_length=1)
    dangerous: list[str] = Field(min_length=1)


class Dispositions(_Strict):
    clause: str
    items: dict[str, str] = Field(min_length=1)


class Timed(_Strict):
    """What a subject deadline's alerts follow (reminders, overdue steps, who is chased)."""

    reminder_minutes_before: list[float]
    overdue_interval_minutes: float = Field(gt=0)
    responsible: str
    escalation: list[str] = Field(min_length=1)

    def policy(self) -> AlertPolicy:
        return AlertPolicy(
            tuple(self.reminder_minutes_before),
            self.overdue_interval_minutes,
            self.responsible,
            tuple(self.escalation),
        )


class Patrols(Timed):
    clause: str
    local_policy: bool
    note: str
    interval_days: dict[str, float]


class HazardReport(Timed):
    clause: str
    name: str
    recipients: list[str] = Field(min_length=1)
    within_minutes: float = Field(gt=0)
    local_policy: bool
    policy_note: str


class Inspection(Timed):
    local_policy: bool
    policy_note: str
    within_hours: dict[str, float]


class Warnings(_Strict):
    clause: str
    kinds: dict[str, str] = Field(min_length=1)
    colours: dict[str, str] = Field(min_length=1)
    colours_clause: str
    cap_severity: dict[str, str]
    inspect_grades: list[str] = Field(min_length=1)
    inspection: Inspection


class Shelters(_Strict):
    clause: str
    kinds: dict[str, str] = Field(min_length=1)


class Experts(_Strict):
    clause: str
    fields: dict[str, str] = Field(min_length=1)
    tasks: dict[str, str] = Field(min_length=1)


class Rescue(_Strict):
    clause: str
    kinds: dict[str, str] = Field(min_length=1)


class Fund(_Strict):
    clause: str
    minimum_yuan_per_year: int = Field(ge=0)
    readers: list[str] = Field(min_length=1)
    writers: list[str] = Field(min_length=1)
    writers_local_policy: bool


class PublicBuildings(_Strict):
    clause: str
    departments: dict[str, str] = Field(min_length=1)
    report_to: str
    proxy: str
    proxy_local_policy: bool
    check_interval_days: int = Field(ge=1, le=3660)
    interval_local_policy: bool
    interval_note: str


class Drills(_Strict):
    clause: str
    organiser: str
    local_policy: bool
    max_gap_days: int = Field(ge=1)
    policy_note: str


class Prevention(_Strict):
    danger_register: Register
    appraisal_grades: Grades
    dispositions: Dispositions
    patrols: Patrols
    major_hazard_report: HazardReport
    warnings: Warnings
    shelters: Shelters
    experts: Experts
    rescue: Rescue
    fund: Fund
    public_buildings: PublicBuildings
    drills: Drills

    @model_validator(mode="after")
    def _consistent(self) -> Prevention:
        grades = set(self.appraisal_grades.items)
        for code in self.appraisal_grades.dangerous:
            if code not in grades:
                raise ValueError(f"appraisal_grades.dangerous: unknown grade '{code}'")
        missing = (grades | {UNGRADED}) - set(self.patrols.interval_days)
        if missing:
            raise ValueError(f"patrols.interval_days: no interval for {', '.join(sorted(missing))}")
        colours = set(self.warnings.colours)
        for where, codes in (
            ("cap_severity", list(self.warnings.cap_severity.values())),
            ("inspection.within_hours", list(self.warnings.inspection.within_hours)),
        ):
            for code in codes:
                if code not in colours:
                    raise ValueError(f"warnings.{where}: unknown colour '{code}'")
        if colours - set(self.warnings.inspection.within_hours):
            raise ValueError("warnings.inspection.within_hours: every colour needs a time limit")
        for code in self.warnings.inspect_grades:
            if code not in grades:
                raise ValueError(f"warnings.inspect_grades: unknown grade '{code}'")
        return self


def check_actors(plan: Plan, section: Prevention) -> None:
    known = set(plan.actors) | set(plan.roles.items)
    named = [
        ("danger_register.keeper", section.danger_register.keeper),
        ("danger_register.notify", section.danger_register.notify),
    ]
    for where, timed in (
        ("patrols", section.patrols),
        ("major_hazard_report", section.major_hazard_report),
    ):
        named += [(f"{where}.responsible", timed.responsible)]
        named += [(f"{where}.escalation", code) for code in timed.escalation]
    named += [
        ("major_hazard_report.recipients", code) for code in section.major_hazard_report.recipients
    ]
    named += [("fund.readers", code) for code in section.fund.readers]
    named += [
        ("public_buildings.report_to", section.public_buildings.report_to),
        ("public_buildings.proxy", section.public_buildings.proxy),
        ("drills.organiser", section.drills.organiser),
    ]
    named += [("fund.writers", code) for code in section.fund.writers]
    for where, code in named:
        if code not in known:
            raise PlanError(f"prevention.{where}: unknown actor '{code}'")


def prevention(plan: Plan) -> Prevention:
    """The validated section (a `PlanError` naming the key when it is wrong)."""
    try:
        section = Prevention.model_validate(plan.prevention)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise PlanError(f"prevention.{where}: {err['msg']}") from exc
    check_actors(plan, section)
    return section
