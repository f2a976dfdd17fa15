"""The year in figures (SPEC R14; plan §4.2 reporting, §7.2 drills): pure functions over plain
records, no database, no clock.

A record is an `IncidentFact` per incident with its deadlines (`engine.deadlines.Deadline`, the
same value the scheduler judges), its notices and the first instant of each milestone. From a
period's records `compute` derives:

- each report kind's timeliness (the plan's deadline codes, in config order): on time, late
  (met after the due instant), missed (unmet past it), pending (not yet due) and void (stopped
  unmet before it was due: the incident was dismissed or closed first); how late: median, p90;
- the time from the report to verification, activation, danger eliminated, termination, close;
- each unit's acknowledgements: time to acknowledge, never acknowledged, re-sent to the backup;
- the same report timeliness by street, level, month and year (local time of the plan);
- the list of late and missed reports.

Drills are always apart (§7.2, SPEC R10): `Summary.real` never counts a drill, `Summary.drills`
holds the drills alone. Every figure carries the ids of the incidents behind it (`Summary.index`).
An empty period gives zero counts and `None` for a median (no value to take one of), never an
error. Percentiles interpolate linearly between ranks (numpy's default, "inclusive").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from math import floor
from typing import Literal
from zoneinfo import ZoneInfo

from engine import deadlines as dl
from engine.errors import InvalidInput

Outcome = Literal["on_time", "late", "missed", "pending", "void"]
OUTCOMES: tuple[Outcome, ...] = ("on_time", "late", "missed", "pending", "void")
MILESTONES = ("verified", "activated", "danger_eliminated", "terminated", "closed")
DIMENSIONS = ("street", "level", "month", "year")
MAX_PERIOD_DAYS = 3660  # ten years of months and streets is as much as one page can show


@dataclass(frozen=True)
class NoticeFact:
    unit: str
    kind: str
    sent_at: datetime
    ack_due_at: datetime | None
    """None: the notice asked for no acknowledgement (informational)."""
    acknowledged_at: datetime | None = None
    resent: bool = False
    status: str = "sent"


@dataclass(frozen=True)
class IncidentFact:
    id: int
    street: str
    level: str
    reported_at: datetime
    drill: bool = False
    address: str = ""
    milestones: Mapping[str, datetime] = field(default_factory=dict)
    """The first instant of each of `MILESTONES` reached."""
    deadlines: tuple[dl.Deadline, ...] = ()
    notices: tuple[NoticeFact, ...] = ()


@dataclass(frozen=True)
class Period:
    """Incidents reported in [start, end), optionally of one street or one final level."""

    start: datetime
    end: datetime
    zone: ZoneInfo
    street: str | None = None
    level: str | None = None

    def holds(self, incident: IncidentFact) -> bool:
        return (
            self.start <= incident.reported_at < self.end
            and self.street in (None, incident.street)
            and self.level in (None, incident.level)
        )

    def months(self) -> list[str]:
        first = self.start.astimezone(self.zone).date().replace(day=1)
        last = (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()
        keys: list[str] = []
        while first <= last:
            keys.append(f"{first:%Y-%m}")
            first = (first + timedelta(days=32)).replace(day=1)
        return keys

    def years(self) -> list[str]:
        return sorted({key[:4] for key in self.months()})


def parse_period(
    start: str | None,
    end: str | None,
    zone: ZoneInfo,
    *,
    default_year: int,
    street: str | None = None,
    level: str | None = None,
    streets: Iterable[str] = (),
    levels: Iterable[str] = (),
    names: tuple[str, str, str, str] = ("from", "to", "street", "level"),
) -> Period:
    """A period from the caller's words: dates (YYYY-MM-DD, local days, both inclusive) or
    instants with an offset ([from, to)). Default: the whole of `default_year`. `names` are
    the option names to blame (`--from` on the CLI, `from` in the API)."""
    try:
        begin = _bound(start, names[0], zone, end_of_day=False) if start else None
        finish = _bound(end, names[1], zone, end_of_day=True) if end else None
        if begin is None:
            year = finish.astimezone(zone).year if finish else default_year
            begin = datetime(year, 1, 1, tzinfo=zone)
        if finish is None:
            finish = datetime(begin.astimezone(zone).year + 1, 1, 1, tzinfo=zone)
        span = finish - begin
        begin.astimezone(UTC), finish.astimezone(UTC)  # as the database stores them
    except (ValueError, OverflowError):  # the first or last days of the calendar, and beyond
        raise InvalidInput(
            f"{names[0] if start else names[1]}: out of the range of dates this system counts"
        ) from None
    if finish <= begin:
        raise InvalidInput(f"{names[1]}: must be later than {names[0]}")
    if span > timedelta(days=MAX_PERIOD_DAYS):
        raise InvalidInput(f"{names[1]}: a period of at most {MAX_PERIOD_DAYS} days (ten years)")
    known_streets, known_levels = list(streets), list(levels)
    if street is not None and street not in known_streets:
        raise InvalidInput(
            f"{names[2]}: unknown street '{street}' (known: {', '.join(known_streets)})"
        )
    if level is not None and level not in known_levels:
        raise InvalidInput(
            f"{names[3]}: unknown level '{level}' (known: {', '.join(known_levels)})"
        )
    return Period(begin, finish, zone, street, level)


def _bound(text: str, name: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None and len(text) == 10:
        instant = datetime(day.year, day.month, day.day, tzinfo=zone)
        return instant + timedelta(days=1) if end_of_day else instant
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"{name}: not a date (YYYY-MM-DD) nor an ISO 8601 instant: '{text[:40]}'"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{name}: an instant needs an offset (e.g. +08:00), or give a date")
    return parsed


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Minutes: how many values, their median, 90th percentile and largest."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    max: float | None = None


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(values: Sequence[float]) -> Spread:
    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return Spread(
        len(values),
        r(quantile(values, 0.5)),
        r(quantile(values, 0.9)),
        r(max(values, default=None)),
    )


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _ids(incidents: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(incidents)))


@dataclass(frozen=True)
class Tally:
    """Report deadlines by outcome: how many of each, and the incidents behind each."""

    counts: Mapping[Outcome, int]
    ids: Mapping[Outcome, tuple[int, ...]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def all_ids(self) -> tuple[int, ...]:
        return _ids(i for ids in self.ids.values() for i in ids)

    @property
    def on_time_share(self) -> float | None:
        """On time among the reports that fell due (pending and void ones did not)."""
        due = self.counts["on_time"] + self.counts["late"] + self.counts["missed"]
        return round(self.counts["on_time"] / due, 4) if due else None


def tally(judged: Iterable[tuple[int, Outcome]]) -> Tally:
    buckets: dict[Outcome, list[int]] = {o: [] for o in OUTCOMES}
    for incident_id, outcome in judged:
        buckets[outcome].append(incident_id)
    return Tally({o: len(v) for o, v in buckets.items()}, {o: _ids(v) for o, v in buckets.items()})


@dataclass(frozen=True)
class Timeliness:
    code: str
    tally: Tally
    late: Spread
    """How late the late ones were met."""
    missed: Spread
    """How far past due the missed ones were by the time judged (now, or when stopped)."""


@dataclass(frozen=True)
class Interval:
    milestone: str
    spread: Spread
    ids: tuple[int, ...]


@dataclass(frozen=True)
class UnitAck:
    unit: str
    asked: int
    acknowledged: int
    never: int
    waiting: int
    resent: int
    spread: Spread
    ids: tuple[int, ...]
    never_ids: tuple[int, ...]
    resent_ids: tuple[int, ...]

    @property
    def never_share(self) -> float | None:
        judged = self.asked - self.waiting
        return round(self.never / judged, 4) if judged else None


@dataclass(frozen=True)
class Group:
    key: str
    incidents: tuple[int, ...]
    tally: Tally


@dataclass(frozen=True)
class LateReport:
    incident_id: int
    street: str
    address: str
    code: str
    occasion: int
    due_at: datetime
    met_at: datetime | None
    outcome: Outcome
    minutes: float


@dataclass(frozen=True)
class Figures:
    incidents: tuple[int, ...]
    timeliness: tuple[Timeliness, ...]
    intervals: tuple[Interval, ...]
    acknowledgements: tuple[UnitAck, ...]
    breakdowns: Mapping[str, tuple[Group, ...]]
    late_or_missed: tuple[LateReport, ...]

    def index(self, prefix: str = "") -> dict[str, tuple[int, ...]]:
        """Every figure's key and the incidents behind it (what a figure's link lists)."""
        out: dict[str, tuple[int, ...]] = {f"{prefix}incidents": self.incidents}
        for t in self.timeliness:
            out[f"{prefix}timeliness.{t.code}"] = t.tally.all_ids
            for outcome in OUTCOMES:
                out[f"{prefix}timeliness.{t.code}.{outcome}"] = t.tally.ids[outcome]
        for i in self.intervals:
            out[f"{prefix}interval.{i.milestone}"] = i.ids
        for a in self.acknowledgements:
            out[f"{prefix}ack.{a.unit}"] = a.ids
            out[f"{prefix}ack.{a.unit}.never"] = a.never_ids
            out[f"{prefix}ack.{a.unit}.resent"] = a.resent_ids
        for dimension, groups in self.breakdowns.items():
            for g in groups:
                out[f"{prefix}{dimension}.{g.key}"] = g.incidents
                late, missed = g.tally.ids["late"], g.tally.ids["missed"]
                out[f"{prefix}{dimension}.{g.key}.late"] = late
                out[f"{prefix}{dimension}.{g.key}.missed"] = missed
                out[f"{prefix}{dimension}.{g.key}.late_or_missed"] = _ids((*late, *missed))
        out[f"{prefix}late_or_missed"] = _ids(r.incident_id for r in self.late_or_missed)
        return out


@dataclass(frozen=True)
class Summary:
    period: Period
    as_of: datetime
    real: Figures
    drills: Figures

    def index(self) -> dict[str, tuple[int, ...]]:
        return {**self.real.index(), **self.drills.index("drills.")}


# -- the figures ------------------------------------------------------------------------------


def outcome(deadline: dl.Deadline, as_of: datetime) -> Outcome:
    """The engine's own status (`engine.deadlines.status`), with the not-yet-due split in two."""
    status = dl.status(deadline, as_of)
    if status == "pending":
        return "void" if deadline.stopped_at is not None else "pending"
    return {"met": "on_time", "met_late": "late", "overdue": "missed"}[status]  # type: ignore[return-value]


def compute(
    records: Iterable[IncidentFact],
    period: Period,
    as_of: datetime,
    *,
    codes: Sequence[str],
    streets: Sequence[str],
    levels: Sequence[str],
) -> Summary:
    """The figures of the incidents reported in `period`, judged at `as_of`. `codes`, `streets`
    and `levels` give the order of the rows (the plan's); codes found in the record but not
    listed (another chapter's deadlines) follow them."""
    chosen = [r for r in records if period.holds(r)]
    return Summary(
        period,
        as_of,
        _figures([r for r in chosen if not r.drill], period, as_of, codes, streets, levels),
        _figures([r for r in chosen if r.drill], period, as_of, codes, streets, levels),
    )


def _figures(
    records: list[IncidentFact],
    period: Period,
    as_of: datetime,
    codes: Sequence[str],
    streets: Sequence[str],
    levels: Sequence[str],
) -> Figures:
    judged = [(r, d, outcome(d, as_of)) for r in records for d in r.deadlines]
    found = list(dict.fromkeys(d.code for _, d, _ in judged))
    timeliness = tuple(
        _timeliness(code, [(r, d, o) for r, d, o in judged if d.code == code], as_of)
        for code in [*codes, *(c for c in found if c not in codes)]
    )
    intervals = tuple(
        Interval(
            m,
            spread(
                [_minutes(r.milestones[m] - r.reported_at) for r in records if m in r.milestones]
            ),
            _ids(r.id for r in records if m in r.milestones),
        )
        for m in MILESTONES
    )
    keys = {
        "street": [*streets, *sorted({r.street for r in records} - set(streets))],
        "level": list(levels),
        "month": period.months(),
        "year": period.years(),
    }
    breakdowns = {dim: _breakdown(dim, keys[dim], records, judged, period) for dim in DIMENSIONS}
    late = sorted(
        (_late(r, d, o, as_of) for r, d, o in judged if o in ("late", "missed")),
        key=lambda x: (x.due_at, x.incident_id, x.code),
    )
    return Figures(
        _ids(r.id for r in records),
        timeliness,
        intervals,
        _acknowledgements(records, as_of),
        breakdowns,
        tuple(late),
    )


def _breakdown(
    dimension: str,
    keys: list[str],
    records: list[IncidentFact],
    judged: list[tuple[IncidentFact, dl.Deadline, Outcome]],
    period: Period,
) -> tuple[Group, ...]:
    """One group per key, in the keys' order (an empty one too), each record placed once."""
    placed = {r.id: _key(dimension, r, period) for r in records}
    members: dict[str, list[IncidentFact]] = {k: [] for k in keys}
    outcomes: dict[str, list[tuple[IncidentFact, Outcome]]] = {k: [] for k in keys}
    for r in records:
        members.setdefault(placed[r.id], []).append(r)
    for r, _, o in judged:
        outcomes.setdefault(placed[r.id], []).append((r, o))
    return tuple(_group(k, outcomes[k], members[k]) for k in keys)


def _key(dimension: str, record: IncidentFact, period: Period) -> str:
    if dimension == "street":
        return record.street
    if dimension == "level":
        return record.level
    local = record.reported_at.astimezone(period.zone)
    return f"{local:%Y-%m}" if dimension == "month" else f"{local:%Y}"


def _timeliness(
    code: str, judged: list[tuple[IncidentFact, dl.Deadline, Outcome]], as_of: datetime
) -> Timeliness:
    def lateness(which: Outcome) -> Spread:
        return spread(
            [_minutes(dl.lateness(d, as_of) or timedelta(0)) for _, d, o in judged if o == which]
        )

    return Timeliness(
        code, tally((r.id, o) for r, _, o in judged), lateness("late"), lateness("missed")
    )


def _group(
    key: str, judged: list[tuple[IncidentFact, Outcome]], records: list[IncidentFact]
) -> Group:
    return Group(key, _ids(r.id for r in records), tally((r.id, o) for r, o in judged))


def _late(
    record: IncidentFact, deadline: dl.Deadline, result: Outcome, as_of: datetime
) -> LateReport:
    late = dl.lateness(deadline, as_of) or timedelta(0)
    return LateReport(
        record.id,
        record.street,
        record.address,
        deadline.code,
        deadline.occasion,
        deadline.due_at,
        deadline.met_at,
        result,
        round(_minutes(late), 1),
    )


def _acknowledgements(records: list[IncidentFact], as_of: datetime) -> tuple[UnitAck, ...]:
    """Notices that asked for an acknowledgement, per unit. One superseded or withdrawn before
    anyone acknowledged it was replaced, not ignored: it is not counted."""
    per_unit: dict[str, list[tuple[int, NoticeFact]]] = {}
    for r in records:
        for n in r.notices:
            if n.ack_due_at is None or (
                n.acknowledged_at is None and n.status in ("superseded", "withdrawn")
            ):
                continue
            per_unit.setdefault(n.unit, []).append((r.id, n))
    out = []
    for unit in sorted(per_unit):
        notices = per_unit[unit]
        minutes = [
            _minutes(n.acknowledged_at - n.sent_at)
            for _, n in notices
            if n.acknowledged_at is not None
        ]
        # Not acknowledged: still within its wait, or never (the wait ran out, or ended).
        open_ = [
            (i, n.ack_due_at is not None and as_of < n.ack_due_at)
            for i, n in notices
            if n.acknowledged_at is None
        ]
        waiting = [i for i, still in open_ if still]
        never = [i for i, still in open_ if not still]
        resent = [i for i, n in notices if n.resent]
        out.append(
            UnitAck(
                unit,
                len(notices),
                len(minutes),
                len(never),
                len(waiting),
                len(resent),
                spread(minutes),
                _ids(i for i, _ in notices),
                _ids(never),
                _ids(resent),
            )
        )
    return tuple(out)
