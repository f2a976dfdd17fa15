"""Warnings, their inspection tasks, shelters and evacuations on the record (§3.5, §6.4).

A warning and every inspection task it creates (each a subject deadline in the timer engine)
and the street offices' messages are written in one transaction: a refused message creates
nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import Field
from sqlmodel import Session, col, select

from documents.formatting import cn_datetime_text
from engine import subjects
from engine.errors import Conflict, InvalidInput, NotFound
from engine.notices import Rendered
from engine.outbox import insert
from engine.schemas import Count, Id, Input, Instant, Text, limit, validate
from engine.timeutil import local_iso
from workflows.housing_safety import warnings as rules
from workflows.housing_safety.patrol_alerts import INSPECTION
from workflows.housing_safety.prevention_tables import House
from workflows.housing_safety.service_base import OnRecord
from workflows.housing_safety.warning_tables import Evacuation, InspectionTask, Shelter, Warning


class WarningIn(Input):
    kind: str
    colour: str
    streets: list[str] = Field(min_length=1, max_length=20)
    starts_at: Instant
    ends_at: Instant
    headline: Annotated[str, Field(max_length=limit(Warning, "headline"))] | None = None


class InspectionIn(Input):
    inspector: Text
    result: Annotated[str, Field(min_length=1, max_length=limit(InspectionTask, "result"))]
    at: Instant | None = None


class ShelterIn(Input):
    name: Text
    street: str
    kind: str
    address: Text
    capacity: Annotated[int, Field(ge=1, le=1_000_000, strict=True)]


class EvacuationIn(Input):
    shelter_id: Id
    people: Annotated[Count, Field(ge=1)]
    house_id: Id | None = None
    warning_id: Id | None = None
    at: Instant | None = None


class WarningService(OnRecord):
    # -- warnings ------------------------------------------------------------------------

    def record_warning(self, data: object, actor: str) -> dict[str, Any]:
        """A warning entered by hand."""
        payload: WarningIn = validate(WarningIn, data)
        facts = rules.WarningFacts(
            payload.kind,
            payload.colour,
            tuple(payload.streets),
            payload.starts_at,
            payload.ends_at,
            payload.headline,
        )
        rules.check(self.plan, self.section, facts)
        return self._create(facts, "manual", actor)

    def import_cap(self, content: bytes, actor: str) -> dict[str, Any]:
        """A CAP 1.2 / GB/T 35965.1 message (refused whole when malformed or hostile)."""
        return self._create(rules.parse_cap(self.plan, self.section, content), "cap", actor)

    def _create(self, facts: rules.WarningFacts, source: str, actor: str) -> dict[str, Any]:
        self._actor(actor)
        now = self.incidents.now()
        with self.incidents.transaction() as session:
            if (
                facts.identifier
                and session.exec(
                    select(Warning.id).where(Warning.identifier == facts.identifier)
                ).first()
            ):
                raise Conflict(f"xml: message '{facts.identifier}' was already imported")
            warning = Warning(
                kind=facts.kind,
                colour=facts.colour,
                streets=list(facts.streets),
                starts_at=facts.starts_at,
                ends_at=facts.ends_at,
                headline=facts.headline,
                source=source,
                identifier=facts.identifier,
                recorded_at=now,
                recorded_by=actor,
            )
            session.add(warning)
            session.flush()
            assert warning.id is not None
            houses = [
                {"id": h.id, "street": h.street, "grade": h.grade}
                for h in session.exec(select(House).where(col(House.street).in_(facts.streets)))
            ]
            due = rules.inspection_due(self.section, facts.colour, now)
            inspection = self.section.warnings.inspection
            for house_id in rules.houses_to_inspect(self.section, facts, houses):
                task = InspectionTask(warning_id=warning.id, house_id=house_id, due_at=due)
                session.add(task)
                session.flush()
                assert task.id is not None
                subjects.start(
                    session,
                    subjects.Start(
                        INSPECTION,
                        task.id,
                        INSPECTION,
                        now,
                        due,
                        (inspection.responsible,),
                        inspection.policy(),
                    ),
                )
            self._notify(session, warning, now, due)
            return self._view(session, warning)

    def _notify(self, session: Session, warning: Warning, now: datetime, due: datetime) -> None:
        """The street office of each covered street: the warning and its houses to inspect."""
        names = self.section.warnings
        title = f"{names.colours[warning.colour]}{names.kinds[warning.kind]}预警"
        for street in warning.streets:
            count = session.exec(
                select(sa.func.count())
                .select_from(InspectionTask)
                .join(House, col(House.id) == col(InspectionTask.house_id))
                .where(InspectionTask.warning_id == warning.id, House.street == street)
            ).one()
            body = (
                f"{self.plan.streets.items[street]}办事处：{title}"
                f"（{cn_datetime_text(warning.starts_at, self.zone)}至"
                f"{cn_datetime_text(warning.ends_at, self.zone)}）。辖区在册C、D级危险房屋"
                f"{count}处须于{cn_datetime_text(due, self.zone)}前完成排查（§3.5；排查时限为"
                "本系统设定），必要时组织居民避险转移。"
            )
            insert(
                session,
                self.incidents.outbox.about(
                    f"warning:{warning.id}",
                    "street_office",
                    "warning_issued",
                    Rendered(f"{title}：请组织排查危险房屋", body),
                    f"street:{street}",
                    now,
                ),
            )

    def record_inspection(self, task_id: int, data: object, actor: str) -> dict[str, Any]:
        self._actor(actor)
        payload: InspectionIn = validate(InspectionIn, data)
        at = self._when(payload.at)
        with self.incidents.transaction() as session:
            task = session.get(InspectionTask, task_id)
            if task is None:
                raise NotFound(f"inspection task {task_id} not found")
            if task.done_at is not None:
                raise InvalidInput(f"inspection task {task_id}: its result is already recorded")
            task.done_at, task.inspector, task.result = at, payload.inspector, payload.result
            session.add(task)
            subjects.meet(session, INSPECTION, task_id, INSPECTION, at)
            warning = session.get(Warning, task.warning_id)
            assert warning is not None
            return self._view(session, warning)

    def list_warnings(self) -> list[dict[str, Any]]:
        with self.incidents.reading() as session:
            return [
                self._view(session, w)
                for w in session.exec(select(Warning).order_by(col(Warning.id).desc()))
            ]

    def show_warning(self, warning_id: int) -> dict[str, Any]:
        with self.incidents.reading() as session:
            warning = session.get(Warning, warning_id)
            if warning is None:
                raise NotFound(f"warning {warning_id} not found")
            return self._view(session, warning)

    def _view(self, session: Session, warning: Warning) -> dict[str, Any]:
        tasks = session.exec(
            select(InspectionTask, House)
            .join(House, col(House.id) == col(InspectionTask.house_id))
            .where(InspectionTask.warning_id == warning.id)
            .order_by(col(House.street), col(House.id))
        )
        now = self.incidents.now()
        return {
            "id": warning.id,
            "kind": warning.kind,
            "colour": warning.colour,
            "streets": warning.streets,
            "starts_at": local_iso(warning.starts_at, self.zone),
            "ends_at": local_iso(warning.ends_at, self.zone),
            "headline": warning.headline,
            "source": warning.source,
            "identifier": warning.identifier,
            "tasks": [
                {
                    "id": t.id,
                    "house_id": h.id,
                    "address": h.address,
                    "street": h.street,
                    "grade": h.grade,
                    "due_at": local_iso(t.due_at, self.zone),
                    "done_at": None if t.done_at is None else local_iso(t.done_at, self.zone),
                    "overdue": t.done_at is None and t.due_at < now,
                    "inspector": t.inspector,
                    "result": t.result,
                }
                for t, h in tasks
            ],
        }

    def tasks_for_house(self, house_id: int) -> list[dict[str, Any]]:
        """The inspection tasks warnings gave this house (for its page)."""
        with self.incidents.reading() as session:
            rows = session.exec(
                select(InspectionTask, Warning)
                .join(Warning, col(Warning.id) == col(InspectionTask.warning_id))
                .where(InspectionTask.house_id == house_id)
                .order_by(col(Warning.id).desc())
            )
            names = self.section.warnings
            return [
                {
                    "warning_id": w.id,
                    "task_id": t.id,
                    "title": f"{names.colours[w.colour]}{names.kinds[w.kind]}预警",
                    "due_at": local_iso(t.due_at, self.zone),
                    "done_at": None if t.done_at is None else local_iso(t.done_at, self.zone),
                    "result": t.result,
                }
                for t, w in rows
            ]

    # -- shelters and evacuations ---------------------------------------------------------

    def _shelter_in(self, data: object, actor: str) -> ShelterIn:
        self._actor(actor)
        payload: ShelterIn = validate(ShelterIn, data)
        if payload.street not in self.plan.streets.items:
            raise InvalidInput(f"street: unknown street '{payload.street}'")
        if payload.kind not in self.section.shelters.kinds:
            raise InvalidInput(f"kind: must be one of {', '.join(self.section.shelters.kinds)}")
        return payload

    def update_shelter(self, shelter_id: int, data: object, actor: str) -> dict[str, Any]:
        """A shelter's entry corrected; its capacity never below the people sheltered now."""
        payload = self._shelter_in(data, actor)
        with self.incidents.transaction() as session:
            shelter = session.get(Shelter, shelter_id)
            if shelter is None:
                raise NotFound(f"shelter {shelter_id} not found")
            occupied = self._occupied(session, shelter_id)
            if payload.capacity < occupied:
                raise InvalidInput(
                    f"capacity: must be {occupied} or more (people sheltered there now)"
                )
            for key, value in payload.model_dump().items():
                setattr(shelter, key, value)
            session.add(shelter)
            return self._shelter(session, shelter)

    def add_shelter(self, data: object, actor: str) -> dict[str, Any]:
        payload = self._shelter_in(data, actor)
        with self.incidents.transaction() as session:
            shelter = Shelter(**payload.model_dump())
            session.add(shelter)
            session.flush()
            return self._shelter(session, shelter)

    def _occupied(self, session: Session, shelter_id: int) -> int:
        total: int | None = session.exec(
            select(sa.func.sum(Evacuation.people)).where(
                Evacuation.shelter_id == shelter_id, col(Evacuation.ended_at).is_(None)
            )
        ).one()
        return total or 0

    def _shelter(self, session: Session, shelter: Shelter) -> dict[str, Any]:
        assert shelter.id is not None
        occupied = self._occupied(session, shelter.id)
        return {
            "id": shelter.id,
            "name": shelter.name,
            "street": shelter.street,
            "kind": shelter.kind,
            "address": shelter.address,
            "capacity": shelter.capacity,
            "occupied": occupied,
            "room": rules.room_left(shelter.capacity, occupied),
        }

    def list_shelters(self) -> list[dict[str, Any]]:
        with self.incidents.reading() as session:
            return [
                self._shelter(session, s)
                for s in session.exec(
                    select(Shelter).order_by(col(Shelter.street), col(Shelter.id))
                )
            ]

    def evacuate(self, data: object, actor: str) -> dict[str, Any]:
        """People moved to a shelter; refused beyond its room (they must go elsewhere)."""
        self._actor(actor)
        payload: EvacuationIn = validate(EvacuationIn, data)
        at = self._when(payload.at)
        with self.incidents.transaction() as session:
            shelter = session.get(Shelter, payload.shelter_id)
            if shelter is None:
                raise NotFound(f"shelter {payload.shelter_id} not found")
            for model, key in ((House, payload.house_id), (Warning, payload.warning_id)):
                if key is not None and session.get(model, key) is None:
                    raise NotFound(f"{model.__tablename__} {key} not found")
            room = rules.room_left(shelter.capacity, self._occupied(session, payload.shelter_id))
            if payload.people > room:
                raise InvalidInput(
                    f"people: {shelter.name} has room for {room} more (capacity {shelter.capacity})"
                )
            session.add(Evacuation(**payload.model_dump(exclude={"at"}), at=at, recorded_by=actor))
            session.flush()
            return self._shelter(session, shelter)

    def end_evacuation(self, shelter_id: int, actor: str) -> dict[str, Any]:
        """Everyone in the shelter has left it (the warning is over)."""
        self._actor(actor)
        now = self.incidents.now()
        with self.incidents.transaction() as session:
            shelter = session.get(Shelter, shelter_id)
            if shelter is None:
                raise NotFound(f"shelter {shelter_id} not found")
            for row in session.exec(
                select(Evacuation).where(
                    Evacuation.shelter_id == shelter_id, col(Evacuation.ended_at).is_(None)
                )
            ):
                row.ended_at = now
                session.add(row)
            session.flush()
            return self._shelter(session, shelter)
