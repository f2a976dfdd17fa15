"""Who may take which action at which level (SPEC §4, R8; the plan's §4.1, §4.3.3, §4.4):
pure functions, and the guards that apply them."""

from __future__ import annotations

from collections.abc import Sequence

from engine.errors import Forbidden
from engine.lifecycle import ActionContext
from engine.plan import Level, Plan

TERMINATION_STEPS = {
    "propose_termination": "propose",
    "approve_termination": "approve",
    "announce_termination": "announce",
}


def allowed_actors(
    plan: Plan,
    action: str,
    level: Level | None,
    *,
    target_level: Level | None = None,
    lowering: bool = False,
) -> list[str] | None:
    """The actor codes that may take `action`; None when anyone may.

    `level` is the incident's current response level (None before activation); for `activate`
    and `raise_level`, `target_level` is the level asked for.
    """
    if action in ("record_report", "submit_info_report"):
        return reporters(plan, None)
    if action == "activate":
        return plan.activation.for_level(target_level or "III")
    if action == "raise_level":
        rules = plan.raise_level
        if lowering:
            return list(rules.lower)
        return [*rules.always, *rules.at_level.get(level, [])] if level else list(rules.always)
    if action in TERMINATION_STEPS:
        if level is None:
            return []
        steps = plan.termination.for_level(level)
        return [getattr(steps, TERMINATION_STEPS[action])]
    if action in ("draft_statement", "approve_statement", "release_statement"):
        release = plan.information_release
        return {
            "draft_statement": release.draft,
            "approve_statement": [release.approve],
            "release_statement": [release.release],
        }[action]
    rule = plan.authority.get(action)
    if rule is None:
        return []
    return list(rule.actors)


def authorize(
    plan: Plan,
    action: str,
    actor: str,
    level: Level | None,
    *,
    target_level: Level | None = None,
    lowering: bool = False,
) -> None:
    """Raise `Forbidden`, naming who may act, unless `actor` may take `action`."""
    allowed = allowed_actors(plan, action, level, target_level=target_level, lowering=lowering)
    if allowed is None or actor in allowed:
        return
    if not allowed:
        raise Forbidden(f"no actor may take '{action}' here")
    who = "、".join(f"{plan.actor_name(a)} ({a})" for a in allowed)
    at = f" at level {target_level or level}" if (target_level or level) else ""
    raise Forbidden(f"'{actor}' may not {action}{at}: only {who} may")


def reporters(plan: Plan, recipient: str | None) -> list[str]:
    """Who may record a report made to `recipient` (any, if None): the party that makes it
    (the deadline's responsible unit) or the desk (config `authority.record_report`), so no
    other unit can silence an escalation by saying the report was made (R11)."""
    parties = [
        rule.responsible
        for rule in plan.deadlines.values()
        if recipient is None or recipient in rule.recipients
    ]
    return list(dict.fromkeys([*plan.authority["record_report"].actors, *parties]))


def may_record_report(ctx: ActionContext) -> None:
    """Guard: the actor made the report to that recipient, or is the desk recording it."""
    allowed = reporters(ctx.plan, ctx.payload.to)
    if ctx.actor not in allowed:
        who = "、".join(f"{ctx.plan.actor_name(a)} ({a})" for a in allowed)
        raise Forbidden(
            f"'{ctx.actor}' may not record a report to '{ctx.payload.to}': only "
            f"{who} may (the party that made it, or the desk)"
        )


def actors_now(plan: Plan, action: str, level: Level, pending: Sequence[str]) -> list[str] | None:
    """Who may take `action` now: an activation is judged at the level it would start, an
    acknowledgement belongs to the units holding an unacknowledged notice (`pending`)."""
    if action == "acknowledge":
        return list(dict.fromkeys(pending))
    if action == "activate":
        return allowed_actors(plan, action, None, target_level=level)
    return allowed_actors(plan, action, level)


def may_act(ctx: ActionContext) -> None:
    """Guard: the actor may take this action at the incident's level."""
    authorize(ctx.plan, ctx.action, ctx.actor, ctx.record.level)


def may_activate(ctx: ActionContext) -> None:
    """Guard: the actor may activate the level the facts call for (§4.1)."""
    authorize(ctx.plan, "activate", ctx.actor, None, target_level=ctx.record.level)
