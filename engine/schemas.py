"""Input shapes shared by the CLI and the API: pydantic models whose errors name the field."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from engine.errors import InvalidInput
from engine.plan import Plan

# Bounded by the portable column types (INTEGER, BIGINT): a larger number is invalid input, not a
# database overflow.
Count = Annotated[int, Field(ge=0, le=2**31 - 1, strict=True)]
Yuan = Annotated[int, Field(ge=0, le=2**63 - 1, strict=True)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactsPatch(Input):
    """Corrected facts (verify, raise_level): every field optional."""

    condition: str | None = None
    street: str | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=500)] | None = None
    discovered_at: AwareDatetime | None = None
    dead: Count | None = None
    missing: Count | None = None
    injured: Count | None = None
    economic_loss_yuan: Yuan | None = None
    people_at_risk: Count | None = None
    reporter: Annotated[str, StringConstraints(max_length=200)] | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude_none=True)


class IncidentIn(FactsPatch):
    """A new report (SPEC §5 `incident report`)."""

    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=500)]
    street: str
    condition: str
    discovered_at: AwareDatetime
    reported_at: AwareDatetime | None = None
    drill: bool = False


def validate(model: type[Input], data: object, prefix: str = "") -> Any:
    """Validate `data` against `model`; the `InvalidInput` names the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{prefix or 'input'}: expected a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "input"
        raise InvalidInput(f"{prefix}{where}: {_reason(err)}") from exc


def _reason(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "required"
    if err["type"] == "greater_than_equal":
        return "must be 0 or more"
    if err["type"] == "less_than_equal":
        return f"must be {err['ctx']['le']} or less"
    if err["type"] == "timezone_aware":
        return "needs a UTC offset (e.g. +08:00 or Z)"
    return str(err["msg"])


def check_codes(plan: Plan, patch: FactsPatch, prefix: str = "") -> None:
    if patch.street is not None and patch.street not in plan.streets.items:
        raise InvalidInput(f"{prefix}street: unknown street '{patch.street}' "
                           f"(known: {', '.join(plan.streets.items)})")
    if patch.condition is not None and patch.condition not in plan.conditions:
        raise InvalidInput(f"{prefix}condition: unknown condition '{patch.condition}' "
                           f"(known: {', '.join(plan.conditions)})")
