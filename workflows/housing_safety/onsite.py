"""§4.3.1–4.3.2 现场救援: the on-site command, its working groups, and the commander's changes."""

from __future__ import annotations

from sqlmodel import col

from engine.errors import InvalidInput, PreconditionFailed
from engine.lifecycle import ActionContext
from engine.models import OnsiteGroup
from workflows.housing_safety.payloads import AmendGroup


def onsite_groups(ctx: ActionContext) -> dict[str, OnsiteGroup]:
    return {row.code: row for row in ctx.record.rows(OnsiteGroup, col(OnsiteGroup.id))}


def form_onsite_command(ctx: ActionContext) -> None:
    """§4.3.1: the on-site command with the groups of §4.3.2, formed once. A raise from II to I
    keeps the groups as the commander may have amended them; every member gets its notice."""
    groups = onsite_groups(ctx)
    if not groups:
        for spec in ctx.plan.onsite_groups.groups:
            groups[spec.code] = OnsiteGroup(
                incident_id=ctx.record.id,
                code=spec.code,
                name=spec.name,
                lead=spec.lead,
                members=list(spec.members),
                formed_at=ctx.at,
            )
            ctx.record.add(groups[spec.code], flush=True)
        ctx.record.log(
            "onsite_command_formed",
            ctx.actor,
            ctx.at,
            {"groups": list(groups), "clause": ctx.plan.onsite_groups.clause},
            person=ctx.person,
        )
    for row in groups.values():
        notify_group_members(ctx, row, row.members)


def notify_group_members(ctx: ActionContext, row: OnsiteGroup, units: list[str]) -> None:
    """Each unit's assignment: its group, the group's duty (§4.3.2) and who leads it."""
    spec = next(g for g in ctx.plan.onsite_groups.groups if g.code == row.code)
    for unit in units:
        ctx.record.notify(
            unit,
            f"group_{row.code}",
            ctx.at,
            {
                "group": row.code,
                "group_name": row.name,
                "duty": spec.duty,
                "clause": spec.duty_clause or spec.clause,
                "lead": row.lead,
                "lead_name": ctx.plan.actor_name(row.lead),
                "leader_name": row.leader_name,
            },
        )


def group_amendable(ctx: ActionContext) -> None:
    payload: AmendGroup = ctx.payload
    groups = onsite_groups(ctx)
    if not groups:
        raise PreconditionFailed(
            f"no on-site command on this incident: it is formed at levels "
            f"{', '.join(ctx.plan.onsite_groups.levels)} ({ctx.plan.onsite_groups.clause})"
        )
    row = groups.get(payload.group)
    if row is None:
        raise InvalidInput(
            f"data.group: unknown group '{payload.group}' (known: {', '.join(groups)})"
        )
    for unit in payload.add_units:
        if unit not in ctx.plan.actors:
            raise InvalidInput(f"data.add_units: unknown unit '{unit}'")
        if unit in row.members:
            raise InvalidInput(f"data.add_units: '{unit}' is already in {row.name}")
    for unit in payload.remove_units:
        if unit not in row.members:
            raise InvalidInput(f"data.remove_units: '{unit}' is not in {row.name}")
        if unit == row.lead:
            raise InvalidInput(f"data.remove_units: '{unit}' leads {row.name} and stays in it")
    if not (payload.add_units or payload.remove_units or payload.leader_name):
        raise InvalidInput("data: give add_units, remove_units or leader_name")
    ctx.hand(row)


def group_amended(ctx: ActionContext) -> None:
    """The commander's change to a group; units added get their assignment notice."""
    payload: AmendGroup = ctx.payload
    row = ctx.take(OnsiteGroup)
    added = list(dict.fromkeys(payload.add_units))
    row.members = [u for u in row.members if u not in payload.remove_units] + added
    if payload.leader_name is not None:
        row.leader_name = payload.leader_name
    ctx.record.add(row)
    ctx.record.log(
        "group_amended",
        ctx.actor,
        ctx.at,
        {
            "group": row.code,
            "group_name": row.name,
            "added": added,
            "removed": payload.remove_units,
            "leader_name": payload.leader_name,
            "members": row.members,
        },
        person=ctx.person,
    )
    notify_group_members(ctx, row, added)
    withdraw_assignments(ctx, row, payload.remove_units)


def withdraw_assignments(ctx: ActionContext, row: OnsiteGroup, units: list[str]) -> None:
    """A unit taken out of a group no longer owes an acknowledgement of that assignment, so its
    notice stops waiting (and is never re-sent to its backup contact)."""
    for notice in ctx.record.notices():
        if (
            notice.unit in units
            and notice.kind == f"group_{row.code}"
            and notice.status in ("sent", "escalated")
        ):
            notice.status = "withdrawn"
            notice.ack_due_at = None
            ctx.record.add(notice)
            ctx.record.log(
                "notice_withdrawn",
                ctx.actor,
                ctx.at,
                {"unit": notice.unit, "kind": notice.kind, "notice": notice.id},
                person=ctx.person,
            )
