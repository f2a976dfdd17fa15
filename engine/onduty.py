"""Who was on duty, stamped on every timeline event as it is written (SPEC R11).

The kernel keeps no roster: a workflow may give one (`Workflow.on_duty`, installed per database
engine like the audit key). Every timeline event added through the ORM, and every row the timers
insert in bulk, gets the hook's answer for the event's time (`at`: who was on duty when it
happened) in its `on_duty` column, before the audit chain computes its MAC, so it is covered by
the chain like the rest of the event. None when no roster covers the time, or no hook is given.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from engine.models import TimelineEvent

OnDuty = Callable[[Session, datetime], dict[str, Any] | None]
# Weak, like the audit keys: an engine no one uses any more is closed (SQLite then checkpoints
# its write-ahead log) instead of being kept alive here.
_hooks: weakref.WeakKeyDictionary[sa.Engine, OnDuty] = weakref.WeakKeyDictionary()


def install(db: sa.Engine, hook: OnDuty) -> None:
    """Stamp every timeline event written through `db` with `hook`'s answer."""
    _hooks[db] = hook


def _hook_of(session: OrmSession) -> OnDuty | None:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    return _hooks.get(engine)


def _lookup(session: OrmSession) -> Callable[[datetime], dict[str, Any] | None] | None:
    """The hook bound to this session, asked once per instant (a flush writes many events at
    the same instant)."""
    hook = _hook_of(session)
    if hook is None:
        return None
    seen: dict[datetime, dict[str, Any] | None] = {}

    def ask(at: datetime) -> dict[str, Any] | None:
        if at not in seen:
            with session.no_autoflush:
                assert isinstance(session, Session)
                seen[at] = hook(session, at)
        return seen[at]

    return ask


def stamp_rows(session: OrmSession, rows: list[dict[str, Any]]) -> None:
    """Stamp event rows about to be bulk-inserted (before `audit.chain_rows`)."""
    ask = _lookup(session) if rows else None
    if ask is None:
        return
    for row in rows:
        if row.get("on_duty") is None:
            row["on_duty"] = ask(row["at"])


def _stamp_new_events(session: OrmSession, _context: Any, _instances: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, TimelineEvent) and obj.on_duty is None]
    ask = _lookup(session) if new else None
    if ask is None:
        return
    for event in new:
        event.on_duty = ask(event.at)


# insert=True: before the audit chain's own before_flush, which MACs the stamped value.
sa.event.listen(OrmSession, "before_flush", _stamp_new_events, insert=True)
