"""The engine's public interface: report, show, list and act on incidents, each in one transaction.

The CLI, the web API and the scheduler all go through `IncidentService`; none of them touches the
tables directly. A refused or invalid call raises a `FanganError` and changes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from loguru import logger
from sqlmodel import Session, col, func, select

from documents import InvestigationReport, OfficialDocument
from engine import audit, onduty
from engine.acklinks import AckLinks
from engine.clock import Clock, system_clock
from engine.contacts import Directory, load_directory
from engine.db import make_engine, migrate, reading, transaction
from engine.delivery import DeliveryWorker, Outcome, build_channels
from engine.duplicates import Candidate, likely_duplicates
from engine.errors import Forbidden, InvalidInput, NotFound, Tampered
from engine.keys import derive, load_secret
from engine.lifecycle import ActionContext, Lifecycle, Workflow
from engine.models import Incident, Notice, TimelineEvent
from engine.notices import NoticeRenderer, place
from engine.outbox import Outbox
from engine.plan import Plan
from engine.printable import official_notice
from engine.record import IncidentRecord
from engine.schemas import MAX_INT, IncidentIn, ProxyIn, check_codes, validate
from engine.snapshot import Snapshot
from engine.timers import Fired, catch_up
from engine.timeutil import parse_instant
from engine.views import incident_view
from notifiers.base import Channel


def load_workflow(ref: str) -> Workflow:
    """'package.module:NAME' → the Workflow object (the plan's workflow is configuration)."""
    module, _, name = ref.partition(":")
    workflow: Workflow = getattr(importlib.import_module(module), name)
    return workflow


class IncidentService:
    def __init__(
        self,
        db_url: str,
        plan: Plan,
        workflow: Workflow,
        clock: Clock = system_clock,
        *,
        directory: Directory | None = None,
        channels: Mapping[str, Channel] | None = None,
        public_url: str = "http://127.0.0.1:8000",
        secret_key: str | None = None,
        key_file: Path | None = None,
    ) -> None:
        self.plan = plan
        self.clock = clock
        self.workflow = workflow
        workflow.check(plan)
        self.lifecycle = Lifecycle(workflow)
        self.db = make_engine(db_url)
        migrate(self.db)
        self.directory = directory or load_directory()
        self.keys = derive(load_secret(secret_key, key_file, db_url, audit.has_chain(self.db)))
        audit.install(self.db, self.keys.audit)
        onduty.install(self.db, workflow.on_duty)
        self.ack_links = AckLinks(self.keys.ack_links, public_url, self.directory.ack_link_hours)
        self.outbox = Outbox(plan, self.directory, NoticeRenderer(plan), self.ack_links)
        self.delivery = DeliveryWorker(
            self.db,
            self.directory,
            build_channels(self.directory) if channels is None else channels,
            self.outbox,
            self.now,
        )

    def now(self) -> datetime:
        return parse_instant(self.clock(), "now")

    def transaction(self) -> AbstractContextManager[Session]:
        """One command, one transaction: it commits whole or not at all, serialised with every
        other command (engine.db)."""
        return transaction(self.db)

    def reading(self) -> AbstractContextManager[Session]:
        """One query, one consistent snapshot, without waiting for the commands."""
        return reading(self.db)

    # -- queries --------------------------------------------------------------------------

    def show(self, incident_id: int) -> dict[str, Any]:
        with self.reading() as session:
            return self._view(session, self._get(session, incident_id), self.now())

    def list_incidents(
        self, *, state: str | None = None, include_closed: bool = True, drill: bool | None = None
    ) -> list[dict[str, Any]]:
        if state is not None and state not in self.workflow.states:
            raise InvalidInput(
                f"state: unknown state '{state}' (known: {', '.join(self.workflow.states)})"
            )
        with self.reading() as session:
            query = select(Incident).order_by(col(Incident.id))
            if state is not None:
                query = query.where(Incident.state == state)
            if not include_closed:
                query = query.where(col(Incident.state).in_(self.workflow.open_states))
            if drill is not None:
                query = query.where(Incident.drill == drill)
            now = self.now()
            return [self._view(session, incident, now) for incident in session.exec(query)]

    def duplicates(self, data: object) -> list[dict[str, Any]]:
        """The incidents a report (as `report` takes it) is likely a duplicate of (R11), most
        alike first: the officer may merge it into one of them instead of logging it anew."""
        payload: IncidentIn = validate(IncidentIn, data)
        check_codes(self.plan, payload)
        reported = parse_instant(payload.reported_at or self.now(), "reported_at")
        window = timedelta(hours=self.plan.duplicates.window_hours)
        with self.reading() as session:
            rows = session.exec(
                select(Incident).where(
                    Incident.street == payload.street,
                    Incident.drill == payload.drill,
                    col(Incident.state).in_(self.workflow.open_states),
                    col(Incident.reported_at) >= reported - window,
                    col(Incident.reported_at) <= reported + window,
                )
            ).all()
            candidates = [
                Candidate(i.id or 0, i.street, i.address, i.reported_at, i.state) for i in rows
            ]
        matches = likely_duplicates(
            self.plan.duplicates,
            payload.street,
            payload.address,
            reported,
            candidates,
            self.plan.streets.items[payload.street],
        )
        return [
            {
                "id": m.candidate.id,
                "state": m.candidate.state,
                "address": m.candidate.address,
                "street": m.candidate.street,
                "reported_at": m.candidate.reported_at.isoformat(),
                "similarity": m.similarity,
            }
            for m in matches
        ]

    def count_open(self, *, drills: bool = False) -> int:
        """Open incidents; drills are kept out of the figures unless asked for (§7.2)."""
        with self.reading() as session:
            query = (
                select(func.count())
                .select_from(Incident)
                .where(col(Incident.state).in_(self.workflow.open_states))
            )
            if not drills:
                query = query.where(col(Incident.drill).is_(False))
            return session.exec(query).one()

    # -- commands -------------------------------------------------------------------------

    def report(
        self,
        data: object,
        *,
        actor: str | None = None,
        person: str | None = None,
        merge_into: int | None = None,
        then: Callable[[Session, dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Log a new report (by default at the plan's intake desk). Logging it at the desk
        that receives reports records the district half of the initial report at
        `reported_at` (SPEC R3). `merge_into`: it is a duplicate of that incident, folded into
        it in the same transaction (the workflow's `merge`), so the call's facts are kept and
        nothing is logged twice. `then`: what the caller writes with it (the record the report
        came from), given the session and the new incident's view, in the same transaction:
        if it raises, the incident is not logged either."""
        actor = actor or self.plan.plan.intake
        if actor not in self.plan.actors:
            raise InvalidInput(f"actor: unknown actor '{actor}'")
        payload: IncidentIn = validate(IncidentIn, data)
        check_codes(self.plan, payload)
        now = self.now()
        discovered = parse_instant(payload.discovered_at, "discovered_at")
        reported = parse_instant(payload.reported_at or now, "reported_at")
        if discovered > now:
            raise InvalidInput(
                f"discovered_at: is later than the engine's clock ({now.isoformat()})"
            )
        if reported > now:
            raise InvalidInput(f"reported_at: is later than the engine's clock ({now.isoformat()})")
        if discovered > reported:
            raise InvalidInput("discovered_at: is later than reported_at")
        with self.transaction() as session:
            incident = Incident(
                state=self.workflow.initial,
                condition=payload.condition,
                response_level=self.plan.conditions[payload.condition].level,
                street=payload.street,
                address=payload.address,
                discovered_at=discovered,
                reported_at=reported,
                drill=payload.drill,
                dead=payload.dead,
                missing=payload.missing,
                injured=payload.injured,
                economic_loss_yuan=payload.economic_loss_yuan,
                people_at_risk=payload.people_at_risk,
                reporter=payload.reporter,
                description=payload.description,
                created_at=now,
            )
            session.add(incident)
            session.flush()
            record = IncidentRecord(session, self.plan, incident, now, self.outbox)
            ctx = ActionContext(self.plan, record, "report", actor, reported, {}, person=person)
            self.workflow.intake(ctx)
            logger.info(
                "incident {} reported ({}, {}, level {})",
                incident.id,
                incident.condition,
                incident.street,
                incident.response_level,
            )
            if merge_into is not None:
                self.lifecycle.fire(
                    ActionContext(
                        self.plan,
                        record,
                        "merge",
                        actor,
                        reported,
                        {"into": merge_into},
                        person=person,
                    )
                )
                session.add(incident)
                session.flush()
            view = self._view(session, incident, now)
            if then is not None:
                then(session, view)
            return view

    def act(
        self,
        incident_id: int,
        action: str,
        *,
        actor: str,
        at: object = None,
        data: object = None,
        person: str | None = None,
        proxy: object = None,
    ) -> dict[str, Any]:
        """Take `action` as `actor`. With `proxy`, `actor` is a desk recording what the body
        `proxy.for` decided by phone, fax or document (R11): the action is judged and recorded
        as that body's, marked with who recorded it and how it came."""
        if actor not in self.plan.actors:
            raise InvalidInput(f"actor: unknown actor '{actor}'")
        on_behalf = self._proxy(actor, person, proxy) if proxy is not None else None
        if on_behalf is not None:
            actor = on_behalf["for"]
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise InvalidInput("data: expected a JSON object")
        now = self.now()
        with self.transaction() as session:
            incident = self._get(session, incident_id, lock=True)
            when = now if at is None else parse_instant(at, "at")
            if when > now:
                raise InvalidInput(f"at: is later than the engine's clock ({now.isoformat()})")
            if when < incident.discovered_at:
                raise InvalidInput("at: is earlier than the incident's discovery")
            record = IncidentRecord(session, self.plan, incident, now, self.outbox)
            record.proxy = on_behalf
            ctx = ActionContext(self.plan, record, action, actor, when, data, person=person)
            self.lifecycle.fire(ctx)
            session.add(incident)
            session.flush()
            logger.info("incident {}: {} by {} → {}", incident_id, action, actor, incident.state)
            return self._view(session, incident, now)

    def tick(self, until: datetime | None = None) -> list[Fired]:
        """Bring every timer up to `until` (default: the clock) and return the alerts fired."""
        instant = self.now() if until is None else parse_instant(until, "until")
        fired = catch_up(self.db, self.plan, instant, self.outbox, self.workflow.subject_alerts)
        for alert in fired:
            logger.info(
                "alert {} {} step {} for incident {} → {}",
                alert.deadline,
                alert.kind,
                alert.step,
                alert.incident_id,
                ", ".join(alert.recipients),
            )
        return fired

    def notice_document(
        self, incident_id: int, unit: str, kind: str, occasion: int | None = None
    ) -> OfficialDocument:
        """A notice this incident produced, as it was issued, in printable official-document
        form: the given occasion of it, or the latest (a superseded notice is issued again, and
        the city HQ may be asked more than once)."""
        with self.reading() as session:
            incident = self._get(session, incident_id)
            query = select(Notice).where(
                Notice.incident_id == incident_id, Notice.unit == unit, Notice.kind == kind
            )
            if occasion is not None:
                query = query.where(Notice.occasion == occasion)
            notice = session.exec(query.order_by(col(Notice.occasion).desc())).first()
            if notice is None and occasion is not None:
                raise NotFound(
                    f"occasion: incident {incident_id} has no occasion {occasion} "
                    f"of its '{kind}' notice to '{unit}'"
                )
            if notice is None:
                kinds = sorted(
                    {
                        f"{n.unit}/{n.kind}"
                        for n in session.exec(
                            select(Notice).where(Notice.incident_id == incident_id)
                        )
                    }
                )
                raise NotFound(
                    f"incident {incident_id} has no '{kind}' notice to '{unit}' "
                    f"(it has: {', '.join(kinds) or 'none'})"
                )
            others = list(
                session.exec(
                    select(Notice).where(Notice.incident_id == incident_id, Notice.kind == kind)
                )
            )
            signer = self.directory.documents.signer_from
            acting = session.exec(
                select(TimelineEvent.person)
                .where(
                    TimelineEvent.incident_id == incident_id,
                    TimelineEvent.actor == signer,
                    TimelineEvent.at == notice.sent_at,
                    col(TimelineEvent.person).is_not(None),
                )
                .order_by(col(TimelineEvent.id))
            ).first()
            return official_notice(self.plan, self.directory, incident, notice, others, acting)

    def investigation_report(self, incident_id: int) -> InvestigationReport:
        """The §5.2 report to render: drafted from the record until submitted (SPEC R9)."""
        with self.reading() as session:
            incident = self._get(session, incident_id)
            [verdict] = audit.verify(session, self.keys.audit, [incident_id])
            if not verdict.ok:
                raise Tampered(
                    f"incident {incident_id}: the timeline does not verify, no report "
                    f"is made from it ({tampered_text(verdict.problems)})"
                )
            return self.workflow.reporting.build(self._snapshot(session, incident, self.now()))

    def verify_audit(self, incident_id: int | None = None) -> list[audit.Verdict]:
        """The audit chains of one incident or all of them (`audit verify`)."""
        with self.reading() as session:
            if incident_id is not None:
                ids = [self._get(session, incident_id).id or 0]
            else:
                ids = [
                    i
                    for i in session.exec(select(Incident.id).order_by(col(Incident.id)))
                    if i is not None
                ]
            return audit.verify(session, self.keys.audit, ids)

    def seal_audit(self) -> tuple[list[int], list[audit.Problem]]:
        """Chain the events recorded before the audit chain existed (`audit seal`)."""
        with self.transaction() as session:
            return audit.seal(session, self.keys.audit)

    def deliver(self) -> list[Outcome]:
        """Send what the outbox holds and is due (the worker; `serve` runs it continuously)."""
        return self.delivery.run_once()

    def ack_link_notice(self, token: str) -> dict[str, Any]:
        """What a signed acknowledgement link is about (for the page the link opens)."""
        claim = self.ack_links.verify(token, self.now())
        with self.reading() as session:
            notice = session.get(Notice, claim.notice_id)
            incident = session.get(Incident, claim.incident_id)
            if notice is None or incident is None or notice.unit != claim.unit:
                raise NotFound("the notice of this link does not exist")
            return {
                "incident_id": incident.id,
                "unit": notice.unit,
                "unit_name": self.plan.actor_name(notice.unit),
                "kind": notice.kind,
                "status": notice.status,
                "address": incident.address,
                "street_name": self.plan.streets.items[incident.street],
                "place": place(self.plan, incident),
                "drill": incident.drill,
            }

    def acknowledge_link(self, token: str, person: str | None = None) -> dict[str, Any]:
        """Acknowledge the notice a signed link names, as its unit, without a login."""
        claim = self.ack_links.verify(token, self.now())
        with self.reading() as session:
            notice = session.get(Notice, claim.notice_id)
            if notice is None or notice.unit != claim.unit:
                raise NotFound("the notice of this link does not exist")
            kind = notice.kind
        return self.act(
            claim.incident_id,
            "acknowledge",
            actor=claim.unit,
            data={"kind": kind},
            person=person or self.directory.ack_link_person,
        )

    # -- helpers --------------------------------------------------------------------------

    def _proxy(self, recorder: str, person: str | None, proxy: object) -> dict[str, Any]:
        """A valid proxy record, or the refusal naming why (the plan's `proxy` section)."""
        given: ProxyIn = validate(ProxyIn, proxy, prefix="proxy.")
        rule = self.plan.proxy
        if recorder not in rule.recorders:
            names = ", ".join(rule.recorders)
            raise Forbidden(
                f"proxy: '{recorder}' may not record for another body (only "
                f"{names} may, {rule.clause})"
            )
        if given.for_ not in rule.bodies:
            raise Forbidden(
                f"proxy.for: '{given.for_}' acts itself, no desk records for it "
                f"(by proxy: {', '.join(rule.bodies)})"
            )
        if given.source not in rule.sources:
            raise InvalidInput(
                f"proxy.source: unknown source '{given.source}' (known: {', '.join(rule.sources)})"
            )
        return {
            "for": given.for_,
            "recorded_by": recorder,
            "recorder_person": person,
            "source": given.source,
            "conveyed_by": given.conveyed_by,
            "reference": given.reference,
        }

    def _get(self, session: Session, incident_id: int, lock: bool = False) -> Incident:
        if not 1 <= incident_id <= MAX_INT:  # no row has it; the database could not even ask
            raise NotFound(f"incident {incident_id} does not exist")
        query = select(Incident).where(Incident.id == incident_id)
        if lock:  # FOR NO KEY UPDATE: rows inserted meanwhile may still refer to the incident
            query = query.with_for_update(key_share=True)
        incident = session.exec(query).first()
        if incident is None:
            raise NotFound(f"incident {incident_id} does not exist")
        if lock:  # the chain head too, before any other row: appends to its timeline follow
            audit.lock_heads(session, [incident_id], create=False)
        return incident

    def classify(self, data: object) -> dict[str, Any]:
        """`classify`: facts → grade, level, scope, city request and the reasons (no record)."""
        return self.workflow.classify(self.plan, data)

    def _snapshot(self, session: Session, incident: Incident, now: datetime) -> Snapshot:
        return Snapshot.load(
            session,
            self.plan,
            incident,
            now,
            finished=incident.state not in self.workflow.open_states,
        )

    def _view(self, session: Session, incident: Incident, now: datetime) -> dict[str, Any]:
        snapshot = self._snapshot(session, incident, now)
        report = snapshot.investigation
        drafting = report is not None and report.submitted_at is None
        return incident_view(
            snapshot,
            self.lifecycle.available(incident.state),
            self.workflow.reporting.drafts(snapshot) if drafting else None,
        )


def tampered_text(problems: list[audit.Problem], limit: int = 5) -> str:
    """The first problems of a broken chain, for a refusal's message."""
    named = "; ".join(
        f"seq {p.seq}: {p.problem} ({p.detail})"
        if p.seq is not None
        else f"{p.problem} ({p.detail})"
        for p in problems[:limit]
    )
    more = len(problems) - limit
    return named + (f"; and {more} more" if more > 0 else "")
