"""Weather and geological warnings (§3.5; SPEC R12): reading a CAP 1.2 / GB/T 35965.1 message,
and which houses a warning sends inspectors to — pure functions.

The XML is parsed with defusedxml with DTDs forbidden, so an entity bomb, an external entity or
an external DTD is refused before anything is expanded or fetched. A message is read whole or
refused whole, with the element and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from engine.errors import InvalidInput
from engine.plan import Plan
from engine.timeutil import read_instant
from workflows.housing_safety.prevention_config import Prevention

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
MAX_XML_BYTES = 1_000_000


@dataclass(frozen=True)
class WarningFacts:
    kind: str
    colour: str
    streets: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    headline: str | None = None
    identifier: str | None = None


def _text(parent: Element, name: str, where: str, required: bool = True) -> str | None:
    found = parent.find(f"{CAP}{name}")
    value = found.text.strip() if found is not None and found.text else None
    if required and not value:
        raise InvalidInput(f"xml: {where}<{name}> is missing")
    return value


def _instant(value: str | None, name: str) -> datetime:
    try:
        return read_instant(value)
    except ValueError as exc:
        raise InvalidInput(f"xml: <{name}>: {exc}") from exc


def _streets(plan: Plan, areas: list[str]) -> tuple[str, ...]:
    """Streets named in the areas (by their names); an area of the whole district covers all."""
    found: list[str] = []
    for area in areas:
        named = [code for code, name in plan.streets.items.items() if name in area]
        if named:
            found += named
        elif plan.plan.district in area:
            found += list(plan.streets.items)
        else:
            raise InvalidInput(f"xml: <areaDesc> '{area}' names no street of {plan.plan.district}")
    return tuple(dict.fromkeys(found))


def _kind(section: Prevention, words: str) -> str:
    for code, name in section.warnings.kinds.items():
        if name in words:
            return code
    raise InvalidInput(
        f"xml: <event> '{words}' is not a warning the plan covers "
        f"({'、'.join(section.warnings.kinds.values())})"
    )


def parse_cap(plan: Plan, section: Prevention, content: bytes) -> WarningFacts:
    """A CAP 1.2 alert → the warning's facts (its first <info>, its <area>s)."""
    if len(content) > MAX_XML_BYTES:
        raise InvalidInput(f"xml: larger than {MAX_XML_BYTES} bytes")
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidInput(
            f"xml: refused, the message declares a DTD or entities "
            f"({type(exc).__name__}); a CAP message needs neither"
        ) from exc
    except ParseError as exc:
        raise InvalidInput(f"xml: not well-formed XML ({exc})") from exc
    if root.tag != f"{CAP}alert":
        raise InvalidInput(
            "xml: not a CAP 1.2 <alert> (namespace urn:oasis:names:tc:emergency:cap:1.2)"
        )
    identifier = _text(root, "identifier", "<alert>")
    sender = _text(root, "sender", "<alert>")
    if _text(root, "msgType", "<alert>") not in ("Alert", "Update"):
        raise InvalidInput("xml: <msgType>: only Alert and Update messages create a warning")
    info = root.find(f"{CAP}info")
    if info is None:
        raise InvalidInput("xml: <alert><info> is missing")
    event = _text(info, "event", "<info>") or ""
    headline = _text(info, "headline", "<info>", required=False)
    severity = _text(info, "severity", "<info>") or ""
    words = f"{event} {headline or ''}"
    colour = next(
        (code for code, name in section.warnings.colours.items() if name in words),
        section.warnings.cap_severity.get(severity),
    )
    if colour is None:
        raise InvalidInput(f"xml: <severity> '{severity}' gives no warning colour")
    starts = (
        _text(info, "onset", "<info>", required=False)
        or _text(info, "effective", "<info>", required=False)
        or _text(root, "sent", "<alert>")
    )
    starts_at = _instant(starts, "onset")
    ends_at = _instant(_text(info, "expires", "<info>"), "expires")
    areas = [a.findtext(f"{CAP}areaDesc", "").strip() for a in info.findall(f"{CAP}area")]
    if not areas or not all(areas):
        raise InvalidInput("xml: <info><area><areaDesc> is missing")
    facts = WarningFacts(
        _kind(section, words),
        colour,
        _streets(plan, areas),
        starts_at,
        ends_at,
        headline or event,
        f"{sender}/{identifier}",
    )
    check(plan, section, facts)
    return facts


def check(plan: Plan, section: Prevention, facts: WarningFacts) -> None:
    """The rules any warning meets, entered by hand or imported."""
    if facts.kind not in section.warnings.kinds:
        raise InvalidInput(f"kind: must be one of {', '.join(section.warnings.kinds)}")
    if facts.colour not in section.warnings.colours:
        raise InvalidInput(f"colour: must be one of {', '.join(section.warnings.colours)}")
    if not facts.streets:
        raise InvalidInput("streets: at least one street")
    for street in facts.streets:
        if street not in plan.streets.items:
            raise InvalidInput(f"streets: unknown street '{street}'")
    if facts.ends_at <= facts.starts_at:
        raise InvalidInput("ends_at: must be later than starts_at")


def inspection_due(section: Prevention, colour: str, issued_at: datetime) -> datetime:
    """When a house's inspection is due after a warning of this colour (local policy)."""
    return issued_at + timedelta(hours=section.warnings.inspection.within_hours[colour])


def houses_to_inspect(
    section: Prevention, facts: WarningFacts, houses: list[dict[str, Any]]
) -> list[int]:
    """The registered houses of the inspected grades (C, D) in the covered streets."""
    return [
        h["id"]
        for h in houses
        if h["street"] in facts.streets and h["grade"] in section.warnings.inspect_grades
    ]


def room_left(capacity: int, occupied: int) -> int:
    return max(capacity - occupied, 0)
