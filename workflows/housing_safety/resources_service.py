"""The expert pool, rescue resources and the emergency fund on the record (§6.2, §6.3).

The fund is read by 区财政局 and 区审计局 (§6.3: they supervise its use) and by those who record
it; anyone else is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field
from sqlmodel import Session, col, select

from engine.errors import Forbidden, InvalidInput, NotFound
from engine.models import Incident
from engine.schemas import Flag, Id, Input, Instant, Text, Yuan, json_money, limit, validate
from engine.timeutil import local_iso
from workflows.housing_safety import resources as rules
from workflows.housing_safety.prevention import Phone
from workflows.housing_safety.resource_tables import (
    Expert,
    ExpertAssignment,
    FundSpending,
    FundYear,
    RescueResource,
)
from workflows.housing_safety.service_base import OnRecord


class ExpertIn(Input):
    name: Text
    field: str
    phone: Phone
    employer: Text | None = None
    available: Flag = True


class PickIn(Input):
    task: str
    field: str | None = None
    count: Annotated[int, Field(ge=1, le=20, strict=True)] = 1
    expert_ids: list[Id] | None = None


class ResourceIn(Input):
    kind: str
    name: Text
    quantity: Annotated[int, Field(ge=1, le=1_000_000, strict=True)] = 1
    in_good_order: Flag = True
    note: Annotated[str, Field(max_length=limit(RescueResource, "note"))] | None = None


class BudgetIn(Input):
    year: Annotated[int, Field(ge=2000, le=2100, strict=True)]
    budget_yuan: Yuan


class SpendingIn(Input):
    amount_yuan: Yuan
    purpose: Annotated[str, Field(min_length=1, max_length=limit(FundSpending, "purpose"))]
    incident_id: Id | None = None
    at: Instant | None = None


class ResourceService(OnRecord):
    # -- experts -------------------------------------------------------------------------

    def _expert_in(self, data: object, actor: str) -> ExpertIn:
        self._actor(actor)
        payload: ExpertIn = validate(ExpertIn, data)
        if payload.field not in self.section.experts.fields:
            raise InvalidInput(f"field: must be one of {', '.join(self.section.experts.fields)}")
        return payload

    def update_expert(self, expert_id: int, data: object, actor: str) -> dict[str, Any]:
        """An expert's entry corrected as a whole (name, field, phone, employer, availability)."""
        payload = self._expert_in(data, actor)
        with self.incidents.transaction() as session:
            expert = session.get(Expert, expert_id)
            if expert is None:
                raise NotFound(f"expert {expert_id} not found")
            for key, value in payload.model_dump().items():
                setattr(expert, key, value)
            session.add(expert)
            return expert.model_dump()

    def add_expert(self, data: object, actor: str) -> dict[str, Any]:
        payload = self._expert_in(data, actor)
        with self.incidents.transaction() as session:
            expert = Expert(**payload.model_dump())
            session.add(expert)
            session.flush()
            return expert.model_dump()

    def list_experts(self, field: str | None = None) -> list[dict[str, Any]]:
        if field is not None and field not in self.section.experts.fields:
            raise InvalidInput(f"--field: must be one of {', '.join(self.section.experts.fields)}")
        with self.incidents.reading() as session:
            query = select(Expert).order_by(col(Expert.field), col(Expert.id))
            if field:
                query = query.where(Expert.field == field)
            return [e.model_dump() for e in session.exec(query)]

    def set_available(self, expert_id: int, available: bool, actor: str) -> dict[str, Any]:
        self._actor(actor)
        with self.incidents.transaction() as session:
            expert = session.get(Expert, expert_id)
            if expert is None:
                raise NotFound(f"expert {expert_id} not found")
            expert.available = available
            session.add(expert)
            return expert.model_dump()

    def pick(self, incident_id: int, data: object, actor: str) -> dict[str, Any]:
        """Experts picked for an incident's task: named ones, or the first available of a
        field; the names are what `eliminate_danger` takes as its experts."""
        self._actor(actor)
        payload: PickIn = validate(PickIn, data)
        if payload.task not in self.section.experts.tasks:
            raise InvalidInput(f"task: must be one of {', '.join(self.section.experts.tasks)}")
        now = self.incidents.now()
        with self.incidents.transaction() as session:
            if session.get(Incident, incident_id) is None:
                raise NotFound(f"incident {incident_id} not found")
            pool = [e.model_dump() for e in session.exec(select(Expert).order_by(col(Expert.id)))]
            taken = set(
                session.exec(
                    select(ExpertAssignment.expert_id).where(
                        ExpertAssignment.incident_id == incident_id,
                        ExpertAssignment.task == payload.task,
                    )
                )
            )
            if payload.expert_ids:
                by_id = {e["id"]: e for e in pool}
                for expert_id in payload.expert_ids:
                    if expert_id not in by_id:
                        raise NotFound(f"expert {expert_id} not found")
                    if not by_id[expert_id]["available"]:
                        raise InvalidInput(f"expert_ids: expert {expert_id} is not available")
                chosen = [by_id[i] for i in dict.fromkeys(payload.expert_ids) if i not in taken]
            else:
                chosen = rules.pick(pool, payload.field, taken, payload.count)
                if not chosen:
                    raise InvalidInput(f"field: no available expert left for {payload.task}")
            for expert in chosen:
                session.add(
                    ExpertAssignment(
                        expert_id=expert["id"],
                        incident_id=incident_id,
                        task=payload.task,
                        at=now,
                        picked_by=actor,
                    )
                )
            session.flush()
            return self._assignments(session, incident_id)

    def _assignments(self, session: Session, incident_id: int) -> dict[str, Any]:
        rows = session.exec(
            select(ExpertAssignment, Expert)
            .join(Expert, col(Expert.id) == col(ExpertAssignment.expert_id))
            .where(ExpertAssignment.incident_id == incident_id)
            .order_by(col(ExpertAssignment.id))
        )
        out: dict[str, list[dict[str, Any]]] = {task: [] for task in self.section.experts.tasks}
        for assignment, expert in rows:
            out[assignment.task].append(
                {
                    "expert_id": expert.id,
                    "name": expert.name,
                    "field": expert.field,
                    "phone": expert.phone,
                    "at": local_iso(assignment.at, self.zone),
                }
            )
        return {"incident_id": incident_id, "tasks": out}

    def offered(self, incident_id: int, task: str) -> tuple[list[tuple[str, str]], list[str]]:
        """The console's choice of experts for an incident's task: the pool's available ones
        as 姓名（领域）, and those already picked for the task (selected to start with)."""
        fields = self.section.experts.fields
        with self.incidents.reading() as session:
            pool = session.exec(
                select(Expert)
                .where(col(Expert.available))
                .order_by(col(Expert.field), col(Expert.id))
            ).all()
            picked = session.exec(
                select(ExpertAssignment.expert_id).where(
                    ExpertAssignment.incident_id == incident_id, ExpertAssignment.task == task
                )
            ).all()
        return (
            [(str(e.id), f"{e.name}（{fields.get(e.field, e.field)}）") for e in pool],
            [str(i) for i in picked],
        )

    def assignments(self, incident_id: int) -> dict[str, Any]:
        with self.incidents.reading() as session:
            return self._assignments(session, incident_id)

    # -- rescue team, equipment, vehicles -----------------------------------------------

    def add_resource(self, data: object, actor: str) -> dict[str, Any]:
        self._actor(actor)
        payload: ResourceIn = validate(ResourceIn, data)
        if payload.kind not in self.section.rescue.kinds:
            raise InvalidInput(f"kind: must be one of {', '.join(self.section.rescue.kinds)}")
        with self.incidents.transaction() as session:
            row = RescueResource(**payload.model_dump(), checked_on=self.incidents.now())
            session.add(row)
            session.flush()
            return self._resource(row)

    def _resource(self, row: RescueResource) -> dict[str, Any]:
        out = row.model_dump()
        out["checked_on"] = None if row.checked_on is None else local_iso(row.checked_on, self.zone)
        return out

    def list_resources(self) -> list[dict[str, Any]]:
        with self.incidents.reading() as session:
            return [
                self._resource(r)
                for r in session.exec(
                    select(RescueResource).order_by(
                        col(RescueResource.kind), col(RescueResource.id)
                    )
                )
            ]

    # -- the emergency fund ---------------------------------------------------------------

    def _writer(self, actor: str) -> None:
        self._actor(actor)
        if actor not in self.section.fund.writers:
            raise Forbidden(
                f"actor: the fund is recorded by {', '.join(self.section.fund.writers)}"
            )

    def set_budget(self, data: object, actor: str) -> dict[str, Any]:
        """The year's start-up fund; below the plan's floor it is recorded and flagged."""
        self._writer(actor)
        payload: BudgetIn = validate(BudgetIn, data)
        with self.incidents.transaction() as session:
            row = session.get(FundYear, payload.year) or FundYear(
                year=payload.year, budget_yuan=Decimal(0), recorded_by=actor
            )
            row.budget_yuan, row.recorded_by = payload.budget_yuan, actor
            row.recorded_at = self.incidents.now()
            session.add(row)
            session.flush()
            return self._year(session, row)

    def spend(self, data: object, actor: str) -> dict[str, Any]:
        """A spending from the fund, in the year of its date, for an incident or not."""
        self._writer(actor)
        payload: SpendingIn = validate(SpendingIn, data)
        at = self._when(payload.at)
        year = at.astimezone(self.zone).year
        with self.incidents.transaction() as session:
            budget = session.get(FundYear, year)
            if budget is None:
                raise InvalidInput(f"at: no fund is recorded for {year} (fund budget first)")
            if (
                payload.incident_id is not None
                and session.get(Incident, payload.incident_id) is None
            ):
                raise NotFound(f"incident {payload.incident_id} not found")
            session.add(
                FundSpending(
                    year=year,
                    incident_id=payload.incident_id,
                    amount_yuan=payload.amount_yuan,
                    purpose=payload.purpose,
                    at=at,
                    recorded_by=actor,
                )
            )
            session.flush()
            return self._year(session, budget)

    def fund(self, year: int, reader: str) -> dict[str, Any]:
        """The year's fund, its spending per incident and every item (§6.3)."""
        self._actor(reader)
        allowed = [*self.section.fund.readers, *self.section.fund.writers]
        if reader not in allowed:
            raise Forbidden(f"actor: the fund is read by {', '.join(dict.fromkeys(allowed))}")
        with self.incidents.reading() as session:
            row = session.get(FundYear, year)
            if row is None:
                raise NotFound(f"no fund is recorded for {year}")
            return self._year(session, row)

    def _year(self, session: Session, row: FundYear) -> dict[str, Any]:
        items = list(
            session.exec(
                select(FundSpending)
                .where(FundSpending.year == row.year)
                .order_by(col(FundSpending.at), col(FundSpending.id))
            )
        )
        summary = rules.FundSummary(
            row.year,
            row.budget_yuan,
            sum((i.amount_yuan for i in items), Decimal("0")),
            Decimal(self.section.fund.minimum_yuan_per_year),
        )
        per_incident = rules.spent_by_incident((i.incident_id, i.amount_yuan) for i in items)
        return {
            "year": row.year,
            "budget_yuan": json_money(summary.budget_yuan),
            "spent_yuan": json_money(summary.spent_yuan),
            "balance_yuan": json_money(summary.balance_yuan),
            "minimum_yuan": self.section.fund.minimum_yuan_per_year,
            "below_minimum": summary.below_minimum,
            "by_incident": [
                {"incident_id": k, "spent_yuan": json_money(v)}
                for k, v in sorted(per_incident.items(), key=lambda kv: kv[0] or 0)
            ],
            "items": [
                {
                    "id": i.id,
                    "incident_id": i.incident_id,
                    "amount_yuan": json_money(i.amount_yuan),
                    "purpose": i.purpose,
                    "at": local_iso(i.at, self.zone),
                    "recorded_by": i.recorded_by,
                }
                for i in items
            ],
        }
