"""§2.2.1 应急处置权利义务 and §5.3 善后处置: the emergency powers the HQ may use, what they
oblige (repair or compensation), and the aftermath items that hold back closing."""

from __future__ import annotations

from typing import Any

from engine.errors import InvalidInput, PreconditionFailed
from engine.lifecycle import ActionContext
from engine.models import Obligation
from engine.record import plain
from workflows.housing_safety.payloads import OpenObligation, UseEmergencyPower


def measure_known(ctx: ActionContext) -> None:
    if ctx.payload.measure not in ctx.plan.emergency_powers.measures:
        raise InvalidInput(
            f"data.measure: unknown measure '{ctx.payload.measure}' (known: "
            f"{', '.join(ctx.plan.emergency_powers.measures)})"
        )


def obligation_kinds(ctx: ActionContext) -> dict[str, str]:
    """The §5.3 items, and those the emergency powers create (e.g. 修复或补偿)."""
    from_powers = {
        m.obligation.kind: m.obligation.name
        for m in ctx.plan.emergency_powers.measures.values()
        if m.obligation
    }
    return {**ctx.plan.aftermath.kinds, **from_powers}


def obligation_known(ctx: ActionContext) -> None:
    payload: OpenObligation = ctx.payload
    kinds = obligation_kinds(ctx)
    if payload.kind not in kinds:
        raise InvalidInput(
            f"data.kind: unknown aftermath item '{payload.kind}' (known: {', '.join(kinds)})"
        )
    if payload.owner is not None and payload.owner not in ctx.plan.actors:
        raise InvalidInput(f"data.owner: unknown unit '{payload.owner}'")


def obligation_open(ctx: ActionContext) -> None:
    found = [o for o in ctx.record.obligations() if o.id == ctx.payload.obligation]
    if not found:
        raise InvalidInput(
            f"data.obligation: no obligation {ctx.payload.obligation} on this incident"
        )
    if found[0].status != "open":
        raise PreconditionFailed(f"obligation {ctx.payload.obligation} is already settled")
    # Whoever handles an item (its owner), 区人民政府 leads the aftermath and confirms that it is
    # settled (§5.3); `may_act` has checked that the actor is that authority.
    ctx.hand(found[0])


def no_open_obligation(ctx: ActionContext) -> None:
    open_ones = [o for o in ctx.record.obligations() if o.status == "open"]
    if open_ones:
        ids = ", ".join(str(o.id) for o in open_ones)
        raise PreconditionFailed(
            f"cannot close: obligation(s) {ids} still open (§5.3); settle them first"
        )


def add_obligation(ctx: ActionContext, kind: str, owner: str, detail: str) -> Obligation:
    obligation = Obligation(
        incident_id=ctx.record.id, kind=kind, owner=owner, detail=detail, opened_at=ctx.at
    )
    ctx.record.add(obligation, flush=True)
    return obligation


def power_used(ctx: ActionContext) -> None:
    payload: UseEmergencyPower = ctx.payload
    measure = ctx.plan.emergency_powers.measures[payload.measure]
    data: dict[str, Any] = {
        "measure": payload.measure,
        "name": measure.name,
        "detail": payload.detail,
        "clause": measure.clause,
    }
    if measure.obligation is not None:
        obligation = add_obligation(
            ctx, measure.obligation.kind, measure.obligation.owner, payload.detail
        )
        data |= {
            "obligation": obligation.id,
            "obligation_name": measure.obligation.name,
            "obligation_clause": measure.obligation.clause,
        }
    ctx.record.log("emergency_power_used", ctx.actor, ctx.at, data, person=ctx.person)


def obligation_opened(ctx: ActionContext) -> None:
    """An aftermath item of §5.3, open until 区人民政府 settles it; it holds back `close`."""
    payload: OpenObligation = ctx.payload
    # By default the authority that settles aftermath items (区人民政府, §5.3) also handles it.
    owner = payload.owner or ctx.plan.authority["settle_obligation"].actors[0]
    obligation = add_obligation(ctx, payload.kind, owner, payload.detail)
    ctx.record.log(
        "obligation_opened",
        ctx.actor,
        ctx.at,
        {
            "obligation": obligation.id,
            "kind": payload.kind,
            "name": obligation_kinds(ctx)[payload.kind],
            "owner": owner,
            "detail": payload.detail,
        },
        person=ctx.person,
    )


def obligation_settled(ctx: ActionContext) -> None:
    obligation = ctx.take(Obligation)
    obligation.status = "settled"
    obligation.settled_at = ctx.at
    obligation.amount_yuan = ctx.payload.amount_yuan
    obligation.how = ctx.payload.how
    ctx.record.add(obligation)
    ctx.record.log(
        "obligation_settled",
        ctx.actor,
        ctx.at,
        {
            "obligation": obligation.id,
            "amount_yuan": plain(obligation.amount_yuan),
            "how": obligation.how,
        },
        person=ctx.person,
    )
