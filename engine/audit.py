"""The tamper-evident timeline: each incident's events form an HMAC-SHA256 chain.

Every event carries its per-incident sequence number, the MAC of the event before it and its own
MAC over a canonical serialisation of its fields and that previous MAC. The incident's chain head
(`audit_head`: last seq and MAC) carries a MAC of its own, so deleting events from the end shows
too. The key lives outside the database (`engine.keys`), so whoever can write the database file
cannot forge a link: a changed, deleted or reordered event is named by `check_chain`.

Every ORM write of a `TimelineEvent` is chained by a `before_flush` hook (the engine's, the
delivery worker's, the workflow's, whatever comes later); the catch-up's bulk insert calls
`chain_rows`. Both take the incident's head row `FOR UPDATE` (a no-op on SQLite, where writers are
serialised by the database lock) and (incident_id, seq) is unique, so two writers can never fork a
chain: the loser's transaction fails and is retried or refused.

What a chain cannot show: a whole database rolled back to an older copy (a consistent past state
is authentic), or an incident deleted with every row it owns. Compare `audit verify` output with
an earlier copy kept elsewhere for that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from engine.models import AuditHead, TimelineEvent

CHAIN_VERSION = "fangan-audit-v1"
GENESIS = ""  # the previous MAC of an incident's first event
# Looking for where a broken event really belongs costs |broken| x |candidates| MACs; beyond this
# many broken events (a wrong key, a mass edit) the events are just reported as mismatching.
SEARCH_LIMIT = 32
_CHUNK = 500


@dataclass(frozen=True)
class Link:
    """What one event's MAC covers, besides the previous event's MAC."""

    incident_id: int
    seq: int
    at: datetime
    recorded_at: datetime
    actor: str
    person: str | None
    kind: str
    data: Mapping[str, Any]
    # Who was on duty (`engine.onduty`): covered only when set, so the MACs of events recorded
    # before it existed stay what they were.
    on_duty: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class StoredEvent:
    """An event as read back from the database."""

    id: int
    link: Link
    prev_mac: str | None
    mac: str | None


@dataclass(frozen=True)
class Head:
    seq: int
    mac: str
    tag: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a chain: the event (incident and seq) and what is wrong with it."""

    incident_id: int
    seq: int | None
    problem: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "seq": self.seq,
            "problem": self.problem,
            "detail": self.detail,
        }


# -- the pure part: MACs and the check of one chain -------------------------------------------


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime in a timeline event")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(link: Link, prev_mac: str) -> bytes:
    """The bytes an event's MAC is computed over: a JSON array, keys sorted, no spaces."""
    return json.dumps(
        [
            CHAIN_VERSION,
            link.incident_id,
            link.seq,
            _instant(link.at),
            _instant(link.recorded_at),
            link.actor,
            link.person,
            link.kind,
            link.data,
            prev_mac,
            *([] if link.on_duty is None else [link.on_duty]),
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def event_mac(key: bytes, link: Link, prev_mac: str) -> str:
    return hmac.new(key, canonical(link, prev_mac), hashlib.sha256).hexdigest()


def head_tag(key: bytes, incident_id: int, seq: int, mac: str) -> str:
    message = json.dumps([CHAIN_VERSION, "head", incident_id, seq, mac]).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a, b)


def _authentic(key: bytes, event: StoredEvent, seq: int | None = None) -> bool:
    link = event.link if seq is None else _with_seq(event.link, seq)
    return event.prev_mac is not None and _same(event.mac, event_mac(key, link, event.prev_mac))


def _with_seq(link: Link, seq: int) -> Link:
    return Link(
        link.incident_id,
        seq,
        link.at,
        link.recorded_at,
        link.actor,
        link.person,
        link.kind,
        link.data,
        link.on_duty,
    )


def check_chain(
    key: bytes, incident_id: int, events: Sequence[StoredEvent], head: Head | None
) -> list[Problem]:
    """Everything wrong with one incident's chain; `events` in seq order. Empty when intact."""

    def problem(seq: int | None, what: str, detail: str) -> Problem:
        return Problem(incident_id, seq, what, detail)

    if not events and head is None:
        return []
    if head is None and all(e.mac is None for e in events):
        return [
            problem(
                None,
                "unsealed",
                "the timeline was recorded before the audit chain; "
                "run `python main.py audit seal` once after the upgrade",
            )
        ]
    out: list[Problem] = []
    head_ok = head is not None and _same(head.tag, head_tag(key, incident_id, head.seq, head.mac))
    if head is None:
        out.append(problem(None, "head_missing", "the chain head of this incident is missing"))
    elif not head_ok:
        out.append(
            problem(head.seq, "head_mismatch", "the chain head (last seq and MAC) was altered")
        )
    last = head.seq if head is not None and head_ok else max(e.link.seq for e in events)
    present = {e.link.seq for e in events}
    missing = sorted(set(range(1, last + 1)) - present)
    broken = [e for e in events if e.mac is not None and not _authentic(key, e)]
    candidates = {e.link.seq for e in broken} | set(missing)
    found: dict[int, Problem] = {}
    for seq in missing:
        found[seq] = problem(seq, "missing", "the event was deleted")
    for event in broken:
        seq = event.link.seq
        moved = next(
            (
                s
                for s in sorted(candidates - {seq})
                if len(broken) <= SEARCH_LIMIT and _authentic(key, event, s)
            ),
            None,
        )
        found[seq] = (
            problem(
                seq, "out_of_order", f"the event recorded as seq {moved} now stands at seq {seq}"
            )
            if moved is not None
            else problem(
                seq,
                "mac_mismatch",
                f"event {event.id} ({event.link.kind}) "
                "was altered: its MAC does not match its content",
            )
        )
    previous: StoredEvent | None = None
    for event in events:
        seq = event.link.seq
        if event.mac is None:
            found[seq] = problem(seq, "unsealed", f"event {event.id} carries no MAC")
        elif seq in present and seq > 1 and seq - 1 not in present:
            pass  # the gap is reported as missing
        elif seq not in found and (previous is None or previous.link.seq not in found):
            expected = GENESIS if previous is None else (previous.mac or "")
            if event.prev_mac != expected:
                found[seq] = problem(
                    seq,
                    "chain_broken",
                    "the previous event's MAC is not the one this event was chained to",
                )
        if seq > last:
            found.setdefault(
                seq, problem(seq, "beyond_head", "the event is not covered by the chain head")
            )
        previous = event
    if head is not None and head_ok:
        tail = next((e for e in events if e.link.seq == head.seq), None)
        if tail is not None and not _same(tail.mac, head.mac) and head.seq not in found:
            found[head.seq] = problem(
                head.seq, "mac_mismatch", "the last event does not match the chain head"
            )
    return out + [found[s] for s in sorted(found)]


# -- writing: the chain grows inside the writing transaction ---------------------------------

_keys: weakref.WeakKeyDictionary[sa.Engine, bytes] = weakref.WeakKeyDictionary()


def install(db: sa.Engine, key: bytes) -> None:
    """Chain every timeline event written through `db` with `key`."""
    _keys[db] = key


def _key_of(session: OrmSession) -> bytes:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    key = _keys.get(engine)
    if key is None:
        raise RuntimeError(
            "timeline events written through a database engine without an "
            "audit key (engine.audit.install)"
        )
    return key


def lock_heads(
    session: OrmSession, incident_ids: Iterable[int], create: bool = True
) -> dict[int, AuditHead]:
    """The chain heads of these incidents, locked for this transaction (ordered: no deadlock
    between two writers locking several); missing ones are started when `create`."""
    ids = sorted(set(incident_ids))
    heads: dict[int, AuditHead] = {}
    with session.no_autoflush:
        for start in range(0, len(ids), _CHUNK):
            query = (
                sa.select(AuditHead)
                .where(col(AuditHead.incident_id).in_(ids[start : start + _CHUNK]))
                .order_by(col(AuditHead.incident_id))
                .with_for_update()
            )
            for head in session.scalars(query):
                heads[head.incident_id] = head
        for incident_id in ids:
            if create and incident_id not in heads:  # new, or recorded before the chain
                seq = session.scalar(
                    sa.select(sa.func.max(col(TimelineEvent.seq))).where(
                        col(TimelineEvent.incident_id) == incident_id
                    )
                )
                heads[incident_id] = AuditHead(
                    incident_id=incident_id, seq=seq or 0, mac=GENESIS, tag=""
                )
                session.add(heads[incident_id])
    return heads


def _link(values: Mapping[str, Any], seq: int) -> Link:
    return Link(
        values["incident_id"],
        seq,
        values["at"],
        values["recorded_at"],
        values["actor"],
        values.get("person"),
        values["kind"],
        values.get("data") or {},
        values.get("on_duty"),
    )


def _extend(key: bytes, head: AuditHead, values: Mapping[str, Any]) -> dict[str, Any]:
    seq = head.seq + 1
    mac = event_mac(key, _link(values, seq), head.mac)
    chained = {"seq": seq, "prev_mac": head.mac, "mac": mac}
    head.seq, head.mac = seq, mac
    return chained


def _seal(key: bytes, heads: Iterable[AuditHead]) -> None:
    for head in heads:
        head.tag = head_tag(key, head.incident_id, head.seq, head.mac)


def chain_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Chain event rows about to be bulk-inserted (in list order); moves their heads along."""
    if not rows:
        return
    key = _key_of(session)
    heads = lock_heads(session, (row["incident_id"] for row in rows))
    for row in rows:
        row.update(_extend(key, heads[row["incident_id"]], row))
    _seal(key, heads.values())


def _chain_new_events(session: OrmSession, _context: Any, _instances: Any) -> None:
    new = sorted(
        (obj for obj in session.new if isinstance(obj, TimelineEvent)),
        key=lambda obj: sa.inspect(obj).insert_order,
    )
    if not new:
        return
    key = _key_of(session)
    heads = lock_heads(session, (event.incident_id for event in new))
    for event in new:
        for name, value in _extend(
            key,
            heads[event.incident_id],
            {
                "incident_id": event.incident_id,
                "at": event.at,
                "recorded_at": event.recorded_at,
                "actor": event.actor,
                "person": event.person,
                "kind": event.kind,
                "data": event.data,
                "on_duty": event.on_duty,
            },
        ).items():
            setattr(event, name, value)
    touched = {event.incident_id for event in new}
    _seal(key, (heads[i] for i in touched))


sa.event.listen(OrmSession, "before_flush", _chain_new_events)


# -- reading: verify and seal -----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    incident_id: int
    events: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _stored(event: TimelineEvent) -> StoredEvent:
    assert event.id is not None
    return StoredEvent(
        event.id,
        Link(
            event.incident_id,
            event.seq or 0,
            event.at,
            event.recorded_at,
            event.actor,
            event.person,
            event.kind,
            event.data,
            event.on_duty,
        ),
        event.prev_mac,
        event.mac,
    )


def verify(session: Session, key: bytes, incident_ids: Sequence[int]) -> list[Verdict]:
    """Check the chains of these incidents (reads every event once)."""
    verdicts: list[Verdict] = []
    for start in range(0, len(incident_ids), _CHUNK):
        chunk = list(incident_ids[start : start + _CHUNK])
        events: dict[int, list[StoredEvent]] = defaultdict(list)
        for event in session.exec(
            select(TimelineEvent)
            .where(col(TimelineEvent.incident_id).in_(chunk))
            .order_by(col(TimelineEvent.incident_id), col(TimelineEvent.seq), col(TimelineEvent.id))
        ):
            events[event.incident_id].append(_stored(event))
        heads = {
            h.incident_id: Head(h.seq, h.mac, h.tag)
            for h in session.exec(select(AuditHead).where(col(AuditHead.incident_id).in_(chunk)))
        }
        for incident_id in chunk:
            found = events.get(incident_id, [])
            verdicts.append(
                Verdict(
                    incident_id,
                    len(found),
                    check_chain(key, incident_id, found, heads.get(incident_id)),
                )
            )
    return verdicts


def has_chain(db: sa.Engine) -> bool:
    """Whether any incident is already chained (a key lost now would orphan the record)."""
    with db.connect() as connection:
        found = connection.execute(sa.select(col(AuditHead.incident_id)).limit(1)).first()
        return found is not None


def seal(session: Session, key: bytes) -> tuple[list[int], list[Problem]]:
    """Chain the events recorded before the audit chain existed (no MAC yet), in seq order. Run
    once after the upgrade: it trusts those events as they stand. An incident is sealed only when
    its unsealed events come before every sealed one and the sealed ones are intact; the others
    are returned as problems, untouched. Returns (incidents sealed, incidents refused)."""
    ids = sorted(
        set(
            session.exec(
                select(col(TimelineEvent.incident_id)).where(col(TimelineEvent.mac).is_(None))
            )
        )
    )
    sealed: list[int] = []
    refused: list[Problem] = []
    for incident_id in ids:
        events = list(
            session.exec(
                select(TimelineEvent)
                .where(TimelineEvent.incident_id == incident_id)
                .order_by(col(TimelineEvent.seq))
            )
        )
        later = [e for e in events if e.mac is not None]
        first_sealed = min((e.seq or 0 for e in later), default=None)
        if (
            first_sealed is not None
            and any((e.seq or 0) > first_sealed for e in events if e.mac is None)
        ) or not all(_authentic(key, _stored(e)) for e in later):
            refused.append(
                Problem(
                    incident_id,
                    None,
                    "not_sealed",
                    "unsealed events stand among sealed ones, or sealed ones were altered",
                )
            )
            continue
        head = lock_heads(session, [incident_id])[incident_id]
        head.seq, head.mac = 0, GENESIS
        for event in events:
            values = {
                "incident_id": incident_id,
                "at": event.at,
                "recorded_at": event.recorded_at,
                "actor": event.actor,
                "person": event.person,
                "kind": event.kind,
                "data": event.data,
            }
            for name, value in _extend(key, head, values).items():
                setattr(event, name, value)
            session.add(event)
        _seal(key, [head])
        session.add(head)
        sealed.append(incident_id)
    return sealed, refused
