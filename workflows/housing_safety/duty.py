"""§3.5 值班制度 (SPEC R11): the duty desk's call log, its roster and the handover between shifts.

The rules are pure functions over plain data (what a call may still become, whether a search
matches, what a handover sheet lists, who may confirm it); `DutyDesk` loads and writes the rows
around them through the kernel's `IncidentService` (its transactions, its clock, its `report`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import StringConstraints
from sqlmodel import Session, col, select

from documents.pdf import html_to_pdf
from documents.templating import render
from engine.errors import Forbidden, InvalidInput, InvalidState, NotFound
from engine.models import DeadlineRow, Delivery, Incident, Notice
from engine.schemas import MAX_INT, Input, Instant, validate
from engine.service import IncidentService
from engine.timeutil import parse_instant
from workflows.housing_safety import words
from workflows.housing_safety.duty_tables import DutyCall, DutyShift, Handover
from workflows.housing_safety.prevention_tables import House, PublicBuildingCheck
from workflows.housing_safety.warning_tables import Warning as HazardWarning

Line64 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
Line100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Line200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Line500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Needed100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Needed500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
NeededNote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class CallIn(Input):
    """A call as the duty telephone book records it (值班电话记录)."""

    received_at: Instant | None = None
    caller_unit: Line200 = ""
    caller_name: Line100 = ""
    caller_position: Line100 = ""
    caller_phone: Line64 = ""
    street: str | None = None
    place: Needed500
    content: NeededNote
    recorder: Needed100
    instruction: Note = ""
    handling: Note = ""


class CallOpenIn(Input):
    """What a call cannot say by itself when it opens an incident: the condition, the street
    (if the call did not name it), and any facts the officer adds."""

    condition: str
    street: str | None = None
    address: Line500 | None = None
    discovered_at: Instant | None = None
    dead: int | None = None
    missing: int | None = None
    injured: int | None = None
    people_at_risk: int | None = None
    drill: bool = False


class HandlingIn(Input):
    """A leader's instruction on a call and how it was carried out, recorded as they come."""

    instruction: Note | None = None
    handling: Note | None = None


class ShiftIn(Input):
    starts_at: Instant
    ends_at: Instant
    leader: Needed100
    officers: list[Needed100]


# -- pure rules ----------------------------------------------------------------------------

CallStatus = Literal["open", "incident", "attached", "closed"]
UNDELIVERED = ("pending", "sending", "dead")
SEARCHED = ("caller_unit", "caller_name", "caller_position", "caller_phone", "place", "content")


def check_open(call_id: int, status: str) -> None:
    """A call is settled once: it opens an incident, joins one, or is closed with a reason."""
    if status != "open":
        raise InvalidState(
            f"call: call {call_id} is already settled "
            f"({words.CALL_STATUS.get(status, status)}); nothing was changed"
        )


def matches(fields: dict[str, str], query: str) -> bool:
    """Free text over the caller, the place and the content: every word given must occur."""
    text = " ".join(fields.get(name, "") for name in SEARCHED).casefold()
    return all(term in text for term in query.casefold().split())


def check_shift(shift: ShiftIn, others: Iterable[tuple[datetime, datetime]]) -> None:
    """A shift ends after it starts, names distinct officers and overlaps no other shift (a
    roster has one shift on duty at a time: 本系统设定)."""
    if shift.ends_at <= shift.starts_at:
        raise InvalidInput("ends_at: must be later than starts_at")
    if not shift.officers:
        raise InvalidInput("officers: at least one duty officer")
    if len(set(shift.officers)) != len(shift.officers):
        raise InvalidInput("officers: an officer is named twice")
    for starts, ends in others:
        if starts < shift.ends_at and shift.starts_at < ends:
            raise InvalidInput(
                f"starts_at: the shift overlaps the shift of "
                f"{starts.isoformat()}–{ends.isoformat()}"
            )


@dataclass(frozen=True)
class Pending:
    """One thing still owed, as the handover sheet lists it."""

    incident_id: int | None
    what: str
    when: datetime | None


def about_parts(about: str | None) -> tuple[str, int] | None:
    """A message's subject ("house:12") as its kind and id; None for an incident's message or
    a value this workflow did not write."""
    kind, sep, raw = (about or "").partition(":")
    if not sep or not raw.isascii() or not raw.isdigit():
        return None
    return kind, int(raw)


def subject_text(session: Session, about: str | None) -> str:
    """What the sheet says a subject's message is about (危险房屋 鹦鹉街示例路1号｜), so an
    undelivered patrol alert or warning names its house or warning; '' for an incident's."""
    parts = about_parts(about)
    if parts is None:
        return ""
    kind, subject_id = parts
    label = words.SUBJECTS.get(kind, kind)
    name = ""
    if kind == "house":
        house = session.get(House, subject_id)
        name = house.address if house else ""
    elif kind == "public_check":
        check = session.get(PublicBuildingCheck, subject_id)
        name = f"{check.building}（{check.address}）" if check else ""
    elif kind == "warning":
        warning = session.get(HazardWarning, subject_id)
        name = (warning.headline or "") if warning else ""
    return f"{label} {name or f'#{subject_id}'}｜"


def sheet_sections(
    now: datetime, next_end: datetime, deadlines: Sequence[Pending]
) -> dict[str, list[Pending]]:
    """Split the open deadlines: overdue ones, and those due before the next shift ends."""
    return {
        "overdue": [d for d in deadlines if d.when is not None and d.when <= now],
        "due_next_shift": [d for d in deadlines if d.when is not None and now < d.when <= next_end],
    }


def check_confirm(
    side: str,
    officer: str,
    officers: Sequence[str],
    outgoing_by: str | None,
    incoming_by: str | None,
) -> None:
    """The outgoing officer confirms first (交班), then the incoming one (接班, 本系统设定),
    each under their own account and only as an officer of their own shift."""
    if side == "outgoing" and outgoing_by is not None:
        raise InvalidState(f"side: the outgoing officer already confirmed ({outgoing_by})")
    if side == "incoming" and incoming_by is not None:
        raise InvalidState(f"side: the incoming officer already confirmed ({incoming_by})")
    if side == "incoming" and outgoing_by is None:
        raise InvalidState("side: the outgoing officer confirms first")
    if officer not in officers:
        shift = "outgoing" if side == "outgoing" else "incoming"
        raise Forbidden(
            f"officer: '{officer}' is not a duty officer of the {shift} shift "
            f"({', '.join(officers)})"
        )


# -- the desk --------------------------------------------------------------------------------


class DutyDesk:
    """The call log, roster and handovers over the kernel's service (its clock, its
    transactions, its `report`)."""

    def __init__(self, service: IncidentService) -> None:
        self.service = service
        self.zone = ZoneInfo(service.plan.plan.timezone)

    def _iso(self, value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(self.zone).isoformat()

    # -- calls

    def log_call(self, data: object, *, by: str) -> dict[str, Any]:
        call: CallIn = validate(CallIn, data)
        plan = self.service.plan
        if call.street is not None and call.street not in plan.streets.items:
            raise InvalidInput(f"street: unknown street '{call.street}'")
        now = self.service.now()
        received = parse_instant(call.received_at or now, "received_at")
        if received > now:
            raise InvalidInput(f"received_at: is later than the engine's clock ({now.isoformat()})")
        with self.service.transaction() as session:
            return self._call_view(self._new_call(session, call, received, by, now))

    @staticmethod
    def _new_call(
        session: Session, call: CallIn, received: datetime, by: str, now: datetime
    ) -> DutyCall:
        row = DutyCall(
            **call.model_dump(exclude={"received_at"}),
            received_at=received,
            logged_by=by,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return row

    def log_and_attach(self, data: object, incident_id: int, *, by: str) -> dict[str, Any]:
        """A report that turned out to be about an incident already open (a likely duplicate,
        R11): logged as a call and attached to that incident in one transaction, so it is
        neither a second incident nor a call left open."""
        call: CallIn = validate(CallIn, data)
        if call.street is not None and call.street not in self.service.plan.streets.items:
            raise InvalidInput(f"street: unknown street '{call.street}'")
        now = self.service.now()
        with self.service.transaction() as session:
            row = self._new_call(session, call, now, by, now)
            return self._attach(session, row, incident_id, by, now)

    def calls(self, query: str = "", status: str | None = None) -> list[dict[str, Any]]:
        """The call log, newest first; `query` searches caller, place and content."""
        if status is not None and status not in words.CALL_STATUS:
            raise InvalidInput(
                f"status: unknown status '{status}' (known: {', '.join(words.CALL_STATUS)})"
            )
        with self.service.reading() as session:
            rows = session.exec(
                select(DutyCall).order_by(col(DutyCall.received_at).desc(), col(DutyCall.id).desc())
            )
            views = [self._call_view(r) for r in rows]
        return [v for v in views if (status is None or v["status"] == status) and matches(v, query)]

    def call(self, call_id: int) -> dict[str, Any]:
        with self.service.reading() as session:
            return self._call_view(self._get_call(session, call_id))

    def attach_call(self, call_id: int, incident_id: int, *, by: str) -> dict[str, Any]:
        now = self.service.now()
        with self.service.transaction() as session:
            row = self._get_call(session, call_id)
            check_open(call_id, row.status)
            return self._attach(session, row, incident_id, by, now)

    def _attach(
        self, session: Session, row: DutyCall, incident_id: int, by: str, now: datetime
    ) -> dict[str, Any]:
        incident = session.get(Incident, incident_id) if 1 <= incident_id <= MAX_INT else None
        if incident is None:
            raise NotFound(f"incident: incident {incident_id} does not exist")
        if incident.state not in self.service.workflow.open_states:
            raise InvalidState(
                f"incident: incident {incident_id} is no longer open "
                f"({words.STATES.get(incident.state, incident.state)})"
            )
        return self._settle(session, row, "attached", by, now, incident_id=incident_id)

    def close_call(self, call_id: int, reason: object, *, by: str) -> dict[str, Any]:
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("reason: required (why the call needs no incident)")
        if len(reason) > 2000:
            raise InvalidInput("reason: at most 2000 characters")
        now = self.service.now()
        with self.service.transaction() as session:
            row = self._get_call(session, call_id)
            check_open(call_id, row.status)
            return self._settle(session, row, "closed", by, now, reason=reason.strip())

    def open_incident(
        self, call_id: int, data: object, *, by: str, actor: str | None = None
    ) -> dict[str, Any]:
        """Open an incident prefilled from the call (place, caller, content, time): the
        incident is logged and the call settled pointing to it in one transaction, so a failure
        of either leaves neither (no incident without its call, no call pointing nowhere)."""
        extra: CallOpenIn = validate(CallOpenIn, data)
        call = self.call(call_id)
        check_open(call_id, call["status"])
        street = extra.street or call["street"]
        if street is None:
            raise InvalidInput("street: the call names no street; give the incident's street")
        caller = " ".join(
            p
            for p in (
                call["caller_unit"],
                call["caller_name"],
                call["caller_position"],
                call["caller_phone"],
            )
            if p
        )
        report = {
            **extra.model_dump(exclude_none=True, exclude={"street", "address"}),
            "street": street,
            "address": extra.address or call["place"],
            "discovered_at": extra.discovered_at.isoformat()
            if extra.discovered_at
            else call["received_at"],
            "reported_at": call["received_at"],
            "reporter": caller[:200] or None,
            "description": f"值班电话记录第{call_id}号：{call['content']}"[:4000],
        }
        now = self.service.now()

        def settle(session: Session, incident: dict[str, Any]) -> None:
            row = self._get_call(session, call_id)
            check_open(call_id, row.status)  # settled meanwhile: the incident is not logged
            self._settle(session, row, "incident", by, now, incident_id=incident["id"])

        return self.service.report(
            {k: v for k, v in report.items() if v is not None}, actor=actor, then=settle
        )

    def record_handling(self, call_id: int, data: object) -> dict[str, Any]:
        """Write the 领导批示 or the 处理情况 of a call, settled or not: an instruction given
        and not yet carried out stays on every handover sheet until its handling is written."""
        given: HandlingIn = validate(HandlingIn, data)
        changes = given.model_dump(exclude_none=True)
        if not changes:
            raise InvalidInput("instruction: give the instruction, the handling or both")
        with self.service.transaction() as session:
            row = self._get_call(session, call_id)
            for name, value in changes.items():
                setattr(row, name, value)
            session.add(row)
            session.flush()
            return self._call_view(row)

    def _settle(
        self,
        session: Session,
        row: DutyCall,
        status: CallStatus,
        by: str,
        now: datetime,
        *,
        incident_id: int | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        row.status, row.settled_at, row.settled_by = status, now, by
        row.incident_id, row.close_reason = incident_id, reason
        session.add(row)
        session.flush()
        return self._call_view(row)

    def _get_call(self, session: Session, call_id: int) -> DutyCall:
        row = session.get(DutyCall, call_id) if 1 <= call_id <= MAX_INT else None
        if row is None:
            raise NotFound(f"call: call {call_id} does not exist")
        return row

    def _call_view(self, row: DutyCall) -> dict[str, Any]:
        view = row.model_dump()
        for name in ("received_at", "settled_at", "created_at"):
            view[name] = self._iso(getattr(row, name))
        view["status_name"] = words.CALL_STATUS[row.status]
        return view

    # -- roster

    def add_shift(self, data: object, *, by: str) -> dict[str, Any]:
        shift: ShiftIn = validate(ShiftIn, data)
        with self.service.transaction() as session:
            existing = list(session.exec(select(DutyShift)))
            check_shift(shift, ((s.starts_at, s.ends_at) for s in existing))
            row = DutyShift(**shift.model_dump(), created_by=by, created_at=self.service.now())
            session.add(row)
            session.flush()
            return self._shift_view(row)

    def shifts(self) -> list[dict[str, Any]]:
        with self.service.reading() as session:
            rows = session.exec(select(DutyShift).order_by(col(DutyShift.starts_at)))
            return [self._shift_view(r) for r in rows]

    def _get_shift(self, session: Session, shift_id: int, field: str) -> DutyShift:
        row = session.get(DutyShift, shift_id) if 1 <= shift_id <= MAX_INT else None
        if row is None:
            raise NotFound(f"{field}: shift {shift_id} does not exist")
        return row

    def _shift_view(self, row: DutyShift) -> dict[str, Any]:
        return {
            "id": row.id,
            "starts_at": self._iso(row.starts_at),
            "ends_at": self._iso(row.ends_at),
            "leader": row.leader,
            "officers": list(row.officers),
            "created_by": row.created_by,
        }

    # -- handover

    def build_handover(
        self, from_shift: int, to_shift: int, note: object, *, by: str
    ) -> dict[str, Any]:
        """The sheet, from the record as it stands now; it is kept as built."""
        if note is not None and (not isinstance(note, str) or len(note) > 4000):
            raise InvalidInput("note: text of at most 4000 characters")
        now = self.service.now()
        with self.service.transaction() as session:
            outgoing = self._get_shift(session, from_shift, "from_shift")
            incoming = self._get_shift(session, to_shift, "to_shift")
            if incoming.starts_at < outgoing.ends_at:
                raise InvalidInput("to_shift: must start when or after from_shift ends")
            row = Handover(
                from_shift_id=from_shift,
                to_shift_id=to_shift,
                sheet=self._sheet(session, now, incoming.ends_at),
                note=(note or "").strip(),
                built_at=now,
                built_by=by,
            )
            session.add(row)
            session.flush()
            return self._handover_view(row, outgoing, incoming)

    def confirm_handover(self, handover_id: int, side: str, officer: str) -> dict[str, Any]:
        if side != "outgoing" and side != "incoming":
            raise InvalidInput("side: must be outgoing or incoming")
        now = self.service.now()
        with self.service.transaction() as session:
            row = self._get_handover(session, handover_id)
            outgoing = self._get_shift(session, row.from_shift_id, "from_shift")
            incoming = self._get_shift(session, row.to_shift_id, "to_shift")
            shift = outgoing if side == "outgoing" else incoming
            check_confirm(
                side,
                officer,
                shift.officers,
                row.outgoing_by,
                row.incoming_by,
            )
            if side == "outgoing":
                row.outgoing_by, row.outgoing_at = officer, now
            else:
                row.incoming_by, row.incoming_at = officer, now
            session.add(row)
            session.flush()
            return self._handover_view(row, outgoing, incoming)

    def handover(self, handover_id: int) -> dict[str, Any]:
        with self.service.reading() as session:
            row = self._get_handover(session, handover_id)
            return self._handover_view(
                row,
                self._get_shift(session, row.from_shift_id, "id"),
                self._get_shift(session, row.to_shift_id, "id"),
            )

    def handover_document(self, handover_id: int, fmt: str) -> bytes:
        """The sheet as printed (HTML or PDF), from what was kept when it was built."""
        if fmt not in ("html", "pdf"):
            raise InvalidInput(f"format: must be html or pdf, not '{fmt}'")
        view = self.handover(handover_id)
        html = render(
            "handover.html.j2",
            for_print=fmt == "pdf",
            h=view,
            sections=words.HANDOVER_SECTIONS,
            when=self._when,
            title=f"{self.service.plan.plan.district}房屋安全值班交接班单（第{handover_id}号）",
        )
        return html_to_pdf(html) if fmt == "pdf" else html.encode("utf-8")

    def _when(self, iso: str | None) -> str:
        if not iso:
            return "—"
        return datetime.fromisoformat(iso).astimezone(self.zone).strftime("%Y年%m月%d日 %H:%M")

    def handovers(self) -> list[dict[str, Any]]:
        with self.service.reading() as session:
            rows = list(session.exec(select(Handover).order_by(col(Handover.id).desc())))
            return [
                self._handover_view(
                    r,
                    self._get_shift(session, r.from_shift_id, "id"),
                    self._get_shift(session, r.to_shift_id, "id"),
                )
                for r in rows
            ]

    def _get_handover(self, session: Session, handover_id: int) -> Handover:
        row = session.get(Handover, handover_id) if 1 <= handover_id <= MAX_INT else None
        if row is None:
            raise NotFound(f"handover: handover {handover_id} does not exist")
        return row

    def _handover_view(
        self, row: Handover, outgoing: DutyShift, incoming: DutyShift
    ) -> dict[str, Any]:
        return {
            "id": row.id,
            "from_shift": self._shift_view(outgoing),
            "to_shift": self._shift_view(incoming),
            "sheet": row.sheet,
            "note": row.note,
            "built_at": self._iso(row.built_at),
            "built_by": row.built_by,
            "outgoing_by": row.outgoing_by,
            "outgoing_at": self._iso(row.outgoing_at),
            "incoming_by": row.incoming_by,
            "incoming_at": self._iso(row.incoming_at),
            "complete": row.incoming_by is not None,
        }

    def _sheet(self, session: Session, now: datetime, next_end: datetime) -> dict[str, Any]:
        """What the record holds open now, named as a person reads it (frozen in the row)."""
        plan, states = self.service.plan, self.service.workflow.open_states
        incidents = {
            i.id: i
            for i in session.exec(
                select(Incident).where(col(Incident.state).in_(states)).order_by(col(Incident.id))
            )
        }
        ids = list(incidents)

        def where(incident_id: int | None) -> str:
            incident = incidents.get(incident_id)
            if incident is None:
                return ""
            return f"{plan.streets.items.get(incident.street, incident.street)}{incident.address}"

        deadlines = [
            Pending(
                d.incident_id,
                plan.deadlines[d.code].name if d.code in plan.deadlines else d.code,
                d.due_at,
            )
            for d in session.exec(
                select(DeadlineRow)
                .where(
                    col(DeadlineRow.incident_id).in_(ids),
                    col(DeadlineRow.met_at).is_(None),
                    col(DeadlineRow.stopped_at).is_(None),
                )
                .order_by(col(DeadlineRow.due_at))
            )
        ]
        notices = [
            Pending(
                n.incident_id,
                f"{plan.actor_name(n.unit)}：{words.notice_kind(plan, n.kind)}",
                n.ack_due_at,
            )
            for n in session.exec(
                select(Notice)
                .where(
                    col(Notice.incident_id).in_(ids), col(Notice.status).in_(("sent", "escalated"))
                )
                .order_by(col(Notice.id))
            )
        ]
        messages = [
            Pending(
                m.incident_id,
                f"{subject_text(session, m.about)}{plan.actor_name(m.recipient)}：{m.subject}"
                f"（{words.DELIVERY_STATUS.get(m.status, m.status)}）",
                m.next_attempt_at,
            )
            for m in session.exec(
                select(Delivery)
                .where(col(Delivery.status).in_(UNDELIVERED))
                .order_by(col(Delivery.id))
            )
        ]
        instructions = [
            Pending(c.incident_id, f"第{c.id}号来电（{c.place}）：{c.instruction}", c.received_at)
            for c in session.exec(
                select(DutyCall)
                .where(DutyCall.instruction != "", DutyCall.handling == "")
                .order_by(col(DutyCall.received_at))
            )
        ]
        calls = [
            Pending(
                None,
                f"第{c.id}号 {c.caller_unit}{c.caller_name}：{c.place}，{c.content}",
                c.received_at,
            )
            for c in session.exec(
                select(DutyCall)
                .where(DutyCall.status == "open")
                .order_by(col(DutyCall.received_at))
            )
        ]

        def items(pending: Iterable[Pending]) -> list[dict[str, Any]]:
            return [
                {
                    "incident_id": p.incident_id,
                    "where": where(p.incident_id),
                    "what": p.what,
                    "when": self._iso(p.when),
                }
                for p in pending
            ]

        split = sheet_sections(now, next_end, deadlines)
        return {
            "as_of": self._iso(now),
            "next_shift_ends": self._iso(next_end),
            "open_incidents": [
                {
                    "incident_id": i.id,
                    "where": where(i.id),
                    "what": words.STATES.get(i.state, i.state),
                    "when": self._iso(i.reported_at),
                    "drill": i.drill,
                }
                for i in incidents.values()
            ],
            "overdue": items(split["overdue"]),
            "due_next_shift": items(split["due_next_shift"]),
            "unacknowledged": items(notices),
            "undelivered": items(messages),
            "instructions_pending": items(instructions),
            "open_calls": items(calls),
        }
