"""The list side of the record: one summary row per incident, built for thousands of them.

A list, the board and the live stream show what a row shows (facts, the next deadline that is
due or overdue, counts of unacknowledged notices and undelivered messages), never the whole
incident view: a page of rows costs five set-based queries whatever its size, and the board's
lane counts one more. Every filter has an index (migration 0010); free text is a substring
match over address, description and reporter within the other filters.

Paging is by keyset: the opaque cursor carries the sort key of the last row given, so a page
never skips or repeats a row while others are written. Lanes sort open incidents by urgency:
drills apart, then an overdue deadline, a deadline due within the reminder window, the
workflow's initial state (the report still awaiting its first step), and the rest. Names for
people come from the presentation edge; this module speaks codes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from engine import deadlines as dl
from engine.errors import InvalidInput
from engine.lifecycle import Workflow
from engine.models import DeadlineRow, Delivery, FiredAlert, Incident, Notice, UTCDateTime
from engine.plan import LEVELS, Plan
from engine.timeutil import local_iso, parse_instant

ORDERS = ("newest", "urgency")
LANES = ("overdue", "due_soon", "awaiting", "active", "drills")
MAX_LIMIT = 500
UNACKNOWLEDGED = ("sent", "escalated")
DELIVERED = "delivered"
# The columns of a row, as the incident view names them.
FACT_COLUMNS = (
    "id",
    "state",
    "condition",
    "grade",
    "response_level",
    "exceeds_district_scope",
    "street",
    "address",
    "drill",
    "reporter",
)
TIME_COLUMNS = ("discovered_at", "reported_at", "verified_at", "activated_at")


@dataclass(frozen=True)
class ListQuery:
    """Which incidents, in which order, how many, after which cursor. Every code is checked by
    `Summaries.check` before a query runs."""

    states: tuple[str, ...] = ()
    open_only: bool = False
    level: str | None = None
    street: str | None = None
    drill: bool | None = None
    overdue: bool | None = None
    since: datetime | None = None  # reported at or after
    until: datetime | None = None  # reported before
    text: str | None = None
    lane: str | None = None
    order: str = "newest"
    limit: int = 100
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def _option(name: str) -> str:
    return name


class Source(Protocol):
    """What the list side reads through (`engine.service.IncidentService` is one)."""

    plan: Plan
    workflow: Workflow

    def now(self) -> datetime: ...

    def reading(self) -> AbstractContextManager[Session]: ...


def list_page(source: Source, query: ListQuery, option: Callable[[str], str] = _option) -> Page:
    """One page of summaries in one read snapshot; a bad filter is refused naming `option`."""
    summaries = Summaries(source.plan, source.workflow)
    checked = summaries.check(query, option)
    with source.reading() as session:
        return summaries.page(session, checked, source.now())


def summaries_of(source: Source, ids: Sequence[int]) -> list[dict[str, Any]]:
    with source.reading() as session:
        return Summaries(source.plan, source.workflow).rows(session, ids, source.now())


def lane_counts(source: Source) -> dict[str, int]:
    with source.reading() as session:
        return Summaries(source.plan, source.workflow).lane_counts(session, source.now())


class Summaries:
    """Summary rows and lane counts for one plan and workflow."""

    def __init__(self, plan: Plan, workflow: Workflow) -> None:
        self.plan = plan
        self.workflow = workflow
        self.zone = ZoneInfo(plan.plan.timezone)
        self.soon = timedelta(minutes=max(plan.alerts.reminder_minutes_before, default=0))

    # -- input ----------------------------------------------------------------------------

    def check(self, query: ListQuery, option: Callable[[str], str] = _option) -> ListQuery:
        """The query, or an `InvalidInput` naming the option (`option` spells it as the caller
        does: `--state` on the command line, `state` in the API) and the values it accepts."""

        def known(name: str, value: str | None, codes: Iterable[str]) -> None:
            codes = list(codes)
            if value is not None and value not in codes:
                raise InvalidInput(
                    f"{option(name)}: unknown {name} '{value[:40]}' (known: {', '.join(codes)})"
                )

        for state in query.states:
            known("state", state, self.workflow.states)
        known("level", query.level, self.plan.levels)
        known("street", query.street, self.plan.streets.items)
        known("lane", query.lane, LANES)
        known("order", query.order, ORDERS)
        if not 1 <= query.limit <= MAX_LIMIT:
            raise InvalidInput(f"{option('limit')}: must be 1 to {MAX_LIMIT}, not {query.limit}")
        if query.since and query.until and query.since >= query.until:
            raise InvalidInput(f"{option('until')}: must be later than {option('since')}")
        if query.text is not None and any(ord(c) < 32 for c in query.text):
            raise InvalidInput(f"{option('q')}: control characters are not searched for")
        if query.text is not None and len(query.text) > 200:
            raise InvalidInput(f"{option('q')}: at most 200 characters")
        if query.cursor is not None:
            self._decode(query.cursor, query.order, option)
        return replace(query, text=(query.text or "").strip() or None)

    def instant(
        self, value: str | None, name: str, option: Callable[[str], str] = _option
    ) -> datetime | None:
        return None if value is None else parse_instant(value, option(name))

    # -- queries --------------------------------------------------------------------------

    def page(self, session: Session, query: ListQuery, now: datetime) -> Page:
        """One page of rows and the cursor of the next (None on the last page)."""
        base = self._base(query, now).subquery()
        key = self._decode(query.cursor, query.order) if query.cursor else None
        stmt = select(base.c.id, base.c.dr, base.c.next_due, base.c.rank)
        if query.order == "newest":
            if key is not None:
                stmt = stmt.where(base.c.id < key[0])
            stmt = stmt.order_by(base.c.id.desc())
        else:
            if key is not None:
                stmt = stmt.where(self._after_urgency(base, key))
            stmt = stmt.order_by(
                base.c.dr, base.c.next_due.is_(None), base.c.next_due, base.c.rank, base.c.id
            )
        found = session.execute(stmt.limit(query.limit + 1)).all()
        more = len(found) > query.limit
        found = found[: query.limit]
        rows = self.rows(session, [r.id for r in found], now)
        cursor = None
        if more and found:
            last = found[-1]
            cursor = self._encode(query.order, [last.id, last.dr, last.next_due, last.rank])
        return Page(rows, cursor)

    def rows(self, session: Session, ids: Sequence[int], now: datetime) -> list[dict[str, Any]]:
        """The summaries of these incidents, in the order given (ids not found are left out)."""
        if not ids:
            return []
        id_list = list(ids)
        incidents = {
            i.id: i for i in session.exec(select(Incident).where(col(Incident.id).in_(id_list)))
        }
        next_rows: dict[int, DeadlineRow] = {}
        for row in session.exec(
            select(DeadlineRow)
            .where(
                col(DeadlineRow.incident_id).in_(id_list),
                col(DeadlineRow.met_at).is_(None),
                col(DeadlineRow.stopped_at).is_(None),
            )
            .order_by(col(DeadlineRow.due_at), col(DeadlineRow.id))
        ):
            next_rows.setdefault(row.incident_id, row)
        steps = {
            (i, code, occasion): step
            for i, code, occasion, step in session.execute(
                select(
                    FiredAlert.incident_id,
                    FiredAlert.deadline,
                    FiredAlert.occasion,
                    func.max(FiredAlert.step),
                )
                .where(col(FiredAlert.incident_id).in_(id_list), FiredAlert.kind == "overdue")
                .group_by(
                    col(FiredAlert.incident_id), col(FiredAlert.deadline), col(FiredAlert.occasion)
                )
            )
        }
        naive_now = sa.literal(now, UTCDateTime())
        notices = {
            i: (int(unacked or 0), int(flagged or 0))
            for i, unacked, flagged in session.execute(
                select(
                    Notice.incident_id,
                    func.sum(sa.case((col(Notice.status).in_(UNACKNOWLEDGED), 1), else_=0)),
                    func.sum(
                        sa.case(
                            (
                                sa.and_(
                                    col(Notice.status) != "acknowledged",
                                    col(Notice.ack_due_at) <= naive_now,
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                )
                .where(col(Notice.incident_id).in_(id_list))
                .group_by(col(Notice.incident_id))
            )
        }
        undelivered = dict(
            session.execute(
                select(Delivery.incident_id, func.count())
                .where(col(Delivery.incident_id).in_(id_list), Delivery.status != DELIVERED)
                .group_by(col(Delivery.incident_id))
            ).all()
        )
        out = []
        for incident_id in id_list:
            incident = incidents.get(incident_id)
            if incident is None:
                continue
            due = next_rows.get(incident_id)
            unacked, flagged = notices.get(incident_id, (0, 0))
            out.append(
                self._row(
                    incident,
                    due,
                    steps,
                    now,
                    unacked,
                    flagged,
                    int(undelivered.get(incident_id, 0)),
                )
            )
        return out

    def lane_counts(
        self, session: Session, now: datetime, street: str | None = None
    ) -> dict[str, int]:
        """Open incidents per lane (every lane present, 0 when empty), of one street if given."""
        base = self._base(ListQuery(open_only=True, street=street), now).subquery()
        counts = dict(
            session.execute(select(base.c.lane, func.count()).group_by(base.c.lane)).all()
        )
        return {lane: int(counts.get(lane, 0)) for lane in LANES}

    def lanes(
        self, session: Session, now: datetime, size: int, street: str | None = None
    ) -> tuple[dict[str, int], dict[str, Page]]:
        """The first page of every lane and every lane's count, in one scan of the open
        incidents (a window over the lanes) and one set of row queries: the board (of one
        street if given)."""
        base = self._base(ListQuery(open_only=True, street=street), now).subquery()
        ordered = (base.c.dr, base.c.next_due.is_(None), base.c.next_due, base.c.rank, base.c.id)
        ranked = sa.select(
            base.c.id,
            base.c.dr,
            base.c.next_due,
            base.c.rank,
            base.c.lane,
            func.row_number().over(partition_by=base.c.lane, order_by=ordered).label("n"),
            func.count().over(partition_by=base.c.lane).label("total"),
        ).subquery()
        found = session.execute(
            sa.select(ranked).where(ranked.c.n <= size + 1).order_by(ranked.c.lane, ranked.c.n)
        ).all()
        counts = {lane: 0 for lane in LANES}
        shown: dict[str, list[Any]] = {lane: [] for lane in LANES}
        for row in found:
            counts[row.lane] = int(row.total)
            shown[row.lane].append(row)
        rows = {r["id"]: r for r in self.rows(session, [r.id for r in found if r.n <= size], now)}
        pages = {}
        for lane, ranked_rows in shown.items():
            page = ranked_rows[:size]
            cursor = None
            if len(ranked_rows) > size:
                last = page[-1]
                cursor = self._encode("urgency", [last.id, last.dr, last.next_due, last.rank])
            pages[lane] = Page([rows[r.id] for r in page if r.id in rows], cursor)
        return counts, pages

    def changed_by_time(self, session: Session, since: datetime, now: datetime) -> list[int]:
        """Open incidents whose lane the clock alone moved in (since, now]: a deadline fell
        due, or came within the reminder window."""
        crossed = sa.or_(
            sa.and_(
                col(DeadlineRow.due_at) >= sa.literal(since, UTCDateTime()),
                col(DeadlineRow.due_at) < sa.literal(now, UTCDateTime()),
            ),
            sa.and_(
                col(DeadlineRow.due_at) > sa.literal(since + self.soon, UTCDateTime()),
                col(DeadlineRow.due_at) <= sa.literal(now + self.soon, UTCDateTime()),
            ),
        )
        return [
            i
            for i in session.exec(
                select(DeadlineRow.incident_id)
                .distinct()
                .where(
                    col(DeadlineRow.met_at).is_(None),
                    col(DeadlineRow.stopped_at).is_(None),
                    crossed,
                )
            )
        ]

    # -- helpers --------------------------------------------------------------------------

    def _base(self, query: ListQuery, now: datetime) -> sa.Select[Any]:
        """Every incident the filters keep, with its sort key and lane."""
        at_now = sa.literal(now, UTCDateTime())
        # Each incident's earliest running deadline, grouped once (a covering index scan)
        # rather than looked up per row for every place the lane and the order use it.
        running = (
            select(
                col(DeadlineRow.incident_id).label("incident_id"),
                func.min(DeadlineRow.due_at).label("next_due"),
            )
            .where(col(DeadlineRow.met_at).is_(None), col(DeadlineRow.stopped_at).is_(None))
            .group_by(col(DeadlineRow.incident_id))
            .subquery("running")
        )
        next_due = running.c.next_due
        # Highest level first: I, II, III.
        rank = sa.case(
            {level: n for n, level in enumerate(reversed(LEVELS))},
            value=col(Incident.response_level),
            else_=len(LEVELS),
        )
        lane = sa.case(
            (col(Incident.drill).is_(True), "drills"),
            (next_due < at_now, "overdue"),
            (next_due <= sa.literal(now + self.soon, UTCDateTime()), "due_soon"),
            (col(Incident.state) == self.workflow.initial, "awaiting"),
            else_="active",
        )
        # Drills sort after every real event (§7.2: kept apart, never ranked above one).
        drill = sa.case((col(Incident.drill).is_(True), 1), else_=0)
        stmt: sa.Select[Any] = sa.select(
            col(Incident.id).label("id"),
            drill.label("dr"),
            next_due.label("next_due"),
            rank.label("rank"),
            lane.label("lane"),
        ).outerjoin_from(Incident, running, running.c.incident_id == col(Incident.id))
        states = list(query.states)
        if query.open_only or query.lane is not None:
            open_states = list(self.workflow.open_states)
            states = [s for s in states if s in open_states] if states else open_states
            if not states:
                return stmt.where(sa.false())
        if states:
            stmt = stmt.where(col(Incident.state).in_(states))
        if query.level is not None:
            stmt = stmt.where(col(Incident.response_level) == query.level)
        if query.street is not None:
            stmt = stmt.where(col(Incident.street) == query.street)
        if query.drill is not None:
            stmt = stmt.where(col(Incident.drill) == query.drill)
        if query.since is not None:
            stmt = stmt.where(col(Incident.reported_at) >= query.since)
        if query.until is not None:
            stmt = stmt.where(col(Incident.reported_at) < query.until)
        if query.overdue is not None:
            late = next_due < at_now
            stmt = stmt.where(late if query.overdue else sa.or_(next_due.is_(None), ~late))
        if query.text is not None:
            text = query.text
            stmt = stmt.where(
                sa.or_(
                    col(Incident.address).icontains(text, autoescape=True),
                    col(Incident.description).icontains(text, autoescape=True),
                    col(Incident.reporter).icontains(text, autoescape=True),
                )
            )
        if query.lane is not None:
            stmt = stmt.where(lane == query.lane)
        return stmt

    @staticmethod
    def _after_urgency(base: sa.Subquery, key: list[Any]) -> sa.ColumnElement[bool]:
        last_id, last_drill, last_due, last_rank = key
        same_due = sa.tuple_(base.c.rank, base.c.id) > sa.tuple_(last_rank, last_id)
        if last_due is None:  # among the rows without a running deadline
            within = sa.and_(base.c.next_due.is_(None), same_due)
        else:
            due = sa.literal(parse_instant(last_due, "cursor"), UTCDateTime())
            within = sa.or_(
                base.c.next_due.is_(None),
                base.c.next_due > due,
                sa.and_(base.c.next_due == due, same_due),
            )
        return sa.or_(base.c.dr > last_drill, sa.and_(base.c.dr == last_drill, within))

    @staticmethod
    def _encode(order: str, key: list[Any]) -> str:
        """The last row's sort key: [id] (newest first) or [id, drill, next due, rank]."""
        last_id, drill, next_due, rank = key
        shown = (
            [last_id]
            if order == "newest"
            else [last_id, drill, None if next_due is None else next_due.isoformat(), rank]
        )
        raw = json.dumps({"o": order, "k": shown}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode(cursor: str, order: str, option: Callable[[str], str] = _option) -> list[Any]:
        refused = InvalidInput(
            f"{option('cursor')}: not a cursor this list gave (for order '{order}')"
        )
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = json.loads(raw)
        except (binascii.Error, ValueError):
            raise refused from None
        if not isinstance(data, dict) or data.get("o") != order:
            raise refused
        key = data.get("k")
        size = 1 if order == "newest" else 4
        if not isinstance(key, list) or len(key) != size or type(key[0]) is not int:
            raise refused
        if order == "urgency":
            if (
                key[1] not in (0, 1)
                or type(key[3]) is not int
                or not (key[2] is None or isinstance(key[2], str))
            ):
                raise refused
            if key[2] is not None:
                parse_instant(key[2], option("cursor"))
        return key

    def _row(
        self,
        incident: Incident,
        due: DeadlineRow | None,
        steps: dict[tuple[int, str, int], int],
        now: datetime,
        unacked: int,
        flagged: int,
        undelivered: int,
    ) -> dict[str, Any]:
        row: dict[str, Any] = {name: getattr(incident, name) for name in FACT_COLUMNS}
        for name in TIME_COLUMNS:
            value = getattr(incident, name)
            row[name] = None if value is None else local_iso(value, self.zone)
        row["next_deadline"] = (
            None
            if due is None
            else {
                "code": due.code,
                "occasion": due.occasion,
                "due_at": local_iso(due.due_at, self.zone),
                "status": dl.status(dl.Deadline(due.code, due.started_at, due.due_at, ()), now),
                "escalation_step": steps.get((incident.id or 0, due.code, due.occasion), 0),
            }
        )
        row["unacknowledged_notices"] = unacked
        row["flagged_notices"] = flagged
        row["undelivered_messages"] = undelivered
        row["lane"] = (
            self.lane(incident, due, now) if (incident.state in self.workflow.open_states) else None
        )
        return row

    def lane(self, incident: Incident, due: DeadlineRow | None, now: datetime) -> str:
        """The lane of one open incident: the same rule as the SQL of `_base`."""
        if incident.drill:
            return "drills"
        if due is not None and due.due_at < now:
            return "overdue"
        if due is not None and due.due_at <= now + self.soon:
            return "due_soon"
        return "awaiting" if incident.state == self.workflow.initial else "active"
