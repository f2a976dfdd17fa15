"""Grow a database built through the service by copying its incidents at the row level.

Logging 10,000 incidents through `IncidentService.report` takes a minute or more; the timers do
not care whether two incidents share their facts. So a template of n incidents is logged through
the service and then copied `copies − 1` times in SQL: every table that hangs off `incident`
gets its rows again with primary keys (and foreign keys into the copied tables) offset, times
shifted by a few seconds per copy and unique text keys (outbox idempotency keys) suffixed.
Timestamps inside JSON payloads are left as they are (they are informational to the timers).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def _columns(connection: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(row[1], row[2].upper()) for row in connection.execute(f"PRAGMA table_info({table})")]


def _unique_text_columns(
    connection: sqlite3.Connection, table: str, types: dict[str, str]
) -> set[str]:
    """Columns of unique indexes that do not include the incident (they would collide)."""
    out: set[str] = set()
    for index in connection.execute(f"PRAGMA index_list({table})").fetchall():
        name, unique, origin = index[1], index[2], index[3]
        if not unique or origin == "pk":
            continue
        cols = [row[2] for row in connection.execute(f"PRAGMA index_info('{name}')")]
        if "incident_id" not in cols:
            out.update(c for c in cols if "CHAR" in types.get(c, "") or "TEXT" in types[c])
    return out


def replicate(db: Path, copies: int, shift_seconds: float) -> int:
    """Copy the incidents of `db` until there are `copies` times as many; returns the count."""
    connection = sqlite3.connect(db)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        children = [
            t for t in tables if any(c == "incident_id" for c, _ in _columns(connection, t))
        ]
        copied = ["incident", *children]
        max_id = {
            t: connection.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]
            for t in copied
            if any(c == "id" for c, _ in _columns(connection, t))
        }
        foreign = {
            t: {row[3]: row[2] for row in connection.execute(f"PRAGMA foreign_key_list({t})")}
            for t in copied
        }
        for k in range(1, copies):
            shift = f"+{round(k * shift_seconds)} seconds"
            for table in copied:
                columns = _columns(connection, table)
                types = dict(columns)
                unique = _unique_text_columns(connection, table, types)
                exprs = []
                for name, kind in columns:
                    target = "incident" if name == "incident_id" else foreign[table].get(name)
                    if name == "id" and table in max_id:
                        exprs.append(f"id + {k * max_id[table]}")
                    elif target in max_id:
                        exprs.append(f"{name} + {k * max_id[target]}")
                    elif kind in ("DATETIME", "TIMESTAMP"):
                        exprs.append(
                            f"CASE WHEN {name} IS NULL THEN NULL ELSE "
                            f"strftime('%Y-%m-%d %H:%M:%S', {name}, '{shift}') "
                            f"|| substr({name}, 20) END"
                        )
                    elif name in unique:
                        exprs.append(f"{name} || '-copy{k}'")
                    else:
                        exprs.append(name)
                names = ", ".join(name for name, _ in columns)
                where = (
                    f"id <= {max_id['incident']}"
                    if table == "incident"
                    else f"incident_id <= {max_id['incident']}"
                )
                connection.execute(
                    f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} "
                    f"FROM {table} WHERE {where}"
                )
        connection.commit()
        (count,) = connection.execute("SELECT count(*) FROM incident").fetchone()
        return int(count)
    finally:
        connection.close()
