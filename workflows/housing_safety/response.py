"""§4.1 应急响应 and §4.2 信息报送: intake and grading, verification, activation and level
changes, the reports each level owes and their deadlines, acknowledgements, dismissal."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import InvalidInput, PreconditionFailed
from engine.lifecycle import ActionContext
from engine.models import DeadlineRow, Notice
from engine.plan import Level
from engine.record import IncidentRecord, plain
from engine.schemas import check_codes
from workflows.housing_safety import words
from workflows.housing_safety.authority import authorize
from workflows.housing_safety.grading import Classification, classify, facts_of, level_rank
from workflows.housing_safety.onsite import form_onsite_command
from workflows.housing_safety.payloads import RaiseLevel, RecordReport
from workflows.housing_safety.states import OPEN_STATES

REPORTED_FACTS = (
    "condition",
    "street",
    "address",
    "dead",
    "missing",
    "injured",
    "economic_loss_yuan",
    "people_at_risk",
)


@dataclass
class PendingNotices:
    """The actor's unacknowledged notices that an acknowledgement settles."""

    notices: list[Notice]


# -- rules shared by the actions of this chapter ----------------------------------------------


def apply_classification(
    ctx: ActionContext, *, may_lower: bool
) -> tuple[Classification, Level | None]:
    """Re-grade from the record's facts. Before activation the level follows the facts; after,
    only upwards (unless `may_lower`). Returns the grading and the new level if it changed."""
    record = ctx.record
    incident = record.incident
    result = classify(ctx.plan, facts_of(incident))
    old_level: Level = record.level
    incident.grade = result.grade
    incident.exceeds_district_scope = result.exceeds_district_scope
    new_level = result.response_level
    if not may_lower and level_rank(new_level) < level_rank(old_level):
        new_level = old_level
    if new_level == old_level:
        return result, None
    incident.response_level = new_level
    return result, new_level


def regraded_while_active(ctx: ActionContext, old_level: Level, exceeded_before: bool) -> None:
    """New facts or a new level while the response is on. A level change supersedes the old
    level's waiting notices and brings the new level's duties, notices and deadlines; an
    incident newly beyond the district's scope asks the city HQ (again, R2)."""
    record = ctx.record
    new_level = record.level
    if new_level != old_level:
        record.supersede(old_level, ctx.at, ctx.actor)
        start_level(ctx, new_level, exceeded_before)
    elif record.incident.exceeds_district_scope and not exceeded_before:
        ask_city_hq(ctx)


def ask_city_hq(ctx: ActionContext) -> None:
    """Each occasion its own (R2, §4.1.3, §1.5): a new `city_hq_report` and a new request to
    the city HQ, even when an earlier one was met."""
    rows = start_deadlines_on(ctx, "level_I_or_beyond_scope", again=True)
    ctx.record.notify(
        "city_hq",
        "city_request",
        ctx.at,
        {
            "level": ctx.record.level,
            "exceeds_district_scope": ctx.record.incident.exceeds_district_scope,
        },
        needs_ack=False,
        occasion=rows[0].occasion if rows else None,
    )


def start_level(ctx: ActionContext, level: Level, exceeded_before: bool = False) -> None:
    """A level comes into force: its duties and notices go out and its deadlines start; the
    city HQ is asked at a level that calls for it (I), or when the incident is newly beyond
    the district's scope (at activation, beyond scope counts as new)."""
    plan, record = ctx.plan, ctx.record
    duties = plan.activation_duties.for_level(level)
    units = [
        u
        for code in duties.notify
        for u in (plan.member_units if code == "all_members" else [code])
    ]
    for unit in dict.fromkeys(units):
        actor = plan.actors[unit]
        record.notify(
            unit,
            f"activation_{level}",
            ctx.at,
            {
                "level": level,
                "level_duty": duties.text,
                "level_clause": duties.clause,
                "duties": actor.duties,
                "duties_clause": actor.duties_clause,
            },
        )
    if level in plan.onsite_groups.levels:
        form_onsite_command(ctx)
    start_deadlines_on(ctx, f"level_{level}")
    if plan.levels[level].city_request or (
        record.incident.exceeds_district_scope and not exceeded_before
    ):
        ask_city_hq(ctx)
    record.log(
        "level_in_force",
        ctx.actor,
        ctx.at,
        {"level": level, "duty": duties.text, "clause": duties.clause},
    )


def start_deadlines_on(ctx: ActionContext, trigger: str, again: bool = False) -> list[DeadlineRow]:
    """Start the deadlines `trigger` starts (`again`: as a new occasion); returns those started."""
    started = []
    for code, rule in ctx.plan.deadlines.items():
        if rule.starts_on == trigger:
            start = ctx.record.incident.discovered_at if rule.from_ == "discovered_at" else ctx.at
            row = ctx.record.start_deadline(code, start, again)
            if row is not None:
                started.append(row)
    return started


# -- guards --------------------------------------------------------------------------------


def facts_are_valid(ctx: ActionContext) -> None:
    check_codes(ctx.plan, ctx.payload, "data.")
    discovered = ctx.payload.discovered_at
    if discovered is not None and discovered > ctx.record.incident.reported_at:
        raise InvalidInput("data.discovered_at: is later than reported_at")
    if discovered is not None and discovered > ctx.at:
        raise InvalidInput("data.discovered_at: is later than the action's time (at)")


def may_raise(ctx: ActionContext) -> None:
    payload: RaiseLevel = ctx.payload
    facts_are_valid(ctx)
    lowering = payload.level is not None and level_rank(payload.level) < level_rank(
        ctx.record.level
    )
    authorize(
        ctx.plan,
        "raise_level",
        ctx.actor,
        ctx.record.level,
        target_level=payload.level,
        lowering=lowering,
    )
    if lowering and payload.reason is None:
        raise InvalidInput("data.reason: required to lower a response level")
    if payload.level is None and not payload.changes():
        raise InvalidInput("data: give the new facts or the level")


def report_recipient_known(ctx: ActionContext) -> None:
    known = sorted({r for rule in ctx.plan.deadlines.values() for r in rule.recipients})
    if ctx.payload.to not in known:
        raise InvalidInput(
            f"data.to: unknown recipient '{ctx.payload.to}' (known: {', '.join(known)})"
        )


def has_pending_notice(ctx: ActionContext) -> None:
    pending = [
        n
        for n in ctx.record.notices()
        if n.unit == ctx.actor
        and n.status not in ("acknowledged", "superseded")
        and (ctx.payload.kind is None or n.kind == ctx.payload.kind)
    ]
    if not pending:
        raise PreconditionFailed(f"'{ctx.actor}' has no unacknowledged notice on this incident")
    ctx.hand(PendingNotices(pending))


# -- effects -------------------------------------------------------------------------------


def on_report(ctx: ActionContext) -> None:
    """Intake: grade, the district's half of the initial report, the first deadlines."""
    record = ctx.record
    result, _ = apply_classification(ctx, may_lower=True)
    incident = record.incident
    record.log(
        "reported",
        ctx.actor,
        incident.reported_at,
        {
            "facts": {k: plain(getattr(incident, k)) for k in REPORTED_FACTS},
            "classification": result.as_dict(),
        },
        person=ctx.person,
    )
    start_deadlines_on(ctx, "reported")
    receivers = {ctx.actor, ctx.plan.actors[ctx.actor].acts_for}
    recorded = [
        r
        for rule in ctx.plan.deadlines.values()
        if rule.starts_on == "reported"
        for r in rule.recipients
        if r in receivers
    ]
    for recipient in dict.fromkeys(recorded):
        record.record_report(recipient, incident.reported_at)


def verified(ctx: ActionContext) -> None:
    record = ctx.record
    diff = record.revise_facts(ctx.payload.changes(), "verify", ctx.actor, ctx.at)
    old_level = record.level
    exceeded_before = record.incident.exceeds_district_scope
    result, new_level = apply_classification(ctx, may_lower=record.state == "reported")
    first = record.incident.verified_at is None
    if first:
        record.incident.verified_at = ctx.at
    record.log(
        "verified",
        ctx.actor,
        ctx.at,
        {"changes": diff, "first": first, "classification": result.as_dict()},
        person=ctx.person,
    )
    if first:
        start_deadlines_on(ctx, "verified")
    if record.state != "active":
        return
    if new_level:
        record.log(
            "level_raised",
            ctx.actor,
            ctx.at,
            {"from": old_level, "to": new_level, "reason": words.REASONS["verified_raise"]},
        )
    regraded_while_active(ctx, old_level, exceeded_before)


def activated(ctx: ActionContext) -> None:
    ctx.record.incident.activated_at = ctx.at
    ctx.record.log("activated", ctx.actor, ctx.at, {"level": ctx.record.level}, person=ctx.person)
    start_level(ctx, ctx.record.level)


def level_changed(ctx: ActionContext) -> None:
    payload: RaiseLevel = ctx.payload
    record = ctx.record
    old_level = record.level
    exceeded_before = record.incident.exceeds_district_scope
    diff = record.revise_facts(payload.changes(), "raise_level", ctx.actor, ctx.at)
    apply_classification(ctx, may_lower=False)
    if payload.level is not None:
        record.incident.response_level = payload.level
    new_level = record.level
    reason = payload.reason or words.REASONS["raise"]
    kind = (
        "level_raised"
        if level_rank(new_level) > level_rank(old_level)
        else "level_lowered"
        if new_level != old_level
        else "facts_updated"
    )
    record.log(
        kind,
        ctx.actor,
        ctx.at,
        {"from": old_level, "to": new_level, "reason": reason, "changes": diff},
        person=ctx.person,
    )
    regraded_while_active(ctx, old_level, exceeded_before)


def report_recorded(ctx: ActionContext) -> None:
    payload: RecordReport = ctx.payload
    ctx.record.log(
        "report_recorded",
        ctx.actor,
        ctx.at,
        payload.model_dump(exclude_none=True),
        person=ctx.person,
    )
    ctx.record.record_report(payload.to, ctx.at)


def acknowledged(ctx: ActionContext) -> None:
    for notice in ctx.take(PendingNotices).notices:
        notice.status = "acknowledged"
        notice.acknowledged_at = ctx.at
        notice.acknowledged_by = ctx.person or ctx.actor
        ctx.record.add(notice)
        ctx.record.log(
            "notice_acknowledged",
            ctx.actor,
            ctx.at,
            {"unit": notice.unit, "kind": notice.kind},
            person=ctx.person,
        )


def merge_target_open(ctx: ActionContext) -> None:
    """R11: a duplicate folds into another open incident, never into itself, a closed one or
    one that is itself merged."""
    into: int = ctx.payload.into
    if into == ctx.record.id:
        raise InvalidInput(f"data.into: incident {into} is this incident")
    original = ctx.record.peer(into)
    if original is None:
        raise InvalidInput(f"data.into: incident {into} does not exist")
    if original.state not in OPEN_STATES:
        raise PreconditionFailed(
            f"data.into: incident {into} is '{original.state}', not open: "
            "a duplicate folds into an open incident"
        )
    if original.incident.drill != ctx.record.incident.drill:
        raise PreconditionFailed("data.into: a drill and a real report are never merged")
    ctx.hand(original)


def merged(ctx: ActionContext) -> None:
    """The duplicate ends `merged`, its timers stopped; its facts and reporter join the
    original's timeline, so nothing the caller said is lost."""
    original = ctx.take(IncidentRecord)
    incident = ctx.record.incident
    reason = ctx.payload.reason
    ctx.record.stop_timers(ctx.at, "merged")
    ctx.record.log(
        "merged", ctx.actor, ctx.at, {"into": original.id, "reason": reason}, person=ctx.person
    )
    original.log(
        "duplicate_merged",
        ctx.actor,
        ctx.at,
        {
            "duplicate": ctx.record.id,
            "reason": reason,
            "facts": {k: plain(getattr(incident, k)) for k in REPORTED_FACTS},
            "reporter": incident.reporter,
            "description": incident.description,
            "reported_at": incident.reported_at.isoformat(),
        },
        person=ctx.person,
    )


def dismissed(ctx: ActionContext) -> None:
    """The report proved untrue on verification (报告不实): every timer stops."""
    ctx.record.stop_timers(ctx.at, "dismissed")
    ctx.record.log("dismissed", ctx.actor, ctx.at, ctx.payload.model_dump(), person=ctx.person)
