"""§4.4 响应终止: danger confirmed eliminated by experts and appraisers, then proposed, approved
and announced by the units the plan names for the level; everyone notified hears it is over."""

from __future__ import annotations

from sqlmodel import col

from engine.lifecycle import ActionContext
from engine.models import TimelineEvent


def danger_eliminated(ctx: ActionContext) -> None:
    ctx.record.log(
        "danger_eliminated", ctx.actor, ctx.at, ctx.payload.model_dump(), person=ctx.person
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
