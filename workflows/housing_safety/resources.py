"""Resources (§6; SPEC R13): the fund's arithmetic and picking experts — pure functions.

Money is exact decimal yuan (SPEC R1). The plan's floor of 1,000,000 yuan a year (§6.3) is a
duty of 区财政局, not something the engine can refuse: a smaller budget is recorded and flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


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
