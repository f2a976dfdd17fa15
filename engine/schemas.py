"""Input shapes shared by the CLI and the API, and the check on every row written.

This is the one boundary every input crosses before the engine acts or the database sees it.
The shapes live in `engine.inputs` (no database module, so a pure command stays light) and are
re-exported here; this module adds what needs the tables: `limit` (a column's length) and
`_check_rows`, which refuses text longer than its column or with a NUL character on every flush,
so no caller can get past them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.errors import InvalidInput
from engine.inputs import (
    MAX_INT,
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    Address,
    ClassifyIn,
    Count,
    FactsPatch,
    Flag,
    Id,
    IncidentIn,
    Input,
    Instant,
    ProxyIn,
    Text,
    Yuan,
    check_codes,
    check_json_shape,
    json_money,
    parse_json,
    reason,
    validate,
)

__all__ = [
    "MAX_INT",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "Address",
    "ClassifyIn",
    "Count",
    "FactsPatch",
    "Flag",
    "Id",
    "IncidentIn",
    "Input",
    "Instant",
    "ProxyIn",
    "Text",
    "Yuan",
    "check_codes",
    "check_json_shape",
    "json_money",
    "limit",
    "parse_json",
    "reason",
    "validate",
]


def limit(model: type[Any], name: str) -> int:
    """The length of a model's string column (`limit(Incident, "address")` → 500): the limits
    are the schema's, never a copy of its numbers."""
    length: int = sa.inspect(model).columns[name].type.length
    return length


# -- every row written ------------------------------------------------------------------------


def _check_rows(session: Session, _context: object, _instances: object) -> None:
    """Before any flush: no text longer than its column, none with a NUL character — the same
    refusal on SQLite (which would store it) as on PostgreSQL (which would fail)."""
    for row in (*session.new, *session.dirty):
        for attr in sa.inspect(row).mapper.column_attrs:
            value = getattr(row, attr.key)
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                raise InvalidInput(f"{attr.key}: must not contain a NUL character")
            length = getattr(attr.columns[0].type, "length", None)
            if length is not None and len(value) > length:
                raise InvalidInput(f"{attr.key}: at most {length} characters (got {len(value)})")


sa.event.listen(Session, "before_flush", _check_rows)
