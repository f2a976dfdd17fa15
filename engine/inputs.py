"""Input shapes shared by the CLI and the API: pydantic models whose errors name the field.

The pure half of `engine.schemas`: it imports no database module, so a command that only
validates and computes (`classify`) never loads SQLAlchemy. JSON bounded in size and nesting
before it is parsed; strict types (no numbers as times, no strings as numbers or booleans);
numbers, ids and instants within bounds; text no longer than its column and never with a NUL
character (the column lengths are declared here and used by the models, one source of truth).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from engine.errors import InvalidInput
from engine.plan import Plan
from engine.timeutil import read_instant

# Lengths of the incident's text columns (engine.models declares its columns with these).
ADDRESS_LENGTH = 500
REPORTER_LENGTH = 200
DESCRIPTION_LENGTH = 4000

# Bounded by the portable column types (INTEGER, BIGINT): a larger number is invalid input, not a
# database overflow.
MAX_INT = 2**63 - 1
MAX_JSON_BYTES = 1_000_000
MAX_JSON_DEPTH = 20


def _instant(value: object) -> datetime:
    try:
        return read_instant(value)
    except ValueError as exc:
        raise PydanticCustomError("instant", str(exc)) from exc


Count = Annotated[int, Field(ge=0, le=2**31 - 1, strict=True)]
# Money fits NUMERIC(16, 2) and has at most 15 significant digits, so that it survives a JSON
# number (a double) exactly: the engine writes it back as a number (README, contract).
YUAN_MAX = Decimal("9999999999999.99")
CENT = Decimal("0.01")


def _yuan(value: object) -> Decimal:
    """A JSON number or a numeric string → exact yuan with at most two decimal places."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PydanticCustomError(
            "yuan", "must be a number of yuan (a JSON number or a numeric string)"
        )
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise PydanticCustomError(
            "yuan", "must be a number of yuan (a JSON number or a numeric string)"
        ) from None
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
Id = Annotated[int, Field(ge=1, le=MAX_INT, strict=True)]
Flag = Annotated[bool, Field(strict=True)]
# An ISO 8601 string with a UTC offset, within the years the engine accepts (engine.timeutil).
Instant = Annotated[datetime, BeforeValidator(_instant)]


def json_money(amount: Decimal | None) -> int | float | None:
    """Yuan as a JSON number: whole sums as integers, others with their fen (exact: see
    YUAN_MAX); unknown stays null."""
    if amount is None:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Address = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=ADDRESS_LENGTH),
]


def _refuse_unstorable(value: Any, where: str = "") -> None:
    """NUL characters, integers beyond BIGINT and non-finite numbers, anywhere in a value
    (`where`: the path inside it, for the message)."""
    at = f" (at {where})" if where else ""
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("nul_character", f"must not contain a NUL character{at}")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise PydanticCustomError("out_of_range", f"number out of range{at}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("out_of_range", f"must be a finite number{at}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(key, where)
            _refuse_unstorable(item, f"{where}.{key}".lstrip("."))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_unstorable(item, f"{where}.{index}".lstrip("."))


class Input(BaseModel):
    """Strict: a JSON value is taken as what it is, never converted ("1" is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        _refuse_unstorable(value)
        return value


class ProxyIn(Input):
    """A decision or acknowledgement a body conveyed by phone, fax or document, recorded by a
    desk on its behalf (R11): `for` is the body, `source` how it came, `conveyed_by` who said
    it (and `reference`, a document's number)."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    for_: Annotated[str, StringConstraints(max_length=64)] = Field(alias="for")
    source: Annotated[str, StringConstraints(max_length=32)]
    conveyed_by: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None


class FactsPatch(Input):
    """Corrected facts (verify, raise_level): every field optional."""

    condition: str | None = None
    street: str | None = None
    address: Address | None = None
    discovered_at: Instant | None = None
    dead: Count | None = None
    missing: Count | None = None
    injured: Count | None = None
    economic_loss_yuan: Yuan | None = None
    people_at_risk: Count | None = None
    reporter: Annotated[str, StringConstraints(max_length=REPORTER_LENGTH)] | None = None
    description: Annotated[str, StringConstraints(max_length=DESCRIPTION_LENGTH)] | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude_none=True)


class ClassifyIn(FactsPatch):
    """Facts to grade without recording anything (`classify`): the condition is required."""

    condition: str


class IncidentIn(FactsPatch):
    """A new report (SPEC §5 `incident report`)."""

    address: Address
    street: str
    condition: str
    discovered_at: Instant
    reported_at: Instant | None = None
    drill: Flag = False


def validate(model: type[Input], data: object, prefix: str = "") -> Any:
    """Validate `data` against `model`; the `InvalidInput` names the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{prefix or 'input'}: expected a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "input"
        raise InvalidInput(f"{prefix}{where}: {reason(err)}") from exc


def reason(err: Any) -> str:
    """A pydantic error's reason, in the words the CLI and the API both use."""
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required"
    if kind == "greater_than_equal":
        return f"must be {err['ctx']['ge']} or more"
    if kind == "less_than_equal":
        return f"must be {err['ctx']['le']} or less"
    if kind == "timezone_aware":
        return "needs a UTC offset (e.g. +08:00 or Z)"
    return str(err.get("msg", "invalid"))


def check_codes(plan: Plan, patch: FactsPatch, prefix: str = "") -> None:
    if patch.street is not None and patch.street not in plan.streets.items:
        raise InvalidInput(
            f"{prefix}street: unknown street '{patch.street}' "
            f"(known: {', '.join(plan.streets.items)})"
        )
    if patch.condition is not None and patch.condition not in plan.conditions:
        raise InvalidInput(
            f"{prefix}condition: unknown condition '{patch.condition}' "
            f"(known: {', '.join(plan.conditions)})"
        )


# -- JSON text --------------------------------------------------------------------------------

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def check_json_shape(text: str | bytes, field: str) -> None:
    """Refuse JSON text too large or nested too deeply before any parser recurses into it."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if len(raw) > MAX_JSON_BYTES:
        raise InvalidInput(f"{field}: larger than {MAX_JSON_BYTES} bytes")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{field}: not UTF-8 text (at byte {exc.start})") from exc
    depth = 0
    for bracket in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        depth += 1 if bracket in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise InvalidInput(f"{field}: nested deeper than {MAX_JSON_DEPTH} levels")


def parse_json(text: str, field: str) -> Any:
    """JSON text from a person or a program, bounded first (`check_json_shape`)."""
    check_json_shape(text, field)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{field}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
