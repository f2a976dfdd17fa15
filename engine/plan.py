"""The emergency plan as validated data.

The engine knows no district: every number, unit, duty and authority comes from a YAML
file in `config/`, validated here at start-up. A wrong file stops the engine with a message that
names the key and the problem (`PlanError`), never with a traceback.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Level = Literal["III", "II", "I"]
LEVELS: tuple[Level, ...] = ("III", "II", "I")  # lowest first
T = TypeVar("T")
NonNegative = Annotated[int, Field(ge=0)]
# Minutes may be fractional so that a test plan can run its timers in seconds.
Minutes = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanInfo(_Strict):
    code: str
    name: str
    document_number: str
    district: str
    timezone: str
    issuer: str
    notice_prefix: str
    intake: str
    """The unit that logs a report when no other is named (the desk that receives them)."""
    duty_desk: str
    """Who is told when a message cannot be delivered, and whose contacts are checked too."""


class Streets(_Strict):
    clause: str
    items: dict[str, str] = Field(min_length=1)


class Actor(_Strict):
    name: str
    clause: str
    member: bool = False
    duties: str | None = None
    duties_clause: str | None = None
    # The plan names no duty for this unit: its notices say so instead of quoting one.
    no_plan_duty: bool = False
    note: str | None = None
    # A desk that receives reports on another unit's behalf (e.g. the bureau's duty officer).
    acts_for: str | None = None
    # An account of this unit belongs to one of the plan's streets and sees and acts on that
    # street's incidents only (one office per street, one code for all of them).
    per_street: bool = False


class Roles(_Strict):
    local_policy: bool
    items: dict[str, str]


class Condition(_Strict):
    name: str
    level: Level
    clause: str
    occurred: bool = False
    """The event has happened (not only threatens): casualty and loss criteria apply."""


class LevelInfo(_Strict):
    name: str
    clause: str
    city_request: bool = False


class Grade(_Strict):
    code: str
    name: str
    clause: str
    dead_missing: NonNegative
    economic_loss_yuan: NonNegative
    people_at_risk: NonNegative


class DefaultGrade(_Strict):
    code: str
    name: str
    clause: str


class Grading(_Strict):
    clause: str
    threshold_inclusive: bool
    threshold_inclusive_local_policy: bool
    at_risk_conditions: list[str]
    ungraded_conditions: list[str]
    district_scope: list[str]
    grades: list[Grade] = Field(min_length=1)
    default_grade: DefaultGrade

    @model_validator(mode="after")
    def _highest_first(self) -> Grading:
        for higher, lower in zip(self.grades, self.grades[1:], strict=False):
            for key in ("dead_missing", "economic_loss_yuan", "people_at_risk"):
                if getattr(higher, key) < getattr(lower, key):
                    raise ValueError(
                        f"grades must be listed highest first: {higher.code}.{key} is below "
                        f"{lower.code}.{key}"
                    )
        return self

    def grade_name(self, code: str | None) -> str | None:
        if code is None:
            return None
        if code == self.default_grade.code:
            return self.default_grade.name
        return next(g.name for g in self.grades if g.code == code)


class DeadlineRule(_Strict):
    name: str
    clause: str
    # The workflow's event that starts it; the workflow checks at start-up that it makes it.
    starts_on: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]*$", max_length=64)]
    # What the deadline counts from: the discovery, or the instant of the action that started it.
    from_: Literal["discovered_at", "action_at"] = Field(alias="from")
    within_minutes: Minutes
    recipients: list[str] = Field(min_length=1)
    responsible: str
    escalation: list[str] = Field(min_length=1)
    local_policy: bool = False
    policy_note: str | None = None
    responsible_note: str | None = None


class Alerts(_Strict):
    local_policy: bool
    reminder_minutes_before: list[Minutes]
    overdue_interval_minutes: Minutes
    acknowledgement_minutes: Minutes


class ByLevel(_Strict, Generic[T]):
    """One value per response level, looked up by the level's name."""

    III: T
    II: T
    I: T

    def for_level(self, level: Level) -> T:
        value: T = getattr(self, level)
        return value


class Activation(ByLevel[Annotated[list[str], Field(min_length=1)]]):
    clause: str


class RaiseLevel(_Strict):
    clause: str
    always: list[str]
    at_level: dict[Level, list[str]]
    lower: list[str]
    lower_local_policy: bool


class TerminationSteps(_Strict):
    propose: str
    approve: str
    announce: str


class Termination(ByLevel[TerminationSteps]):
    clause: str


class LevelDuties(_Strict):
    clause: str
    text: str
    notify: list[str]


class ActivationDuties(ByLevel[LevelDuties]):
    pass


class Group(_Strict):
    code: str
    name: str
    clause: str
    lead: str
    members: list[str] = Field(min_length=1)
    duty: str
    # The clause the duty text is quoted from, when it is not the group's own clause.
    duty_clause: str | None = None
    lead_local_policy: bool = False
    note: str | None = None


class NoDutyText(_Strict):
    local_policy: Literal[True]
    text: str


class OnsiteGroups(_Strict):
    clause: str
    levels: list[Level]
    groups: list[Group]


class Obligation(_Strict):
    kind: str
    name: str
    owner: str
    clause: str


class Measure(_Strict):
    name: str
    clause: str
    obligation: Obligation | None = None


class EmergencyPowers(_Strict):
    clause: str
    measures: dict[str, Measure]


class ReportSections(_Strict):
    clause: str
    items: dict[str, str] = Field(min_length=1)


class Investigation(_Strict):
    clause: str
    levels: list[Level]
    lead: str
    default_members: list[str]
    report_sections: ReportSections


class Aftermath(_Strict):
    clause: str
    kinds: dict[str, str] = Field(min_length=1)


class InformationRelease(_Strict):
    clause: str
    approve: str
    release: str
    draft: list[str]


class ActionAuthority(_Strict):
    actors: list[str] = Field(min_length=1)
    clause: str
    local_policy: bool = False


class Duplicates(_Strict):
    """When a new report is likely the same event as one already logged (R11): same street,
    an address at least `min_similarity` alike (0–100), reported within `window_hours`."""

    window_hours: Annotated[float, Field(gt=0)]
    min_similarity: Annotated[int, Field(ge=0, le=100)]
    clause: str
    local_policy: bool = False


class Proxy(_Strict):
    """Decisions by proxy (R11): a desk in `recorders` may record what a body in `bodies`
    decided or acknowledged by phone, fax or document; any other body acts itself."""

    recorders: list[str] = Field(min_length=1)
    bodies: list[str]
    sources: dict[str, str] = Field(min_length=1)
    clause: str
    local_policy: bool = False
    # Who may record that a unit confirmed its notice by phone: the recorders and
    # the desks that act for them.
    phone_confirmers: list[str] = Field(min_length=1)


class Plan(_Strict):
    """The whole plan. Cross-references (unit codes, role codes) are checked after parsing."""

    plan: PlanInfo
    streets: Streets
    actors: dict[str, Actor]
    roles: Roles
    conditions: dict[str, Condition]
    levels: dict[Level, LevelInfo]
    grading: Grading
    deadlines: dict[str, DeadlineRule]
    alerts: Alerts
    activation: Activation
    raise_level: RaiseLevel
    termination: Termination
    activation_duties: ActivationDuties
    no_duty_text: NoDutyText
    onsite_groups: OnsiteGroups
    emergency_powers: EmergencyPowers
    investigation: Investigation
    information_release: InformationRelease
    aftermath: Aftermath
    authority: dict[str, ActionAuthority]
    duplicates: Duplicates
    proxy: Proxy
    # A workflow's own section, validated by the workflow's model when it starts
    # (workflows.housing_safety.prevention_config).
    prevention: dict[str, Any] = Field(default_factory=dict)
    information_reports: dict[str, Any] = Field(default_factory=dict)

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    @model_validator(mode="after")
    def _references_exist(self) -> Plan:
        actors = set(self.actors)
        roles = set(self.roles.items)
        conditions = set(self.conditions)
        grades = {g.code for g in self.grading.grades} | {self.grading.default_grade.code}

        def check(where: str, codes: list[str], known: set[str], what: str) -> None:
            for code in codes:
                if code not in known:
                    raise ValueError(f"{where}: unknown {what} '{code}'")

        check("plan.intake", [self.plan.intake], actors, "actor")
        check("proxy.recorders", self.proxy.recorders, actors, "actor")
        check("proxy.bodies", self.proxy.bodies, actors, "actor")
        check("proxy.phone_confirmers", self.proxy.phone_confirmers, actors, "actor")
        check("plan.duty_desk", [self.plan.duty_desk], actors | roles, "actor")
        check(
            "grading.at_risk_conditions", self.grading.at_risk_conditions, conditions, "condition"
        )
        check(
            "grading.ungraded_conditions", self.grading.ungraded_conditions, conditions, "condition"
        )
        check("grading.district_scope", self.grading.district_scope, grades, "grade")
        for code, rule in self.deadlines.items():
            check(f"deadlines.{code}.recipients", rule.recipients, actors, "actor")
            check(f"deadlines.{code}.responsible", [rule.responsible], actors, "actor")
            check(f"deadlines.{code}.escalation", rule.escalation, roles | actors, "role")
        for level in LEVELS:
            check(f"activation.{level}", self.activation.for_level(level), actors, "actor")
            steps = self.termination.for_level(level)
            check(
                f"termination.{level}",
                [steps.propose, steps.approve, steps.announce],
                actors,
                "actor",
            )
            notify = [
                u for u in self.activation_duties.for_level(level).notify if u != "all_members"
            ]
            check(f"activation_duties.{level}.notify", notify, actors, "actor")
        check("raise_level.always", self.raise_level.always, actors, "actor")
        check("raise_level.lower", self.raise_level.lower, actors, "actor")
        for level, codes in self.raise_level.at_level.items():
            check(f"raise_level.at_level.{level}", codes, actors, "actor")
        for group in self.onsite_groups.groups:
            check(f"onsite_groups.{group.code}", [group.lead, *group.members], actors, "actor")
        for code, measure in self.emergency_powers.measures.items():
            if measure.obligation:
                check(
                    f"emergency_powers.measures.{code}.obligation.owner",
                    [measure.obligation.owner],
                    actors,
                    "actor",
                )
        check(
            "investigation",
            [self.investigation.lead, *self.investigation.default_members],
            actors,
            "actor",
        )
        check(
            "information_release",
            [
                self.information_release.approve,
                self.information_release.release,
                *self.information_release.draft,
            ],
            actors,
            "actor",
        )
        for code, actor in self.actors.items():
            if (actor.duties is None) != (actor.duties_clause is None):
                raise ValueError(f"actors.{code}: duties and duties_clause go together")
            if actor.member and (actor.duties is None) != actor.no_plan_duty:
                raise ValueError(
                    f"actors.{code}: a member unit has quoted duties or "
                    "no_plan_duty: true (never both, never neither)"
                )
            if actor.acts_for is not None:
                check(f"actors.{code}.acts_for", [actor.acts_for], actors, "actor")
        for action, authority in self.authority.items():
            check(f"authority.{action}", authority.actors, actors, "actor")
        if set(self.levels) != set(LEVELS):
            raise ValueError(f"levels: must define exactly {', '.join(LEVELS)}")
        return self

    @cached_property
    def member_units(self) -> list[str]:
        return [code for code, actor in self.actors.items() if actor.member]

    def actor_name(self, code: str) -> str:
        actor = self.actors.get(code)
        if actor is not None:
            return actor.name
        return self.roles.items.get(code, code)


class PlanError(Exception):
    """The plan file cannot be used; the message names the key and the problem."""


DEFAULT_PLAN_PATH = Path(__file__).resolve().parent.parent / "config" / "plan.yaml"
"""The plan run when FANGAN_PLAN names none: a link to the district's own file."""


class _UniqueKeys(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping: PyYAML would keep the last one
    silently, and a plan edited by hand must not lose a setting that way."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_plan(path: Path = DEFAULT_PLAN_PATH) -> Plan:
    """Read and validate a plan file."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys)
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML ({exc})") from exc
    try:
        return Plan.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise PlanError(f"{path}: {problems}") from exc
