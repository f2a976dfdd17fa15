"""Input shapes shared by the CLI and the API: pydantic models whose errors name the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from engine.errors import InvalidInput
from engine.plan import Plan

# Bounded by the portable column types (INTEGER, BIGINT): a larger number is invalid input, not a
# database overflow.
Count = Annotated[int, Field(ge=0, le=2**31 - 1, strict=True)]
# Money fits NUMERIC(16, 2) and has at most 15 significant digits, so that it survives a JSON
# number (a double) exactly: the engine writes it back as a number (README, contract).
YUAN_MAX = Decimal("9999999999999.99")
CENT = Decimal("0.01")


def _yuan(value: object) -> Decimal:
    """A JSON number or a numeric string → exact yuan with at most two decimal places."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PydanticCustomError("yuan", "must be a number of yuan (a JSON number or a "
                                          "numeric string)")
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise PydanticCustomError("yuan", "must be a number of yuan (a JSON number or a "
                                          "numeric string)") from None
    if not amount.is_finite():
        raise PydanticCustomError("yuan", "must be a finite number of yuan")
    if amount < 0:
        raise PydanticCustomError("yuan", "must be 0 or more")
    if amount > YUAN_MAX:
        raise PydanticCustomError("yuan", f"must be {YUAN_MAX} or less")
    if amount != amount.quantize(CENT):
        raise PydanticCustomError("yuan", "at most two decimal places (fen)")
    return amount.quantize(CENT)


Yuan = Annotated[Decimal, BeforeValidator(_yuan)]


def json_money(amount: Decimal | None) -> int | float | None:
    """Yuan as a JSON number: whole sums as integers, others with their fen (exact: see
    YUAN_MAX); unknown stays null."""
    if amount is None:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)
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
