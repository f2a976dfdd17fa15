"""The housing-safety response workflow (SPEC §4): states, actions, guards and effects.

Every number, unit and authority comes from the plan file; this module only says in which order
things happen and what each action does to the record.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlmodel import col, select

from engine.authority import allowed_actors, authorize
from engine.classify import classify, level_rank
from engine.errors import InvalidInput, InvalidState, PreconditionFailed
from engine.investigation import GAP, report_versions
from engine.lifecycle import ActionContext, Transition, Workflow
from engine.models import (
    DeadlineRow,
    InvestigationReport,
    Obligation,
    OnsiteGroup,
    ReportVersion,
    Statement,
    TimelineEvent,
)
from engine.plan import Level
from engine.record import plain
from engine.schemas import FactsPatch, Input, Text, Yuan, check_codes

OPEN_STATES = ("reported", "active", "danger_eliminated", "termination_proposed",
               "termination_approved", "terminated", "investigating")
STATES = (*OPEN_STATES, "closed", "dismissed")
# While the response is on, the on-site command (§4.3) is at work and may be reorganised.
RESPONSE_STATES = ("active", "danger_eliminated", "termination_proposed", "termination_approved")

# The statement steps of §4.3.3: the status each needs and the status it gives.
STATEMENT_STEPS = {
    "approve_statement": ("draft", "approved"),
    "release_statement": ("approved", "released"),
}


# -- payloads -------------------------------------------------------------------------------

class RaiseLevel(FactsPatch):
    level: Level | None = None
    reason: Text | None = None

    def changes(self) -> dict[str, Any]:
        """The new facts only: `level` and `reason` are not facts of the incident."""
        facts = super().changes()
        facts.pop("level", None)
        facts.pop("reason", None)
        return facts


class RecordReport(Input):
    to: str
    channel: Text | None = None
    content: Text | None = None


class Acknowledge(Input):
    kind: str | None = None


class UseEmergencyPower(Input):
    measure: str
    detail: Text


class EliminateDanger(Input):
    experts: Annotated[list[Text], Field(min_length=1)]
    appraisers: Annotated[list[Text], Field(min_length=1)]


class Note(Input):
    note: Text | None = None


class SettleObligation(Input):
    obligation: int
    amount_yuan: Yuan
    how: Text


class StartInvestigation(Input):
    members: list[str] | None = None


class SubmitReport(Input):
    sections: dict[str, str]
    # A submitted report is final; a correction is a new version that keeps the earlier ones.
    correction: bool = False
    reason: Text | None = None


class Dismiss(Input):
    reason: Text


class AmendGroup(Input):
    group: str
    add_units: list[str] = Field(default_factory=list)
    remove_units: list[str] = Field(default_factory=list)
    leader_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=200)] | None = None


class DraftStatement(Input):
    text: Text
    statement: int | None = None  # the number of the statement this draft revises


class StatementRef(Input):
    statement: int


class OpenObligation(Input):
    kind: str
    detail: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=4000)]
    owner: str | None = None


# -- shared rules ----------------------------------------------------------------------------

def apply_classification(ctx: ActionContext, *, may_lower: bool) -> Level | None:
    """Re-grade from the record's facts. Before activation the level follows the facts; after,
    only upwards (unless `may_lower`). Returns the new level when it changed."""
    record = ctx.record
    incident = record.incident
    result = classify(ctx.plan, record.facts())
    old_level: Level = record.level
    incident.grade = result.grade
    incident.exceeds_district_scope = result.exceeds_district_scope
    new_level = result.response_level
    if not may_lower and level_rank(new_level) < level_rank(old_level):
        new_level = old_level
    ctx.result["classification"] = result.as_dict()
    if new_level == old_level:
        return None
    incident.response_level = new_level
    return new_level


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
    ctx.record.notify("city_hq", "city_request", ctx.at, {
        "level": ctx.record.level,
        "exceeds_district_scope": ctx.record.incident.exceeds_district_scope,
    }, needs_ack=False, occasion=rows[0].occasion if rows else None)


def start_level(ctx: ActionContext, level: Level, exceeded_before: bool = False) -> None:
    """A level comes into force: its duties and notices go out and its deadlines start; the
    city HQ is asked at a level that calls for it (I), or when the incident is newly beyond
    the district's scope (at activation, beyond scope counts as new)."""
    plan, record = ctx.plan, ctx.record
    duties = plan.activation_duties.for_level(level)
    units = [u for code in duties.notify
             for u in (plan.member_units if code == "all_members" else [code])]
    for unit in dict.fromkeys(units):
        actor = plan.actors[unit]
        record.notify(unit, f"activation_{level}", ctx.at, {
            "level": level, "level_duty": duties.text, "level_clause": duties.clause,
            "duties": actor.duties, "duties_clause": actor.duties_clause,
        })
    if level in plan.onsite_groups.levels:
        form_onsite_command(ctx)
    start_deadlines_on(ctx, f"level_{level}")
    if plan.levels[level].city_request or (record.incident.exceeds_district_scope
                                           and not exceeded_before):
        ask_city_hq(ctx)
    record.log("level_in_force", ctx.actor, ctx.at,
               {"level": level, "duty": duties.text, "clause": duties.clause})


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


def onsite_groups(ctx: ActionContext) -> dict[str, OnsiteGroup]:
    rows = ctx.record.session.exec(select(OnsiteGroup).where(
        OnsiteGroup.incident_id == ctx.record.id).order_by(col(OnsiteGroup.id)))
    return {row.code: row for row in rows}


def form_onsite_command(ctx: ActionContext) -> None:
    """§4.3.1: the on-site command with the groups of §4.3.2, formed once. A raise from II to I
    keeps the groups as the commander may have amended them; every member gets its notice."""
    groups = onsite_groups(ctx)
    if not groups:
        for spec in ctx.plan.onsite_groups.groups:
            groups[spec.code] = OnsiteGroup(
                incident_id=ctx.record.id, code=spec.code, name=spec.name, lead=spec.lead,
                members=list(spec.members), formed_at=ctx.at)
            ctx.record.session.add(groups[spec.code])
        ctx.record.session.flush()
        ctx.record.log("onsite_command_formed", ctx.actor, ctx.at,
                       {"groups": list(groups), "clause": ctx.plan.onsite_groups.clause},
                       person=ctx.person)
    for row in groups.values():
        notify_group_members(ctx, row, row.members)


def notify_group_members(ctx: ActionContext, row: OnsiteGroup, units: list[str]) -> None:
    """Each unit's assignment: its group, the group's duty (§4.3.2) and who leads it."""
    spec = next(g for g in ctx.plan.onsite_groups.groups if g.code == row.code)
    for unit in units:
        ctx.record.notify(unit, f"group_{row.code}", ctx.at, {
            "group": row.code, "group_name": row.name, "duty": spec.duty,
            "clause": spec.duty_clause or spec.clause,
            "lead": row.lead, "lead_name": ctx.plan.actor_name(row.lead),
            "leader_name": row.leader_name,
        })


def statement_versions(ctx: ActionContext, number: int) -> list[Statement]:
    """Every version of statement `number`, oldest first; refused if there is none."""
    rows = list(ctx.record.session.exec(select(Statement).where(
        Statement.incident_id == ctx.record.id, Statement.number == number)
        .order_by(col(Statement.version))))
    if not rows:
        raise InvalidInput(f"data.statement: no statement {number} on this incident")
    return rows


# -- guards ----------------------------------------------------------------------------------

def who_may(ctx: ActionContext) -> str | None:
    """The actors who may take the refused action at this incident's level (for refusals)."""
    target = ctx.record.level if ctx.action == "activate" else None
    allowed = allowed_actors(ctx.plan, ctx.action, ctx.record.level, target_level=target)
    if not allowed:
        return None
    return "、".join(f"{ctx.plan.actor_name(a)} ({a})" for a in allowed)


def may_act(ctx: ActionContext) -> None:
    authorize(ctx.plan, ctx.action, ctx.actor, ctx.record.level)


def may_activate(ctx: ActionContext) -> None:
    authorize(ctx.plan, "activate", ctx.actor, None, target_level=ctx.record.level)


def may_terminate(ctx: ActionContext) -> None:
    authorize(ctx.plan, ctx.action, ctx.actor, ctx.record.level)


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
    lowering = (payload.level is not None
                and level_rank(payload.level) < level_rank(ctx.record.level))
    authorize(ctx.plan, "raise_level", ctx.actor, ctx.record.level,
              target_level=payload.level, lowering=lowering)
    if lowering and payload.reason is None:
        raise InvalidInput("data.reason: required to lower a response level")
    if payload.level is None and not payload.changes():
        raise InvalidInput("data: give the new facts or the level")


def report_recipient_known(ctx: ActionContext) -> None:
    known = sorted({r for rule in ctx.plan.deadlines.values() for r in rule.recipients})
    if ctx.payload.to not in known:
        raise InvalidInput(f"data.to: unknown recipient '{ctx.payload.to}' "
                           f"(known: {', '.join(known)})")


def has_pending_notice(ctx: ActionContext) -> None:
    pending = [n for n in ctx.record.notices() if n.unit == ctx.actor
               and n.status not in ("acknowledged", "superseded")
               and (ctx.payload.kind is None or n.kind == ctx.payload.kind)]
    if not pending:
        raise PreconditionFailed(f"'{ctx.actor}' has no unacknowledged notice on this incident")
    ctx.result["notices"] = pending


def measure_known(ctx: ActionContext) -> None:
    if ctx.payload.measure not in ctx.plan.emergency_powers.measures:
        raise InvalidInput(f"data.measure: unknown measure '{ctx.payload.measure}' (known: "
                           f"{', '.join(ctx.plan.emergency_powers.measures)})")


def obligation_open(ctx: ActionContext) -> None:
    found = [o for o in ctx.record.obligations() if o.id == ctx.payload.obligation]
    if not found:
        raise InvalidInput(f"data.obligation: no obligation {ctx.payload.obligation} on this "
                           "incident")
    if found[0].status != "open":
        raise PreconditionFailed(f"obligation {ctx.payload.obligation} is already settled")
    # Whoever handles an item (its owner), 区人民政府 leads the aftermath and confirms that it is
    # settled (§5.3); `may_act` has checked that the actor is that authority.
    ctx.result["obligation"] = found[0]


def obligation_known(ctx: ActionContext) -> None:
    payload: OpenObligation = ctx.payload
    kinds = obligation_kinds(ctx)
    if payload.kind not in kinds:
        raise InvalidInput(f"data.kind: unknown aftermath item '{payload.kind}' "
                           f"(known: {', '.join(kinds)})")
    if payload.owner is not None and payload.owner not in ctx.plan.actors:
        raise InvalidInput(f"data.owner: unknown unit '{payload.owner}'")


def obligation_kinds(ctx: ActionContext) -> dict[str, str]:
    """The §5.3 items, and those the emergency powers create (e.g. 修复或补偿)."""
    from_powers = {m.obligation.kind: m.obligation.name
                   for m in ctx.plan.emergency_powers.measures.values() if m.obligation}
    return {**ctx.plan.aftermath.kinds, **from_powers}


def group_amendable(ctx: ActionContext) -> None:
    payload: AmendGroup = ctx.payload
    groups = onsite_groups(ctx)
    if not groups:
        raise PreconditionFailed(
            f"no on-site command on this incident: it is formed at levels "
            f"{', '.join(ctx.plan.onsite_groups.levels)} ({ctx.plan.onsite_groups.clause})")
    row = groups.get(payload.group)
    if row is None:
        raise InvalidInput(f"data.group: unknown group '{payload.group}' "
                           f"(known: {', '.join(groups)})")
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
    ctx.result["group"] = row


def revises_known_statement(ctx: ActionContext) -> None:
    if ctx.payload.statement is not None:
        statement_versions(ctx, ctx.payload.statement)


def statement_ready(ctx: ActionContext) -> None:
    """Approve the latest draft, release the latest approved version: nothing else (§4.3.3)."""
    needs, gives = STATEMENT_STEPS[ctx.action]
    latest = statement_versions(ctx, ctx.payload.statement)[-1]
    if latest.status != needs:
        approver = ctx.plan.information_release.approve
        why = {
            "draft": f"it has not been approved by {ctx.plan.actor_name(approver)} ({approver}); "
                     "nothing is released unapproved",
            "approved": "it is already approved",
            "released": "it is already released; draft a new version to correct it",
        }[latest.status]
        raise PreconditionFailed(f"cannot mark statement {latest.number} version "
                                 f"{latest.version} {gives}: {why} "
                                 f"({ctx.plan.information_release.clause})")
    ctx.result["statement"] = latest


def needs_investigation(ctx: ActionContext) -> None:
    levels = ctx.plan.investigation.levels
    if ctx.record.level not in levels:
        raise PreconditionFailed(f"a level {ctx.record.level} response has no investigation "
                                 f"(§5.1 applies to levels {', '.join(levels)}): close it")
    for code in ctx.payload.members or ():
        if code not in ctx.plan.actors:
            raise InvalidInput(f"data.members: unknown unit '{code}'")


def report_not_final(ctx: ActionContext) -> None:
    """R9: a second submission is refused; a correction needs the first and its reason."""
    report = ctx.record.session.get(InvestigationReport, ctx.record.id)
    submitted = report is not None and report.submitted_at is not None
    if submitted and not ctx.payload.correction:
        raise InvalidState("调查报告已提交，不能再次提交或覆盖；如需更正，请以 correction: true "
                           "并写明 reason 提交更正版本，原版本保留 (the report was already "
                           "submitted: submit a correction with correction: true and a reason)")
    if ctx.payload.correction and not submitted:
        raise InvalidState("尚无已提交的调查报告可更正，请先提交 (no submitted report to "
                           "correct: submit_report without correction first)")
    if ctx.payload.correction and ctx.payload.reason is None:
        raise InvalidInput("data.reason: required for a correction (更正原因)")


def report_complete(ctx: ActionContext) -> None:
    required = ctx.plan.investigation.report_sections.items
    sections: dict[str, str] = ctx.payload.sections
    for key in sections:
        if key not in required:
            raise InvalidInput(f"data.sections.{key}: not a part of the report "
                               f"(§5.2 parts: {', '.join(required)})")
    for key, title in required.items():
        if not sections.get(key, "").strip():
            raise PreconditionFailed(f"data.sections.{key}: the part 「{title}」 is missing or "
                                     "empty (§5.2 requires all six parts)")
        if GAP in sections[key]:
            raise PreconditionFailed(f"data.sections.{key}: the part 「{title}」 still has a gap "
                                     f"marked {GAP} in the draft: fill it in or remove it")


def no_open_obligation(ctx: ActionContext) -> None:
    open_ones = [o for o in ctx.record.obligations() if o.status == "open"]
    if open_ones:
        ids = ", ".join(str(o.id) for o in open_ones)
        raise PreconditionFailed(f"cannot close: obligation(s) {ids} still open (§5.3); "
                                 "settle them first")


def closes_without_investigation(ctx: ActionContext) -> None:
    if ctx.record.level in ctx.plan.investigation.levels:
        raise PreconditionFailed(f"a level {ctx.record.level} response needs an investigation "
                                 "and its six-part report before close (§5.1, §5.2): "
                                 "start_investigation first")


def report_submitted(ctx: ActionContext) -> None:
    report = ctx.record.session.get(InvestigationReport, ctx.record.id)
    if report is None or report.submitted_at is None:
        raise PreconditionFailed("cannot close: the investigation report has not been submitted "
                                 "with all six parts (§5.2)")


# -- effects ---------------------------------------------------------------------------------

def on_report(ctx: ActionContext) -> None:
    """Intake: grade, the district's half of the initial report, the first deadlines."""
    record = ctx.record
    apply_classification(ctx, may_lower=True)
    incident = record.incident
    record.log("reported", ctx.actor, incident.reported_at, {
        "facts": {k: plain(getattr(incident, k)) for k in ("condition", "street", "address", "dead",
                                                     "missing", "injured", "economic_loss_yuan",
                                                     "people_at_risk")},
        "classification": ctx.result["classification"],
    }, person=ctx.person)
    start_deadlines_on(ctx, "reported")
    receivers = {ctx.actor, ctx.plan.actors[ctx.actor].acts_for}
    recorded = [r for rule in ctx.plan.deadlines.values() if rule.starts_on == "reported"
                for r in rule.recipients if r in receivers]
    for recipient in dict.fromkeys(recorded):
        record.record_report(recipient, incident.reported_at)


def verified(ctx: ActionContext) -> None:
    record = ctx.record
    diff = record.revise_facts(ctx.payload.changes(), "verify", ctx.actor, ctx.at)
    old_level = record.level
    exceeded_before = record.incident.exceeds_district_scope
    new_level = apply_classification(ctx, may_lower=record.state == "reported")
    first = record.incident.verified_at is None
    if first:
        record.incident.verified_at = ctx.at
    record.log("verified", ctx.actor, ctx.at, {"changes": diff, "first": first,
                                               "classification": ctx.result["classification"]},
               person=ctx.person)
    if first:
        start_deadlines_on(ctx, "verified")
    if record.state != "active":
        return
    if new_level:
        record.log("level_raised", ctx.actor, ctx.at,
                   {"from": old_level, "to": new_level, "reason": "核实后事实要求提高响应级别"})
    regraded_while_active(ctx, old_level, exceeded_before)


def activated(ctx: ActionContext) -> None:
    ctx.record.incident.activated_at = ctx.at
    ctx.record.log("activated", ctx.actor, ctx.at, {"level": ctx.record.level},
                   person=ctx.person)
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
    reason = payload.reason or "新情况要求提高响应级别"
    kind = ("level_raised" if level_rank(new_level) > level_rank(old_level)
            else "level_lowered" if new_level != old_level else "facts_updated")
    record.log(kind, ctx.actor, ctx.at, {"from": old_level, "to": new_level, "reason": reason,
                                         "changes": diff}, person=ctx.person)
    regraded_while_active(ctx, old_level, exceeded_before)


def report_recorded(ctx: ActionContext) -> None:
    payload: RecordReport = ctx.payload
    ctx.record.log("report_recorded", ctx.actor, ctx.at, payload.model_dump(exclude_none=True),
                   person=ctx.person)
    ctx.result["deadlines_met"] = ctx.record.record_report(payload.to, ctx.at)


def acknowledged(ctx: ActionContext) -> None:
    for notice in ctx.result["notices"]:
        notice.status = "acknowledged"
        notice.acknowledged_at = ctx.at
        notice.acknowledged_by = ctx.person or ctx.actor
        ctx.record.session.add(notice)
        ctx.record.log("notice_acknowledged", ctx.actor, ctx.at,
                       {"unit": notice.unit, "kind": notice.kind}, person=ctx.person)


def power_used(ctx: ActionContext) -> None:
    payload: UseEmergencyPower = ctx.payload
    measure = ctx.plan.emergency_powers.measures[payload.measure]
    data: dict[str, Any] = {"measure": payload.measure, "name": measure.name,
                            "detail": payload.detail, "clause": measure.clause}
    if measure.obligation is not None:
        obligation = add_obligation(ctx, measure.obligation.kind, measure.obligation.owner,
                                    payload.detail)
        data |= {"obligation": obligation.id, "obligation_name": measure.obligation.name,
                 "obligation_clause": measure.obligation.clause}
    ctx.record.log("emergency_power_used", ctx.actor, ctx.at, data, person=ctx.person)


def add_obligation(ctx: ActionContext, kind: str, owner: str, detail: str) -> Obligation:
    obligation = Obligation(incident_id=ctx.record.id, kind=kind, owner=owner, detail=detail,
                            opened_at=ctx.at)
    ctx.record.session.add(obligation)
    ctx.record.session.flush()
    return obligation


def obligation_opened(ctx: ActionContext) -> None:
    """An aftermath item of §5.3, open until 区人民政府 settles it; it holds back `close`."""
    payload: OpenObligation = ctx.payload
    # By default the authority that settles aftermath items (区人民政府, §5.3) also handles it.
    owner = payload.owner or ctx.plan.authority["settle_obligation"].actors[0]
    obligation = add_obligation(ctx, payload.kind, owner, payload.detail)
    ctx.record.log("obligation_opened", ctx.actor, ctx.at, {
        "obligation": obligation.id, "kind": payload.kind,
        "name": obligation_kinds(ctx)[payload.kind], "owner": owner, "detail": payload.detail,
    }, person=ctx.person)


def group_amended(ctx: ActionContext) -> None:
    """The commander's change to a group; units added get their assignment notice."""
    payload: AmendGroup = ctx.payload
    row: OnsiteGroup = ctx.result.pop("group")
    added = list(dict.fromkeys(payload.add_units))
    row.members = [u for u in row.members if u not in payload.remove_units] + added
    if payload.leader_name is not None:
        row.leader_name = payload.leader_name
    ctx.record.session.add(row)
    ctx.record.log("group_amended", ctx.actor, ctx.at, {
        "group": row.code, "group_name": row.name, "added": added,
        "removed": payload.remove_units, "leader_name": payload.leader_name,
        "members": row.members,
    }, person=ctx.person)
    notify_group_members(ctx, row, added)
    withdraw_assignments(ctx, row, payload.remove_units)


def withdraw_assignments(ctx: ActionContext, row: OnsiteGroup, units: list[str]) -> None:
    """A unit taken out of a group no longer owes an acknowledgement of that assignment, so its
    notice stops waiting (and is never re-sent to its backup contact)."""
    for notice in ctx.record.notices():
        if (notice.unit in units and notice.kind == f"group_{row.code}"
                and notice.status in ("sent", "escalated")):
            notice.status = "withdrawn"
            notice.ack_due_at = None
            ctx.record.session.add(notice)
            ctx.record.log("notice_withdrawn", ctx.actor, ctx.at,
                           {"unit": notice.unit, "kind": notice.kind, "notice": notice.id},
                           person=ctx.person)


def statement_drafted(ctx: ActionContext) -> None:
    """A new statement, or a new version of one: it needs approval again, and the versions
    before it that were never released are superseded (every version is kept)."""
    payload: DraftStatement = ctx.payload
    session = ctx.record.session
    if payload.statement is None:
        numbers = session.exec(select(Statement.number).where(
            Statement.incident_id == ctx.record.id)).all()
        number, version = max(numbers, default=0) + 1, 1
    else:
        versions = statement_versions(ctx, payload.statement)
        number, version = payload.statement, versions[-1].version + 1
        for old in versions:
            if old.status != "released":
                old.status = "superseded"
                session.add(old)
    session.add(Statement(incident_id=ctx.record.id, number=number, version=version,
                          text=payload.text, drafted_by=ctx.actor, drafted_at=ctx.at))
    ctx.record.log("statement_drafted", ctx.actor, ctx.at,
                   {"statement": number, "version": version, "text": payload.text},
                   person=ctx.person)


def statement_advanced(ctx: ActionContext) -> None:
    _, gives = STATEMENT_STEPS[ctx.action]
    statement: Statement = ctx.result.pop("statement")
    statement.status = gives
    setattr(statement, f"{gives}_by", ctx.actor)
    setattr(statement, f"{gives}_at", ctx.at)
    ctx.record.session.add(statement)
    ctx.record.log(f"statement_{gives}", ctx.actor, ctx.at,
                   {"statement": statement.number, "version": statement.version},
                   person=ctx.person)


def danger_eliminated(ctx: ActionContext) -> None:
    ctx.record.log("danger_eliminated", ctx.actor, ctx.at, ctx.payload.model_dump(),
                   person=ctx.person)


def termination_step(ctx: ActionContext) -> None:
    data = ctx.payload.model_dump(exclude_none=True) if ctx.payload else {}
    ctx.record.log(ctx.action, ctx.actor, ctx.at,
                   {**data, "level": ctx.record.level, "clause": ctx.plan.termination.clause},
                   person=ctx.person)


def termination_announced(ctx: ActionContext) -> None:
    """§4.4: every unit notified during the response hears that it is over, with who proposed,
    approved and announced it and who confirmed the danger gone (the announcer excepted)."""
    record = ctx.record
    steps = ctx.plan.termination.for_level(record.level)
    confirmed = record.session.exec(select(TimelineEvent).where(
        TimelineEvent.incident_id == record.id, TimelineEvent.kind == "danger_eliminated")
        .order_by(col(TimelineEvent.id).desc())).first()
    data = {
        "level": record.level, "level_name": ctx.plan.levels[record.level].name,
        "proposed_by": steps.propose, "approved_by": steps.approve, "announced_by": ctx.actor,
        "experts": confirmed.data.get("experts", []) if confirmed else [],
        "appraisers": confirmed.data.get("appraisers", []) if confirmed else [],
        "clause": ctx.plan.termination.clause,
    }
    record.end_response(ctx.at)
    # The response is over: the closing notice asks for no acknowledgement (nothing waits).
    for unit in dict.fromkeys(n.unit for n in record.notices()):
        if unit != ctx.actor:
            record.notify(unit, "termination", ctx.at, data, needs_ack=False)


def obligation_settled(ctx: ActionContext) -> None:
    obligation: Obligation = ctx.result.pop("obligation")
    obligation.status = "settled"
    obligation.settled_at = ctx.at
    obligation.amount_yuan = ctx.payload.amount_yuan
    obligation.how = ctx.payload.how
    ctx.record.session.add(obligation)
    ctx.record.log("obligation_settled", ctx.actor, ctx.at,
                   {"obligation": obligation.id, "amount_yuan": plain(obligation.amount_yuan),
                    "how": obligation.how}, person=ctx.person)


def investigation_started(ctx: ActionContext) -> None:
    # §5.1 names 区应急局, 区公安分局 and 区监察委: always members; `members` adds to them.
    members = list(dict.fromkeys([*ctx.plan.investigation.default_members,
                                  *(ctx.payload.members or ())]))
    ctx.record.session.add(InvestigationReport(incident_id=ctx.record.id, members=members,
                                               started_at=ctx.at))
    ctx.record.log("investigation_started", ctx.actor, ctx.at,
                   {"lead": ctx.plan.investigation.lead, "members": members}, person=ctx.person)


def report_submitted_effect(ctx: ActionContext) -> None:
    """Each submission is a new, never-changed version; the report row shows the latest."""
    session = ctx.record.session
    report = session.get(InvestigationReport, ctx.record.id)
    assert report is not None
    version = len(report_versions(session, ctx.record.id)) + 1
    session.add(ReportVersion(incident_id=ctx.record.id, version=version,
                              sections=dict(ctx.payload.sections), submitted_at=ctx.at,
                              submitted_by=ctx.actor, reason=ctx.payload.reason))
    report.sections = dict(ctx.payload.sections)
    if report.submitted_at is None:
        report.submitted_at = ctx.at
    session.add(report)
    ctx.record.log("report_submitted", ctx.actor, ctx.at,
                   {"sections": list(ctx.payload.sections), "version": version,
                    "reason": ctx.payload.reason}, person=ctx.person)


def ended(ctx: ActionContext) -> None:
    data = ctx.payload.model_dump() if ctx.payload else {}
    kind = {"close": "closed", "dismiss": "dismissed"}[ctx.action]
    ctx.record.stop_timers(ctx.at, {"close": "结案", "dismiss": "撤销"}[ctx.action])
    ctx.record.log(kind, ctx.actor, ctx.at, data, person=ctx.person)


WORKFLOW = Workflow(
    name="housing_safety",
    states=STATES,
    initial="reported",
    open_states=OPEN_STATES,
    intake=on_report,
    who_may=who_may,
    transitions=(
        Transition("verify", ("reported", "active"), None, FactsPatch,
                   (may_act, facts_are_valid), (verified,)),
        Transition("activate", ("reported",), "active", None, (may_activate,), (activated,)),
        Transition("raise_level", ("active",), None, RaiseLevel, (may_raise,), (level_changed,)),
        Transition("record_report", OPEN_STATES, None, RecordReport,
                   (report_recipient_known,), (report_recorded,)),
        Transition("acknowledge", OPEN_STATES, None, Acknowledge,
                   (has_pending_notice,), (acknowledged,)),
        Transition("use_emergency_power", ("active",), None, UseEmergencyPower,
                   (may_act, measure_known), (power_used,)),
        Transition("eliminate_danger", ("active",), "danger_eliminated", EliminateDanger,
                   (may_act,), (danger_eliminated,)),
        Transition("propose_termination", ("danger_eliminated",), "termination_proposed", Note,
                   (may_terminate,), (termination_step,)),
        Transition("approve_termination", ("termination_proposed",), "termination_approved",
                   Note, (may_terminate,), (termination_step,)),
        Transition("announce_termination", ("termination_approved",), "terminated", Note,
                   (may_terminate,), (termination_step, termination_announced)),
        Transition("amend_group", RESPONSE_STATES, None, AmendGroup,
                   (may_act, group_amendable), (group_amended,)),
        Transition("draft_statement", OPEN_STATES, None, DraftStatement,
                   (may_act, revises_known_statement), (statement_drafted,)),
        Transition("approve_statement", OPEN_STATES, None, StatementRef,
                   (may_act, statement_ready), (statement_advanced,)),
        Transition("release_statement", OPEN_STATES, None, StatementRef,
                   (may_act, statement_ready), (statement_advanced,)),
        Transition("open_obligation", OPEN_STATES, None, OpenObligation,
                   (may_act, obligation_known), (obligation_opened,)),
        Transition("settle_obligation", OPEN_STATES, None, SettleObligation,
                   (may_act, obligation_open), (obligation_settled,)),
        Transition("start_investigation", ("terminated",), "investigating", StartInvestigation,
                   (may_act, needs_investigation), (investigation_started,)),
        Transition("submit_report", ("investigating",), None, SubmitReport,
                   (may_act, report_not_final, report_complete), (report_submitted_effect,)),
        Transition("close", ("terminated",), "closed", None,
                   (may_act, closes_without_investigation, no_open_obligation), (ended,)),
        Transition("close", ("investigating",), "closed", None,
                   (may_act, report_submitted, no_open_obligation), (ended,)),
        Transition("dismiss", ("reported",), "dismissed", Dismiss, (may_act,), (ended,)),
    ),
)

from workflows.housing_safety import patrol_alerts  # noqa: E402,F401  (registers the house timers)
