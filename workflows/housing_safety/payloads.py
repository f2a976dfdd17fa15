"""What each action takes (SPEC §5 `incident act … --data`): validated before any guard runs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from engine.plan import Level
from engine.schemas import MAX_INT, FactsPatch, Id, Input, Text, Yuan


class RaiseLevel(FactsPatch):
    level: Level | None = None
    reason: Text | None = None

    def changes(self) -> dict[str, Any]:
        """The new facts only: `level` and `reason` are not facts of the incident."""
        facts = super().changes()
        facts.pop("level", None)
        facts.pop("reason", None)
        return facts


class RecordReport(Input):
    to: str
    channel: Text | None = None
    content: Text | None = None


class SubmitInfoReport(Input):
    """An information report (首报, 续报, 终报) as the officer edited it (§4.2)."""

    to: str
    kind: str
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
    channel: Text | None = None


class Acknowledge(Input):
    kind: str | None = None


class UseEmergencyPower(Input):
    measure: str
    detail: Text


class EliminateDanger(Input):
    """The experts who confirm the danger gone (§4.4): picked from the pool (§6.2) by id, or
    named in free text for one from outside it; at least one either way."""

    # Declared before `experts`, whose check reads it.
    expert_ids: Annotated[list[Id], Field(max_length=50)] = Field(default_factory=list)
    experts: list[Text] = Field(default_factory=list, validate_default=True)
    appraisers: Annotated[list[Text], Field(min_length=1)]

    @field_validator("experts")
    @classmethod
    def _someone(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if not value and not info.data.get("expert_ids"):
            raise PydanticCustomError(
                "required", "required: name an expert or pick one from the pool (expert_ids)"
            )
        return value


class Note(Input):
    note: Text | None = None


class SettleObligation(Input):
    obligation: int
    amount_yuan: Yuan
    how: Text


class StartInvestigation(Input):
    members: list[str] | None = None


class SubmitReport(Input):
    sections: dict[str, str]
    # A submitted report is final; a correction is a new version that keeps the earlier ones.
    correction: bool = False
    reason: Text | None = None


class Merge(Input):
    into: Annotated[int, Field(ge=1, le=MAX_INT)]
    reason: Text | None = None


class Dismiss(Input):
    reason: Text


class AmendGroup(Input):
    group: str
    add_units: list[str] = Field(default_factory=list)
    remove_units: list[str] = Field(default_factory=list)
    leader_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None


class DraftStatement(Input):
    text: Text
    statement: int | None = None  # the number of the statement this draft revises


class StatementRef(Input):
    statement: int


class OpenObligation(Input):
    kind: str
    detail: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    owner: str | None = None
