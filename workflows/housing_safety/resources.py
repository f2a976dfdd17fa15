"""Resources (§6; SPEC R13): the fund's arithmetic, picking experts and checking those who
confirm a danger gone — pure functions.

Money is exact decimal yuan (SPEC R1). The plan's floor of 1,000,000 yuan a year (§6.3) is a
duty of 区财政局, not something the engine can refuse: a smaller budget is recorded and flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.errors import InvalidInput


@dataclass(frozen=True)
class FundSummary:
    year: int
    budget_yuan: Decimal
    spent_yuan: Decimal
    minimum_yuan: Decimal

    @property
    def balance_yuan(self) -> Decimal:
        return self.budget_yuan - self.spent_yuan

    @property
    def below_minimum(self) -> bool:
        return self.budget_yuan < self.minimum_yuan


def spent_by_incident(rows: Iterable[tuple[int | None, Decimal]]) -> dict[int | None, Decimal]:
    """Spending summed per incident (None: not tied to an incident)."""
    out: dict[int | None, Decimal] = {}
    for incident_id, amount in rows:
        out[incident_id] = out.get(incident_id, Decimal("0")) + amount
    return out


def pick(
    experts: Iterable[dict[str, Any]], field: str | None, taken: set[int], count: int
) -> list[dict[str, Any]]:
    """Available experts of the field (any field when None) not yet picked for the task,
    in the pool's order, at most `count`."""
    return [
        e
        for e in experts
        if e["available"] and (field is None or e["field"] == field) and e["id"] not in taken
    ][:count]


def confirming_experts(
    pool: Mapping[int, Mapping[str, Any]], ids: Iterable[int], fields: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The pool's experts named by id to confirm the danger gone (§4.4 with §6.2), each with
    the name of its field: an id the pool does not hold, or an expert marked unavailable, is
    refused naming `expert_ids`. An id given twice counts once."""
    out: list[dict[str, Any]] = []
    for expert_id in dict.fromkeys(ids):
        expert = pool.get(expert_id)
        if expert is None:
            raise InvalidInput(f"data.expert_ids: unknown expert {expert_id} (not in the pool)")
        if not expert["available"]:
            raise InvalidInput(
                f"data.expert_ids: expert {expert_id} ({expert['name']}) is not available"
            )
        out.append(
            {
                "id": expert_id,
                "name": expert["name"],
                "field": expert["field"],
                "field_name": fields.get(expert["field"], expert["field"]),
            }
        )
    return out


def expert_names(pool_experts: Iterable[Mapping[str, Any]], named: Iterable[str]) -> list[str]:
    """How the confirming experts read in a notice or a report: the pool's with their field
    (张建国（城市建设）), then those named in free text as typed."""
    return [f"{e['name']}（{e['field_name']}）" for e in pool_experts] + list(named)
