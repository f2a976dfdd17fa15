"""§4.3.3 信息发布: statements drafted, approved by 区委宣传部 and only then released; every
version kept."""

from __future__ import annotations

from sqlmodel import col

from engine.errors import InvalidInput, PreconditionFailed
from engine.lifecycle import ActionContext
from engine.models import Statement
from workflows.housing_safety.payloads import DraftStatement

# The statement steps: the status each needs and the status it gives.
STATEMENT_STEPS = {
    "approve_statement": ("draft", "approved"),
    "release_statement": ("approved", "released"),
}


def statement_versions(ctx: ActionContext, number: int) -> list[Statement]:
    """Every version of statement `number`, oldest first; refused if there is none."""
    rows = ctx.record.rows(Statement, col(Statement.version), number=number)
    if not rows:
        raise InvalidInput(f"data.statement: no statement {number} on this incident")
    return rows


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
        raise PreconditionFailed(
            f"cannot mark statement {latest.number} version "
            f"{latest.version} {gives}: {why} "
            f"({ctx.plan.information_release.clause})"
        )
    ctx.hand(latest)


def statement_drafted(ctx: ActionContext) -> None:
    """A new statement, or a new version of one: it needs approval again, and the versions
    before it that were never released are superseded (every version is kept)."""
    payload: DraftStatement = ctx.payload
    if payload.statement is None:
        numbers = [s.number for s in ctx.record.rows(Statement)]
        number, version = max(numbers, default=0) + 1, 1
    else:
        versions = statement_versions(ctx, payload.statement)
        number, version = payload.statement, versions[-1].version + 1
        for old in versions:
            if old.status != "released":
                old.status = "superseded"
                ctx.record.add(old)
    ctx.record.add(
        Statement(
            incident_id=ctx.record.id,
            number=number,
            version=version,
            text=payload.text,
            drafted_by=ctx.actor,
            drafted_at=ctx.at,
        )
    )
    ctx.record.log(
        "statement_drafted",
        ctx.actor,
        ctx.at,
        {"statement": number, "version": version, "text": payload.text},
        person=ctx.person,
    )


def statement_advanced(ctx: ActionContext) -> None:
    _, gives = STATEMENT_STEPS[ctx.action]
    statement = ctx.take(Statement)
    statement.status = gives
    setattr(statement, f"{gives}_by", ctx.actor)
    setattr(statement, f"{gives}_at", ctx.at)
    ctx.record.add(statement)
    ctx.record.log(
        f"statement_{gives}",
        ctx.actor,
        ctx.at,
        {"statement": statement.number, "version": statement.version},
        person=ctx.person,
    )
