"""§4.4 响应终止: danger confirmed eliminated by experts and appraisers, then proposed, approved
and announced by the units the plan names for the level; everyone notified hears it is over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from engine.lifecycle import ActionContext
from engine.models import TimelineEvent
from workflows.housing_safety import resources
from workflows.housing_safety.payloads import EliminateDanger
from workflows.housing_safety.prevention_config import prevention
from workflows.housing_safety.resource_tables import Expert, ExpertAssignment

TASK = "danger_elimination"  # the pool's task for it (config prevention.experts.tasks)


@dataclass(frozen=True)
class PoolExperts:
    """The pool's experts the guard found for the effect to record."""

    experts: list[dict[str, Any]]


def experts_in_pool(ctx: ActionContext) -> None:
    """Experts picked by id must be in the pool (§6.2) and available."""
    payload: EliminateDanger = ctx.payload
    pool: dict[int, dict[str, Any]] = {}
    if payload.expert_ids:
        rows = ctx.record.session.exec(select(Expert).where(col(Expert.id).in_(payload.expert_ids)))
        pool = {e.id: e.model_dump() for e in rows if e.id is not None}
    fields = prevention(ctx.plan).experts.fields
    ctx.hand(PoolExperts(resources.confirming_experts(pool, payload.expert_ids, fields)))


def danger_eliminated(ctx: ActionContext) -> None:
    """The confirmation on the timeline: `pool_experts` with ids and fields, `experts` every
    confirming expert as a notice or the report names them; the pool's are also recorded as
    picked for danger elimination, so the incident's assignments show them."""
    payload: EliminateDanger = ctx.payload
    pool = ctx.take(PoolExperts).experts
    data = payload.model_dump(exclude={"expert_ids"})
    data["experts"] = resources.expert_names(pool, payload.experts)
    if pool:
        data["pool_experts"] = pool
    ctx.record.log("danger_eliminated", ctx.actor, ctx.at, data, person=ctx.person)
    if not pool or TASK not in prevention(ctx.plan).experts.tasks:
        return
    session = ctx.record.session
    incident_id = ctx.record.id
    taken = set(
        session.exec(
            select(ExpertAssignment.expert_id).where(
                ExpertAssignment.incident_id == incident_id, ExpertAssignment.task == TASK
            )
        )
    )
    for expert in pool:
        if expert["id"] not in taken:
            session.add(
                ExpertAssignment(
                    expert_id=expert["id"],
                    incident_id=incident_id,
                    task=TASK,
                    at=ctx.at,
                    picked_by=ctx.actor,
                )
            )


def termination_step(ctx: ActionContext) -> None:
    data = ctx.payload.model_dump(exclude_none=True) if ctx.payload else {}
    ctx.record.log(
        ctx.action,
        ctx.actor,
        ctx.at,
        {**data, "level": ctx.record.level, "clause": ctx.plan.termination.clause},
        person=ctx.person,
    )


def termination_announced(ctx: ActionContext) -> None:
    """Every unit notified during the response hears that it is over, with who proposed,
    approved and announced it and who confirmed the danger gone (the announcer excepted)."""
    record = ctx.record
    steps = ctx.plan.termination.for_level(record.level)
    confirmations = record.rows(
        TimelineEvent, col(TimelineEvent.id).desc(), kind="danger_eliminated"
    )
    confirmed = confirmations[0] if confirmations else None
    data = {
        "level": record.level,
        "level_name": ctx.plan.levels[record.level].name,
        "proposed_by": steps.propose,
        "approved_by": steps.approve,
        "announced_by": ctx.actor,
        "experts": confirmed.data.get("experts", []) if confirmed else [],
        "appraisers": confirmed.data.get("appraisers", []) if confirmed else [],
        "clause": ctx.plan.termination.clause,
    }
    record.end_response(ctx.at)
    # The response is over: the closing notice asks for no acknowledgement (nothing waits).
    for unit in dict.fromkeys(n.unit for n in record.notices()):
        if unit != ctx.actor:
            record.notify(unit, "termination", ctx.at, data, needs_ack=False)
