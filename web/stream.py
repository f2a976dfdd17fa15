"""Live updates for every open console: Server-Sent Events that carry only what changed.

One watcher per `serve` reads the record's high-water marks (the last timeline event and the
last delivery attempt) every `STREAM_SECONDS`; when they move, or when the clock alone moves an
incident into another lane, it builds the summary rows of just those incidents and pushes each,
rendered, to every open stream, with new alerts and the lane counts. A change made by another
process (the CLI, another `serve`) is seen the same way. Every event carries the marks as its
id, so a console that reconnects (`Last-Event-ID`) is sent what it missed; a burst too large
to send row by row becomes one `resync`, and the console reloads its board once. The browser
falls back to polling the board while the stream is down (static/stream.js).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Header, Request
from loguru import logger
from sqlmodel import Session, col, func, select
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from engine.models import Delivery, DeliveryAttempt, Incident, TimelineEvent
from engine.service import IncidentService
from engine.summaries import Summaries
from web import api
from web.board import BOARD_NAMES, sort_key
from web.console import TEMPLATES, countdown
from web.present import Labels

STREAM_SECONDS = 1.0
MAX_ROWS = 200  # more changed incidents at once than this: one `resync` instead
MAX_ALERTS = 20
QUEUE_SIZE = 256
PING_SECONDS = 10


@dataclass(frozen=True)
class Mark:
    """How far the record had got: the last timeline event and delivery attempt seen."""

    timeline: int
    attempts: int

    def text(self) -> str:
        return f"{self.timeline}.{self.attempts}"

    @staticmethod
    def parse(text: str | None) -> Mark | None:
        head, _, tail = (text or "").partition(".")
        return Mark(int(head), int(tail)) if head.isdigit() and tail.isdigit() else None


def _event(kind: str, mark: Mark, data: object) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=kind, id=mark.text())


EVERYONE = "*"


@dataclass(frozen=True)
class Outgoing:
    """An event and who may receive it (R11 street scope). `street`: it is about an incident
    of this street, so a street office's stream of another street never carries it. `audience`:
    the lane counts are counted per scope, so each copy goes to one scope only (None: the
    unscoped streams; a street code: that street's); EVERYONE for all other events."""

    event: ServerSentEvent
    street: str | None = None
    audience: str | None = EVERYONE

    def visible_to(self, scope: str | None) -> bool:
        if self.audience != EVERYONE:
            return self.audience == scope
        return scope is None or self.street is None or self.street == scope


class Changes:
    """What changed since a mark, as events ready to send (runs in a worker thread)."""

    def __init__(self, service: IncidentService) -> None:
        self.service = service
        self.summaries = Summaries(service.plan, service.workflow)
        self.labels = Labels(service.plan, service.workflow.words)
        self.card = TEMPLATES.env.get_template("_card.html")
        self.reminder = max(service.plan.alerts.reminder_minutes_before, default=0) * 60

    def mark(self, session: Session) -> Mark:
        timeline = session.exec(select(func.max(TimelineEvent.id))).one() or 0
        attempts = session.exec(select(func.max(DeliveryAttempt.id))).one() or 0
        return Mark(int(timeline), int(attempts))

    def now_mark(self) -> tuple[Mark, datetime]:
        with self.service.reading() as session:
            return self.mark(session), self.service.now()

    def since(
        self, mark: Mark, then: datetime | None, scopes: frozenset[str | None] = frozenset({None})
    ) -> tuple[Mark, datetime, list[Outgoing]]:
        """The events between `mark` (and the instant `then`, for lanes the clock moved) and
        now; the new mark and instant. The lane counts are counted for each of `scopes` (the
        streets of the street offices listening, None for everyone else)."""
        with self.service.reading() as session:
            now, new = self.service.now(), self.mark(session)
            if new == mark and then is None:
                return new, now, []
            ids = set(
                session.exec(
                    select(TimelineEvent.incident_id)
                    .distinct()
                    .where(col(TimelineEvent.id) > mark.timeline)
                )
            )
            ids |= {
                i
                for i in session.exec(
                    select(Delivery.incident_id)
                    .distinct()
                    .join(DeliveryAttempt, col(DeliveryAttempt.delivery_id) == Delivery.id)
                    .where(col(DeliveryAttempt.id) > mark.attempts)
                )
                if i is not None  # a message about a register's subject, not an incident
            }
            if then is not None:
                ids |= set(self.summaries.changed_by_time(session, then, now))
            if not ids:
                return new, now, []
            if len(ids) > MAX_ROWS:
                return new, now, [Outgoing(_event("resync", new, {"changed": len(ids)}))]
            events = self._alerts(session, mark, new)
            events += [
                Outgoing(_event("row", new, self._pushed(row, now)), street=row["street"])
                for row in self.summaries.rows(session, sorted(ids), now)
            ]
            events += [
                Outgoing(
                    _event("counts", new, self.summaries.lane_counts(session, now, scope)),
                    audience=scope,
                )
                for scope in sorted(scopes, key=lambda s: s or "")
            ]
            return new, now, events

    def _pushed(self, row: dict[str, Any], now: datetime) -> dict[str, Any]:
        html = self.card.render(
            r=row,
            L=self.labels,
            **self.labels.words.tables,
            **BOARD_NAMES,
            countdown=lambda due: countdown(due, now, self.reminder),
        )
        return {"id": row["id"], "lane": row["lane"], "key": sort_key(row), "html": html}

    def _alerts(self, session: Session, mark: Mark, new: Mark) -> list[Outgoing]:
        found = session.exec(
            select(TimelineEvent, Incident.address, Incident.street)
            .join(Incident, col(Incident.id) == TimelineEvent.incident_id)
            .where(
                col(TimelineEvent.id) > mark.timeline, col(TimelineEvent.kind).startswith("alert_")
            )
            .order_by(col(TimelineEvent.id).desc())
            .limit(MAX_ALERTS)
        ).all()
        events = []
        for event, address, street in reversed(found):
            summary = self.labels.summary({"kind": event.kind, "data": event.data})
            text = (
                f"{self.labels.time(event.at.isoformat())} #{event.incident_id} {address}"
                f" · {self.labels.words.tables['EVENTS'].get(event.kind, event.kind)}：{summary}"
            )
            events.append(
                Outgoing(
                    _event(
                        "alert",
                        new,
                        {"incident_id": event.incident_id, "kind": event.kind, "text": text},
                    ),
                    street=street,
                )
            )
        return events


class Broadcaster:
    """One watcher for every open stream of this process; it runs while someone listens."""

    def __init__(self, changes: Changes, interval: float = STREAM_SECONDS) -> None:
        self.changes = changes
        self.interval = interval
        # Each open stream's queue and its scope (a street office's street, else None).
        self.queues: dict[asyncio.Queue[ServerSentEvent], str | None] = {}
        self.task: asyncio.Task[None] | None = None

    def scopes(self) -> frozenset[str | None]:
        return frozenset(self.queues.values()) or frozenset({None})

    async def events(
        self, last_event_id: str | None, scope: str | None = None
    ) -> AsyncIterator[ServerSentEvent]:
        """One console's stream; a street office's (`scope`) carries its own street only."""
        queue: asyncio.Queue[ServerSentEvent] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.queues[queue] = scope
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._watch())
        try:
            mark, _ = await run_in_threadpool(self.changes.now_mark)
            seen = Mark.parse(last_event_id)
            if seen is not None and seen != mark:  # a reconnect: what it missed first
                _, _, missed = await run_in_threadpool(
                    self.changes.since, seen, None, frozenset({scope})
                )
                for out in missed:
                    if out.visible_to(scope):
                        yield out.event
            yield _event("ready", mark, {"mark": mark.text()})
            while True:
                yield await queue.get()
        finally:
            self.queues.pop(queue, None)
            if not self.queues and self.task is not None:
                self.task.cancel()
                self.task = None

    async def _watch(self) -> None:
        mark, then = await run_in_threadpool(self.changes.now_mark)
        while True:
            await asyncio.sleep(self.interval)
            try:
                mark, then, events = await run_in_threadpool(
                    self.changes.since, mark, then, self.scopes()
                )
            except Exception as exc:  # a busy or lost database: try again next time
                logger.warning("live stream: reading changes failed ({})", type(exc).__name__)
                continue
            for queue, scope in list(self.queues.items()):
                for out in events:
                    if out.visible_to(scope):
                        self._offer(queue, out.event, mark)

    @staticmethod
    def _offer(queue: asyncio.Queue[ServerSentEvent], event: ServerSentEvent, mark: Mark) -> None:
        """A console too slow to keep up is told to reload its board once."""
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(_event("resync", mark, {"changed": "many"}))


router = APIRouter(responses=api.ERRORS)


def broadcaster_of(request: Request, make: Callable[[], Broadcaster]) -> Broadcaster:
    found: Broadcaster | None = getattr(request.app.state, "broadcaster", None)
    if found is None:
        found = request.app.state.broadcaster = make()
    return found


@router.get(
    "/api/stream", tags=["incidents"], responses=api.ERRORS, response_class=EventSourceResponse
)
async def stream(
    request: Request,
    who: api.User_,
    last_event_id: str | None = Header(default=None, alias="Last-Event-ID", max_length=60),
) -> EventSourceResponse:
    """Server-Sent Events: `row` (an incident's summary, and its rendered card), `alert` (a
    reminder or overdue alert just recorded), `counts` (open incidents per lane), `resync`
    (too much changed: read the board again) and `ready`. Reconnect with `Last-Event-ID` to
    be sent what was missed. A street office's stream carries its own street's incidents and
    counts only."""
    service = api.service_of(request)
    hub = broadcaster_of(request, lambda: Broadcaster(Changes(service)))
    return EventSourceResponse(hub.events(last_event_id, who.street), ping=PING_SECONDS)
