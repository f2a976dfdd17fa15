"""Likely duplicates of a new report (R11): pure functions over plain data.

Two calls about one building are common in a storm; logging the second as a new incident splits
the record and doubles the alerts. A report is a likely duplicate of an earlier one when both
name the same street, their addresses are alike (rapidfuzz, after normalising full-width
characters, spaces and the street's own name), and the earlier was reported within the plan's
window. The officer decides: it only flags.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from engine.plan import Duplicates


@dataclass(frozen=True)
class Candidate:
    id: int
    street: str
    address: str
    reported_at: datetime
    state: str


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    similarity: int


def normalise(address: str, street_name: str = "") -> str:
    """Compare what distinguishes the place: full-width forms folded, spaces and the street's
    own name (often typed in front) dropped."""
    text = unicodedata.normalize("NFKC", address)
    if street_name:
        text = text.replace(street_name, "")
    return "".join(text.split()).lower()


def similarity(a: str, b: str) -> int:
    """0–100. A shorter address contained in a longer one (a building number added) counts as
    alike."""
    if not a or not b:
        return 0
    score = fuzz.ratio(a, b)
    if min(len(a), len(b)) >= 4:
        score = max(score, fuzz.partial_ratio(a, b))
    return round(score)


def likely_duplicates(
    rule: Duplicates,
    street: str,
    address: str,
    reported_at: datetime,
    candidates: Iterable[Candidate],
    street_name: str = "",
) -> list[Match]:
    """The earlier reports this one is likely a duplicate of, most alike first."""
    window = timedelta(hours=rule.window_hours)
    mine = normalise(address, street_name)
    found = []
    for other in candidates:
        if other.street != street or abs(reported_at - other.reported_at) > window:
            continue
        score = similarity(mine, normalise(other.address, street_name))
        if score >= rule.min_similarity:
            found.append(Match(other, score))
    return sorted(found, key=lambda m: (-m.similarity, -m.candidate.id))
