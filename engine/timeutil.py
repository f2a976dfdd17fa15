"""Timezone handling: aware datetimes everywhere, stored in UTC, shown in the plan's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from engine.errors import InvalidInput

# The instants the engine accepts. Far wider than any incident needs, and far enough inside
# datetime's own range (years 1..9999) that converting to UTC or adding a deadline's hours or
# days can never overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def read_instant(value: object) -> datetime:
    """An ISO 8601 instant with an offset (`Z` too), as aware UTC. Naive times, numbers and years
    outside FIRST_YEAR..LAST_YEAR raise ValueError with the reason."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"'{value[:40]}' is not an ISO 8601 time") from None
    else:
        raise ValueError("expected an ISO 8601 time string")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"'{value}' has no UTC offset (add +08:00 or Z)")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValueError(f"'{value}' is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return parsed.astimezone(UTC)


def parse_instant(value: object, field: str) -> datetime:
    """`read_instant`, refusing with an `InvalidInput` that names the field."""
    try:
        return read_instant(value)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}") from None


def as_utc(value: datetime) -> datetime:
    """A database value as aware UTC (SQLite returns naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_iso(value: datetime, zone: ZoneInfo) -> str:
    return as_utc(value).astimezone(zone).isoformat()


def local_text(value: datetime, zone: ZoneInfo) -> str:
    """For people: '2026-11-22 03:15'."""
    return as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")
