"""The delivery worker: sends what the outbox holds, with retries and backoff.

Each message is claimed (status `sending` with a lease, its attempt counted) in its own short
transaction, sent, and then marked `delivered` or re-queued; a message is never marked delivered
unless the channel said so. The attempt is counted at the claim, not after the send, so a worker
killed between the send and the commit still leaves its try on record. While a send runs, a
heartbeat renews the lease, so a slow send is never taken for a dead one; a worker that dies
mid-send stops renewing, its lease expires, and the message is tried again with the same
idempotency key, which every channel sends, so a receiver that deduplicates (the console file,
an SMS gateway, a mail system keyed by Message-ID) delivers it once. A message that exhausts its
retries (or is refused outright) is `dead` and raises an alert to the duty officer (one about a
subject, not an incident, too: the alert is then about the same subject).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from loguru import logger
from sqlmodel import Session, col, select

from engine.contacts import Directory
from engine.models import Delivery, DeliveryAttempt, Incident, TimelineEvent
from engine.outbox import Outbox
from engine.plan import PlanError
from notifiers.base import Channel, DeliveryError, Message
from notifiers.registry import build_channel

LEASE = timedelta(minutes=2)
# While a send runs its lease is renewed this often (real seconds), well inside LEASE.
HEARTBEAT_SECONDS = 10.0
MAX_BACKOFF = timedelta(minutes=15)


def build_channels(directory: Directory) -> dict[str, Channel]:
    """Every channel the directory names, built (and so validated) at start-up."""
    channels: dict[str, Channel] = {}
    for name, settings in directory.channels.items():
        options = {k: v for k, v in settings.items() if k != "kind"}
        try:
            channels[name] = build_channel(settings["kind"], options)
        except ValueError as exc:
            raise PlanError(f"contacts: channels.{name}: {exc}") from exc
    return channels


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: str
    error: str | None = None


class DeliveryWorker:
    def __init__(
        self,
        db: sa.Engine,
        directory: Directory,
        channels: Mapping[str, Channel],
        outbox: Outbox,
        clock: Callable[[], datetime],
        *,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.db = db
        self.directory = directory
        self.channels = channels
        self.outbox = outbox
        self.clock = clock
        self.heartbeat_seconds = heartbeat_seconds

    def run_once(self, batch: int = 100, most: int = 2000) -> list[Outcome]:
        """Send every message due now (and any whose sender died), batch after batch until none
        is left or `most` were tried; returns what happened."""
        outcomes: list[Outcome] = []
        tried: set[int] = set()
        while len(outcomes) < most:
            due = [i for i in self._due_ids(batch) if i not in tried]
            if not due:
                break
            for delivery_id in due:
                tried.add(delivery_id)
                claimed = self._claim(delivery_id)
                if claimed is not None:
                    outcomes.append(self._send(claimed))
        return outcomes

    def _due_ids(self, limit: int) -> list[int]:
        now = self.clock()
        with Session(self.db) as session:
            rows = session.exec(
                select(Delivery.id)
                .where(
                    sa.or_(
                        sa.and_(
                            col(Delivery.status) == "pending", col(Delivery.next_attempt_at) <= now
                        ),
                        sa.and_(col(Delivery.status) == "sending", col(Delivery.lease_until) < now),
                    )
                )
                .order_by(col(Delivery.next_attempt_at))
                .limit(limit)
            )
            return [i for i in rows if i is not None]

    def _claim(self, delivery_id: int) -> Delivery | None:
        now = self.clock()
        with Session(self.db, expire_on_commit=False) as session:
            result = cast(
                sa.CursorResult[Any],
                session.execute(
                    sa.update(Delivery)
                    .where(
                        col(Delivery.id) == delivery_id,
                        sa.or_(
                            col(Delivery.status) == "pending",
                            sa.and_(
                                col(Delivery.status) == "sending", col(Delivery.lease_until) < now
                            ),
                        ),
                    )
                    .values(
                        status="sending",
                        lease_until=now + LEASE,
                        attempts=col(Delivery.attempts) + 1,
                    )
                ),
            )
            if result.rowcount != 1:  # another worker took it
                session.rollback()
                return None
            session.add(DeliveryAttempt(delivery_id=delivery_id, at=now, outcome="triggered"))
            claimed = session.get(Delivery, delivery_id)
            assert claimed is not None
            if claimed.template is not None:
                incident = session.get(Incident, claimed.incident_id)
                assert incident is not None
                try:
                    self.outbox.render_pending(claimed, incident)
                except Exception as exc:  # a message that cannot be written must not block
                    claimed.status, claimed.lease_until = "dead", None
                    claimed.last_error = f"render: {type(exc).__name__}: {exc}"
                    session.add(
                        DeliveryAttempt(
                            delivery_id=delivery_id,
                            at=now,
                            outcome="failed",
                            error_code="render",
                            error=claimed.last_error,
                        )
                    )
                    self._raise_alarm(session, claimed, now)
                    session.add(claimed)
                    session.commit()
                    logger.error(
                        "delivery {} cannot be rendered: {}", delivery_id, claimed.last_error
                    )
                    return None
                session.add(claimed)
            session.commit()
            return claimed

    def _send(self, delivery: Delivery) -> Outcome:
        assert delivery.id is not None
        channel = self.channels.get(delivery.channel)
        try:
            if channel is None:
                raise DeliveryError(
                    delivery.channel,
                    "rejected",
                    f"no channel '{delivery.channel}' is configured",
                    retryable=False,
                )
            with self._leased(delivery):
                receipt = channel.send(
                    Message(
                        subject=delivery.subject,
                        body=delivery.body,
                        recipient=delivery.address,
                        idempotency_key=delivery.idempotency_key,
                    )
                )
        except DeliveryError as exc:
            return self._failed(delivery.id, exc)
        now = self.clock()
        with Session(self.db) as session:
            row = session.get(Delivery, delivery.id)
            assert row is not None
            row.status, row.delivered_at, row.provider_id = "delivered", now, receipt.provider_id
            row.lease_until = None
            session.add(row)
            session.add(DeliveryAttempt(delivery_id=delivery.id, at=now, outcome="delivered"))
            session.commit()
        return Outcome(delivery.id, "delivered")

    @contextmanager
    def _leased(self, delivery: Delivery) -> Iterator[None]:
        """Renew this claim's lease every `heartbeat_seconds` while the block runs. The renewal
        matches the claim (status `sending` and its attempt number), so it never extends a
        claim another worker took over."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.heartbeat_seconds):
                try:
                    with self.db.begin() as connection:
                        connection.execute(
                            sa.update(Delivery)
                            .where(
                                col(Delivery.id) == delivery.id,
                                col(Delivery.status) == "sending",
                                col(Delivery.attempts) == delivery.attempts,
                            )
                            .values(lease_until=self.clock() + LEASE)
                        )
                except sa.exc.SQLAlchemyError as exc:  # the next beat tries again
                    logger.warning("delivery {}: lease renewal failed: {}", delivery.id, exc)

        beat = threading.Thread(target=renew, name=f"lease-{delivery.id}", daemon=True)
        beat.start()
        try:
            yield
        finally:
            done.set()
            beat.join()

    def _failed(self, delivery_id: int, exc: DeliveryError) -> Outcome:
        now = self.clock()
        with Session(self.db) as session:
            row = session.get(Delivery, delivery_id)
            assert row is not None
            row.last_error = f"{exc.code}: {exc}"
            row.lease_until = None
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery_id,
                    at=now,
                    outcome="failed",
                    error_code=exc.code,
                    error=str(exc),
                )
            )
            if exc.retryable and row.attempts < self.directory.max_attempts:
                backoff = timedelta(
                    seconds=self.directory.retry_base_seconds * 2 ** (row.attempts - 1)
                )
                wait = max(min(backoff, MAX_BACKOFF), timedelta(seconds=exc.retry_after or 0))
                row.status, row.next_attempt_at = "pending", now + wait
            else:
                row.status = "dead"
                self._raise_alarm(session, row, now)
            session.add(row)
            session.commit()
            logger.warning(
                "delivery {} to {} via {} failed ({}): {}",
                delivery_id,
                row.recipient,
                row.channel,
                exc.code,
                row.status,
            )
            return Outcome(delivery_id, row.status, row.last_error)

    def _raise_alarm(self, session: Session, row: Delivery, now: datetime) -> None:
        if row.incident_id is None:  # about a subject: no timeline, but the desk is told
            logger.critical(
                "delivery {} about {} to {} is dead: {}",
                row.id,
                row.about,
                row.recipient,
                row.last_error,
            )
            if row.kind == "delivery_failed":
                logger.critical("the duty officer cannot be reached: delivery {} is dead", row.id)
            elif row.about is not None:
                self.outbox.subject_failed(session, row, now)
            return
        session.add(
            TimelineEvent(
                incident_id=row.incident_id,
                at=now,
                recorded_at=now,
                actor="system",
                kind="delivery_failed",
                data={
                    "delivery": row.id,
                    "recipient": row.recipient,
                    "channel": row.channel,
                    "error": row.last_error,
                },
            )
        )
        if row.kind == "delivery_failed":
            logger.critical("the duty officer cannot be reached: delivery {} is dead", row.id)
            return
        incident = session.get(Incident, row.incident_id)
        assert incident is not None
        self.outbox.delivery_failed(session, incident, row, now)
