"""R14 for the register (§3.2): patrol compliance and the danger-house register by grade and by
street, pure functions over plain data (the figures of `figures.py` are the incidents')."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine import deadlines as dl
from workflows.housing_safety.figures import (
    Outcome,
    Period,
    Spread,
    Tally,
    outcome,
    spread,
    tally,
)

UNGRADED = "ungraded"


@dataclass(frozen=True)
class HouseFact:
    id: int
    street: str
    grade: str | None


@dataclass(frozen=True)
class PatrolFact:
    """One patrol deadline of a registered house (a due patrol, met or not)."""

    house_id: int
    street: str
    deadline: dl.Deadline


@dataclass(frozen=True)
class Count:
    key: str
    ids: tuple[int, ...]
    """The houses behind it."""


@dataclass(frozen=True)
class RegisterFigures:
    patrols: Tally
    """Patrols due in the period: on time, late, missed, not yet due; ids are houses."""
    late: Spread
    missed: Spread
    by_grade: tuple[Count, ...]
    by_street: tuple[Count, ...]


def _minutes(late: timedelta | None) -> float:
    return round((late or timedelta(0)).total_seconds() / 60, 1)


def register_figures(
    houses: Iterable[HouseFact],
    patrols: Iterable[PatrolFact],
    period: Period,
    as_of: datetime,
    *,
    grades: Sequence[str],
    streets: Sequence[str],
) -> RegisterFigures:
    """Patrols due within `period` judged at `as_of` (the period's street only, if it names
    one), and the register as it stands, every grade and street in the plan's order."""
    mine = [h for h in houses if period.street is None or h.street == period.street]
    due = [
        p
        for p in patrols
        if period.start <= p.deadline.due_at < period.end
        and (period.street is None or p.street == period.street)
    ]
    judged: list[tuple[PatrolFact, Outcome]] = [(p, outcome(p.deadline, as_of)) for p in due]

    def lateness(which: Outcome) -> Spread:
        return spread([_minutes(dl.lateness(p.deadline, as_of)) for p, o in judged if o == which])

    def counted(keys: Sequence[str], key_of: dict[int, str]) -> tuple[Count, ...]:
        return tuple(Count(k, tuple(sorted(h.id for h in mine if key_of[h.id] == k))) for k in keys)

    grade_of = {h.id: h.grade or UNGRADED for h in mine}
    return RegisterFigures(
        patrols=tally((p.house_id, o) for p, o in judged),
        late=lateness("late"),
        missed=lateness("missed"),
        by_grade=counted([*grades, UNGRADED], grade_of),
        by_street=counted(list(streets), {h.id: h.street for h in mine}),
    )
