"""One incident's whole record, loaded once in the caller's transaction.

The view the API and the console show, the report the workflow drafts and the figures all read
the same snapshot, so an incident is loaded in one place with one fixed set of queries (one per
table), never assembled again elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.models import (
    DeadlineRow,
    FactRevision,
    FiredAlert,
    Incident,
    InvestigationReport,
    Notice,
    Obligation,
    OnsiteGroup,
    ReportVersion,
    Statement,
    TimelineEvent,
)
from engine.plan import Plan
from engine.record import backfills


@dataclass(frozen=True)
class Snapshot:
    plan: Plan
    incident: Incident
    now: datetime
    events: list[TimelineEvent]
    """In the order they happened (`at`, then as recorded)."""
    deadlines: list[DeadlineRow]
    """Soonest due first."""
    steps: dict[tuple[str, int], int]
    """(deadline code, occasion) → the highest overdue alert step fired."""
    notices: list[Notice]
    obligations: list[Obligation]
    revisions: list[FactRevision]
    groups: list[OnsiteGroup]
    statements: list[Statement]
    investigation: InvestigationReport | None
    report_versions: list[ReportVersion]
    """Every submitted version of the report, oldest first (none is ever replaced)."""
    finished: bool
    """No longer open (closed, dismissed): its timers have stopped."""

    @classmethod
    def load(
        cls, session: Session, plan: Plan, incident: Incident, now: datetime, *, finished: bool
    ) -> Snapshot:
        iid = incident.id

        def rows(model: Any, *order: Any) -> list[Any]:
            query = select(model).where(model.incident_id == iid)
            return list(session.exec(query.order_by(*order)))

        steps = {
            (code, occasion): step
            for code, occasion, step in session.exec(
                select(FiredAlert.deadline, FiredAlert.occasion, sa.func.max(FiredAlert.step))
                .where(FiredAlert.incident_id == iid, FiredAlert.kind == "overdue")
                .group_by(col(FiredAlert.deadline), col(FiredAlert.occasion))
            ).all()
        }
        return cls(
            plan=plan,
            incident=incident,
            now=now,
            events=rows(TimelineEvent, col(TimelineEvent.at), col(TimelineEvent.id)),
            deadlines=rows(DeadlineRow, col(DeadlineRow.due_at), col(DeadlineRow.id)),
            steps=steps,
            notices=rows(Notice, col(Notice.id)),
            obligations=rows(Obligation, col(Obligation.id)),
            revisions=rows(FactRevision, col(FactRevision.at), col(FactRevision.id)),
            groups=rows(OnsiteGroup, col(OnsiteGroup.id)),
            statements=rows(Statement, col(Statement.number), col(Statement.version)),
            investigation=session.get(InvestigationReport, iid),
            report_versions=rows(ReportVersion, col(ReportVersion.version)),
            finished=finished,
        )

    @property
    def as_of(self) -> datetime:
        """The instant deadlines are judged at: now, or when a finished incident's timers
        stopped."""
        stopped = [d.stopped_at for d in self.deadlines if d.stopped_at is not None]
        return max(stopped) if stopped and self.finished else self.now

    @property
    def backfilled(self) -> dict[tuple[str, int], datetime]:
        """Deadlines met only by a report recorded after their overdue alerts (backfilled)."""
        return backfills(self.deadlines, self.events)
