"""Timezone handling: aware datetimes everywhere, stored in UTC, shown in the plan's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from engine.errors import InvalidInput


def parse_instant(value: object, field: str) -> datetime:
    """An ISO 8601 instant with an offset (`Z` too), as aware UTC; naive times are refused."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidInput(f"{field}: '{value}' is not an ISO 8601 time") from exc
    else:
        raise InvalidInput(f"{field}: expected an ISO 8601 time string")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidInput(f"{field}: '{value}' has no UTC offset (add +08:00 or Z)")
    return parsed.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """A database value as aware UTC (SQLite returns naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local_iso(value: datetime, zone: ZoneInfo) -> str:
    return as_utc(value).astimezone(zone).isoformat()


def local_text(value: datetime, zone: ZoneInfo) -> str:
    """For people: '2026-11-22 03:15'."""
    return as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")
