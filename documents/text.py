"""Clean-up and checks of running Chinese text before it is typeset.

Text reaches a document from several hands: templates, the plan's YAML (whose folded scalars
join lines with a space), and what people typed. GB/T 9704 prints none of the accidents this
leaves behind, so every document passes its text through :func:`tidy`, and the tests check
every rendered document with :func:`problems`.
"""

from __future__ import annotations

import re

__all__ = ["ISO_DATETIME", "cn_clause", "problems", "tidy"]

_CJK = r"\u2e80-\u9fff\uf900-\ufaff"
_FULL_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’—…·"
_WIDE = f"{_CJK}{_FULL_PUNCT}"

_STOPS = "。！？；：，、"
"""Full-width stops, strongest first: a run of them collapses to its strongest."""

_DOUBLED = re.compile(f"[{_STOPS}]{{2,}}")
_SPACE_NEAR_WIDE = re.compile(f"(?<=[{_WIDE}§])[ \t]+|[ \t]+(?=[{_WIDE}§])")

ISO_DATETIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2})?|\b\d{1,2}:\d{2}\b")
"""Machine-style dates and times (2026-11-22 03:15, 08:05) that running text must not contain."""
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")

_CLAUSE_ITEM = re.compile(r"(§\d+(?:\.\d+)*)[ \t]+(\d+)(?![\d.])")
_CLAUSE_SUBITEM = re.compile(r"(§[\d.]+(?:第\d+项)?)[ \t]*\((\d+)\)")
_CLAUSE_LIST = re.compile(r"(?<=[\d）项])[ \t]*[,，][ \t]*(?=§)")


def cn_clause(text: str) -> str:
    """Plan citations as printed: ``§2.2.3 5`` → ``§2.2.3第5项``, ``§4.3.2 (4)`` → ``§4.3.2（4）``,
    and ``§2.2.1 3, §5.3`` → ``§2.2.1第3项、§5.3``; the configuration keeps the short form."""
    text = _CLAUSE_ITEM.sub(r"\1第\2项", text)
    text = _CLAUSE_SUBITEM.sub(r"\1（\2）", text)
    return _CLAUSE_LIST.sub("、", text)


def _strongest(match: re.Match[str]) -> str:
    return min(match.group(0), key=_STOPS.index)


def tidy(text: str) -> str:
    """Citations in print form, no spaces next to Chinese characters or §, no doubled stops.

    Spaces between two Latin words or numbers stay (``JGJ 125``); line breaks stay, so a title's
    chosen breaks survive.
    """
    lines = []
    for line in text.split("\n"):
        line = cn_clause(line)
        line = _SPACE_NEAR_WIDE.sub("", line)
        lines.append(_DOUBLED.sub(_strongest, line))
    return "\n".join(lines)


def problems(text: str, *, clock_times: bool = True) -> list[str]:
    """What a printed text must not show, each named (an empty list when it is clean).

    ``clock_times=False`` allows 08:05 (a report's table cells), never 2026-11-22.
    """
    found = [f"doubled punctuation {m.group(0)!r}" for m in _DOUBLED.finditer(text)]
    found += [f"space next to Chinese text at {m.start()}" for m in _SPACE_NEAR_WIDE.finditer(text)]
    machine = ISO_DATETIME if clock_times else _ISO_DATE
    found += [f"machine date or time {m.group(0)!r}" for m in machine.finditer(text)]
    found += [f"citation not in print form {m.group(0)!r}" for m in _CLAUSE_ITEM.finditer(text)]
    return found
