"""The plan file's `information_reports:` section (§4.2): the report kinds' names, the clause and
the national rule they follow, validated at start-up.

Apart from `info_reports` (the drafting and the action) so the plan check (`rules`) stays light.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.plan import Plan, PlanError

KINDS = ("initial", "progress", "final")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kinds(_Strict):
    initial: str = Field(min_length=1)
    progress: str = Field(min_length=1)
    final: str = Field(min_length=1)


class InfoReportsConfig(_Strict):
    """The plan file's `information_reports:` section."""

    clause: str = Field(min_length=1)
    local_policy: bool
    basis: str = Field(min_length=1)
    kinds: Kinds


def config(plan: Plan) -> InfoReportsConfig:
    """The validated section (a `PlanError` naming the key when it is wrong or missing)."""
    try:
        return InfoReportsConfig.model_validate(plan.information_reports)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise PlanError(f"information_reports.{where}: {err['msg']}") from exc
