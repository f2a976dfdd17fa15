"""§5.1 成立事件调查小组 and §5.2 形成事件调查报告: the investigation a I or II response needs,
its six-part report (final once submitted, R9; corrections are new versions), and closing."""

from __future__ import annotations

from engine.errors import InvalidInput, InvalidState, PreconditionFailed
from engine.lifecycle import ActionContext
from engine.models import InvestigationReport, ReportVersion
from workflows.housing_safety import words
from workflows.housing_safety.report import GAP


def needs_investigation(ctx: ActionContext) -> None:
    levels = ctx.plan.investigation.levels
    if ctx.record.level not in levels:
        raise PreconditionFailed(
            f"a level {ctx.record.level} response has no investigation "
            f"(§5.1 applies to levels {', '.join(levels)}): close it"
        )
    for code in ctx.payload.members or ():
        if code not in ctx.plan.actors:
            raise InvalidInput(f"data.members: unknown unit '{code}'")


def _submitted(ctx: ActionContext) -> InvestigationReport | None:
    report = ctx.record.row(InvestigationReport)
    return report if report is not None and report.submitted_at is not None else None


def report_not_final(ctx: ActionContext) -> None:
    """R9: a second submission is refused; a correction needs the first and its reason."""
    submitted = _submitted(ctx) is not None
    if submitted and not ctx.payload.correction:
        raise InvalidState(words.REFUSALS["report_final"])
    if ctx.payload.correction and not submitted:
        raise InvalidState(words.REFUSALS["nothing_to_correct"])
    if ctx.payload.correction and ctx.payload.reason is None:
        raise InvalidInput("data.reason: required for a correction (更正原因)")


def report_complete(ctx: ActionContext) -> None:
    required = ctx.plan.investigation.report_sections.items
    sections: dict[str, str] = ctx.payload.sections
    for key in sections:
        if key not in required:
            raise InvalidInput(
                f"data.sections.{key}: not a part of the report (§5.2 parts: {', '.join(required)})"
            )
    for key, title in required.items():
        if not sections.get(key, "").strip():
            raise PreconditionFailed(
                f"data.sections.{key}: the part 「{title}」 is missing or "
                "empty (§5.2 requires all six parts)"
            )
        if GAP in sections[key]:
            raise PreconditionFailed(
                f"data.sections.{key}: the part 「{title}」 still has a gap "
                f"marked {GAP} in the draft: fill it in or remove it"
            )


def closes_without_investigation(ctx: ActionContext) -> None:
    if ctx.record.level in ctx.plan.investigation.levels:
        raise PreconditionFailed(
            f"a level {ctx.record.level} response needs an investigation "
            "and its six-part report before close (§5.1, §5.2): "
            "start_investigation first"
        )


def report_submitted(ctx: ActionContext) -> None:
    if _submitted(ctx) is None:
        raise PreconditionFailed(
            "cannot close: the investigation report has not been submitted "
            "with all six parts (§5.2)"
        )


def investigation_started(ctx: ActionContext) -> None:
    # §5.1 names 区应急局, 区公安分局 and 区监察委: always members; `members` adds to them.
    members = list(
        dict.fromkeys([*ctx.plan.investigation.default_members, *(ctx.payload.members or ())])
    )
    ctx.record.add(
        InvestigationReport(incident_id=ctx.record.id, members=members, started_at=ctx.at)
    )
    ctx.record.log(
        "investigation_started",
        ctx.actor,
        ctx.at,
        {"lead": ctx.plan.investigation.lead, "members": members},
        person=ctx.person,
    )


def report_filed(ctx: ActionContext) -> None:
    """Each submission is a new, never-changed version; the report row shows the latest."""
    report = ctx.record.row(InvestigationReport)
    assert report is not None
    version = len(ctx.record.rows(ReportVersion)) + 1
    ctx.record.add(
        ReportVersion(
            incident_id=ctx.record.id,
            version=version,
            sections=dict(ctx.payload.sections),
            submitted_at=ctx.at,
            submitted_by=ctx.actor,
            reason=ctx.payload.reason,
        )
    )
    report.sections = dict(ctx.payload.sections)
    if report.submitted_at is None:
        report.submitted_at = ctx.at
    ctx.record.add(report)
    ctx.record.log(
        "report_submitted",
        ctx.actor,
        ctx.at,
        {"sections": list(ctx.payload.sections), "version": version, "reason": ctx.payload.reason},
        person=ctx.person,
    )


def closed(ctx: ActionContext) -> None:
    ctx.record.stop_timers(ctx.at, "closed")
    ctx.record.log("closed", ctx.actor, ctx.at, {}, person=ctx.person)
