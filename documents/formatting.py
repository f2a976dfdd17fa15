"""Chinese formatting helpers shared by every renderer.

They live in one place so that a notice, a Markdown report and a Word report never disagree on
how a date, a time, a sum of money or a section number is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DISPLAY_TZ",
    "UNKNOWN",
    "cn_count",
    "cn_date",
    "cn_datetime",
    "cn_datetime_text",
    "cn_numeral",
    "cn_ordinal_heading",
    "cn_place",
    "cn_yuan",
    "ensure_aware",
    "to_display_tz",
    "to_yuan",
]


def _display_tz() -> dt.tzinfo:
    """Asia/Shanghai, or a fixed UTC+8 where the system has no tz database.

    China has kept UTC+8 without daylight saving since 1991, so the fallback is exact for any
    incident this engine can record.
    """
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the host
        return dt.timezone(dt.timedelta(hours=8), "CST")


DISPLAY_TZ: dt.tzinfo = _display_tz()

_DIGITS = "零一二三四五六七八九"


def ensure_aware(value: dt.datetime, field: str) -> dt.datetime:
    """Reject naive datetimes: a naive time in a report would silently mean the server's zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be a timezone-aware datetime, got naive {value!r}")
    return value


def to_display_tz(value: dt.datetime) -> dt.datetime:
    """Convert an aware datetime to the wall-clock time people in Wuhan read."""
    return ensure_aware(value, "datetime").astimezone(DISPLAY_TZ)


def cn_date(value: dt.date) -> str:
    """成文日期 as GB/T 9704-2012 §7.3.5 wants it: Arabic numerals, no leading zeros.

    An aware datetime is first moved to Asia/Shanghai so the calendar day is the local one.
    """
    if isinstance(value, dt.datetime):
        value = to_display_tz(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: dt.datetime | None, empty: str = "—") -> str:
    """A table-friendly local time, e.g. ``2026年11月22日 08:05``; ``empty`` for a missing one."""
    if value is None:
        return empty
    local = to_display_tz(value)
    return f"{cn_date(local.date())} {local:%H:%M}"


def cn_datetime_text(value: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """A local time for running text, e.g. ``2026年11月22日8时05分`` (no space to stretch);
    ``zone`` defaults to Asia/Shanghai."""
    local = ensure_aware(value, "datetime").astimezone(zone or DISPLAY_TZ)
    return f"{cn_date(local.date())}{local.hour}时{local.minute:02d}分"


def cn_numeral(n: int) -> str:
    """Chinese numerals for 1–99, enough for section and item numbers (一, 十, 二十三)."""
    if not 1 <= n <= 99:
        raise ValueError(f"cn_numeral supports 1..99, got {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


def cn_ordinal_heading(n: int, heading: str) -> str:
    """First-level heading in the government style: ``一、事件发生单位概况``."""
    return f"{cn_numeral(n)}、{heading}"


UNKNOWN = "不详（待核实）"
"""How a fact nobody knows yet is written (SPEC R1): never as 0."""


def to_yuan(amount: Decimal | int | float | str | None) -> Decimal | None:
    """A sum of money as an exact Decimal; a float (read back from JSON) goes through its
    shortest text so that 99999999.5 stays 99999999.5."""
    if amount is None:
        return None
    return Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)


def cn_yuan(amount: Decimal | int | float | str | None) -> str:
    """Money with thousands separators; fen only when there are any (``1,250,000元``,
    ``1,234.50元``); an unknown sum is 不详（待核实）."""
    value = to_yuan(amount)
    if value is None:
        return UNKNOWN
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{text}元"


def cn_count(count: int | None, unit: str = "人") -> str:
    """A count with its unit (``3人``); an unknown count is 不详（待核实）, never 0."""
    return UNKNOWN if count is None else f"{count}{unit}"


def cn_place(address: str, street: str, district: str, *, with_district: bool = True) -> str:
    """Where the house is: district, street and address, each written once.

    People often type the street (XX街XX花园3栋) or the district (XX区XX大道1号) into the
    address; prefixing it again would print 鹦鹉街鹦鹉街…. An address that already starts with
    the district is printed as typed; otherwise the street (unless the address starts with it)
    and, if asked for, the district go in front.
    """
    text = address.strip()
    if text.startswith(district):
        return text
    if not text.startswith(street):
        text = street + text
    return district + text if with_district else text
