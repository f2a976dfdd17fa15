"""§5.2 事件调查报告: the investigation report, pre-filled from the incident's record (SPEC R9).

The investigation group (§5.1) writes the report, but the record already knows the course of
the response, the corrected facts, every deadline and how it was kept, the casualties, the
emergency powers used, the notices and the aftermath items. So each of the six parts starts as a
draft made of those facts, with a marked gap (GAP) for what only the investigation can say. Once
the report is submitted its text replaces the drafts; the tables still come from the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

from documents import model as doc
from documents.formatting import (
    UNKNOWN,
    cn_count,
    cn_date,
    cn_datetime_text,
    cn_yuan,
    to_display_tz,
)
from engine import deadlines as dl
from engine.models import (
    DeadlineRow,
    FactRevision,
    Incident,
    InvestigationReport,
    Notice,
    Obligation,
    ReportVersion,
    Statement,
    TimelineEvent,
)
from engine.notices import place
from engine.plan import Plan
from engine.record import to_deadline
from engine.snapshot import Snapshot
from workflows.housing_safety import words
from workflows.housing_safety.grading import classify, facts_of
from workflows.housing_safety.info_reports import EVENT

GAP = "【待调查组补充】"
"""Marks what the record cannot say; a part that still contains it is not finished."""

CASUALTY_FIELDS = ("dead", "missing", "injured", "economic_loss_yuan")
FACT_COUNTS = frozenset({*CASUALTY_FIELDS, "people_at_risk"})  # unknown is 不详（待核实）
# The course of the response, told in order in part two.
MILESTONES = (
    "verified",
    "activated",
    "level_raised",
    "level_lowered",
    "onsite_command_formed",
    "group_amended",
    "danger_eliminated",
    "propose_termination",
    "approve_termination",
    "announce_termination",
)
# Left out of the timeline appendix: bookkeeping, or summed up in part two instead.
NOT_IN_APPENDIX = frozenset(
    {
        "notice_sent",
        "notice_acknowledged",
        "notice_superseded",
        "deadline_started",
        "level_in_force",
        "alert_reminder",
    }
)


@dataclass(frozen=True)
class Record:
    """Everything the report reads, loaded once within the caller's transaction."""

    plan: Plan
    incident: Incident
    events: list[TimelineEvent]
    deadlines: list[DeadlineRow]
    notices: list[Notice]
    obligations: list[Obligation]
    revisions: list[FactRevision]
    statements: list[Statement]
    investigation: InvestigationReport | None
    as_of: datetime
    """The instant deadlines are judged at: now, or when a closed incident's timers stopped."""
    backfilled: dict[tuple[str, int], datetime]
    """Deadlines met only by a report recorded after their overdue alerts (补录): recorded when."""

    versions: list[ReportVersion]
    """Every submitted version, oldest first."""

    @classmethod
    def of(cls, snapshot: Snapshot) -> Record:
        return cls(
            plan=snapshot.plan,
            incident=snapshot.incident,
            events=snapshot.events,
            backfilled=snapshot.backfilled,
            deadlines=snapshot.deadlines,
            notices=snapshot.notices,
            obligations=snapshot.obligations,
            revisions=snapshot.revisions,
            statements=snapshot.statements,
            investigation=snapshot.investigation,
            as_of=snapshot.as_of,
            versions=snapshot.report_versions,
        )

    def name(self, code: str) -> str:
        return "系统" if code == "system" else self.plan.actor_name(code)

    def names(self, codes: Iterable[str]) -> str:
        return "、".join(self.name(c) for c in codes)

    def of_kind(self, *kinds: str) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind in kinds]

    def level_name(self, level: str) -> str:
        return self.plan.levels[level].name  # type: ignore[index]


# -- the public functions ------------------------------------------------------------------


def build_report(snapshot: Snapshot) -> doc.InvestigationReport:
    """The report to render: the submitted parts once submitted (final), else the drafts."""
    rec = Record.of(snapshot)
    plan, incident = rec.plan, rec.incident
    submitted = rec.investigation is not None and rec.investigation.submitted_at is not None
    if submitted:
        versions = rec.versions
        latest = versions[-1]
        sections = {k: _paragraphs(v) for k, v in latest.sections.items()}
        if len(versions) > 1:
            first_key = next(iter(sections))
            sections[first_key] = [_versions_note(versions), *sections[first_key]]
        date = to_display_tz(latest.submitted_at).date()
    else:
        sections, date = draft(rec), None
    street = plan.streets.items[incident.street]
    return doc.InvestigationReport(
        title=f"{place(plan, incident, with_district=True)}房屋安全突发事件调查报告",
        summary=doc.IncidentSummary(
            address=incident.address,
            street=street,
            condition_name=plan.conditions[incident.condition].name,
            grade_name=plan.grading.grade_name(incident.grade),
            response_level=incident.response_level,
            discovered_at=incident.discovered_at,
            reported_at=incident.reported_at,
            drill=incident.drill,
        ),
        sections=sections,
        parts=[
            doc.SectionSpec(key, heading)
            for key, heading in plan.investigation.report_sections.items.items()
        ],
        casualties=casualties(incident),
        deadlines=[_deadline_record(rec, row) for row in rec.deadlines],
        measures=[
            doc.EmergencyMeasure(
                measure=e.data["name"], detail=e.data["detail"], at=e.at, unit=rec.name(e.actor)
            )
            for e in rec.of_kind("emergency_power_used")
        ],
        info_reports=[
            doc.InfoReportRecord(
                title=e.data["title"],
                at=e.at,
                recipient=rec.name(e.data["to"]),
                channel=e.data.get("channel") or "",
            )
            for e in rec.of_kind(EVENT)
        ],
        members=_members(rec),
        timeline=[
            doc.TimelineEntry(
                at=e.at,
                actor=rec.name(e.actor),
                description=text,
                on_duty=words.duty_names(e.on_duty),
            )
            for e in rec.events
            if (text := describe(rec, e)) is not None
        ],
        draft=not submitted,
        date=date,
        generated_at=rec.as_of,
        author=f"{plan.plan.district}房屋安全事件调查组",
    )


def casualties(incident: Incident) -> doc.Casualties:
    return doc.Casualties(
        dead=incident.dead,
        missing=incident.missing,
        injured=incident.injured,
        direct_loss_yuan=incident.economic_loss_yuan,
    )


def draft_sections(snapshot: Snapshot) -> dict[str, str]:
    """The six drafts as editable text, one paragraph a line: what `submit_report` takes."""
    return {key: "\n".join(paragraphs) for key, paragraphs in draft(Record.of(snapshot)).items()}


class Reporting:
    """The workflow's `reporting` hook: the §5.2 report and its drafts."""

    @staticmethod
    def build(snapshot: Snapshot) -> doc.InvestigationReport:
        return build_report(snapshot)

    @staticmethod
    def drafts(snapshot: Snapshot) -> dict[str, str]:
        return draft_sections(snapshot)


def draft(rec: Record) -> dict[str, list[str]]:
    """Each part of §5.2, in its order, drafted from the record."""
    return {key: DRAFTERS[key](rec) for key in rec.plan.investigation.report_sections.items}


def _versions_note(versions: list[ReportVersion]) -> str:
    """The latest version says it corrects the earlier ones, which stay on file."""
    latest = versions[-1]
    earlier = "、".join(
        f"第{v.version}版（{cn_datetime_text(v.submitted_at)}提交）" for v in versions[:-1]
    )
    return (
        f"（本报告为第{latest.version}版，于{cn_datetime_text(latest.submitted_at)}提交，"
        f"更正原因：{latest.reason}；此前{earlier}存档备查。）"
    )


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# -- the six parts -------------------------------------------------------------------------


def unit_overview(rec: Record) -> list[str]:
    i, plan = rec.incident, rec.plan
    grade = plan.grading.grade_name(i.grade)
    out = [
        f"事发房屋位于{place(plan, i, with_district=True)}。",
        f"险情类型为{plan.conditions[i.condition].name}；"
        + (f"事件等级为{grade}；" if grade else "房屋安全隐患不分级；")
        + f"区级启动{rec.level_name(i.response_level)}。",
    ]
    if i.description:
        out.append(f"报告情况：{i.description}")
    if i.reporter:
        out.append(f"报告人：{i.reporter}。")
    out.append(f"{GAP}房屋产权单位或使用单位、建成年代、结构形式、使用功能及历次房屋安全鉴定情况。")
    return out


def course_and_rescue(rec: Record) -> list[str]:
    i = rec.incident
    steps = [
        (i.discovered_at, "发现险情"),
        (i.reported_at, f"{rec.name('district_housing_bureau')}接报"),
        *((e.at, f"{rec.name(e.actor)}{describe(rec, e)}") for e in rec.of_kind(*MILESTONES)),
    ]
    times = _narrative_times([at for at, _ in steps])
    out = [
        "；".join(f"{when}，{what}" for when, (_, what) in zip(times, steps, strict=True)) + "。",
        _corrections(rec, None),
    ]
    measures = rec.of_kind("emergency_power_used")
    out.append(
        f"现场共采取应急处置措施{len(measures)}项（预案§2.2.1，见下列清单）。"
        if measures
        else "未采取预案§2.2.1规定的应急处置措施。"
    )
    out += [
        _deadlines_text(rec),
        _info_reports_text(rec),
        _notices_text(rec),
        _statements_text(rec),
    ]
    return out


def casualties_and_loss(rec: Record) -> list[str]:
    i = rec.incident
    both = casualties(i).dead_and_missing
    out = [
        f"据事件记录，事件共造成死亡{cn_count(i.dead)}、失踪{cn_count(i.missing)}、"
        f"受伤{cn_count(i.injured)}，死亡（含失踪）合计{cn_count(both)}；"
        f"直接经济损失{cn_yuan(i.economic_loss_yuan)}。"
    ]
    corrected = _corrections(rec, CASUALTY_FIELDS)
    if corrected:
        out.append(corrected)
    out.append(_obligations_text(rec))
    out.append(f"{GAP}伤亡人员名单和直接经济损失的核定依据。")
    return [p for p in out if p]


def cause_and_nature(rec: Record) -> list[str]:
    i = rec.incident
    result = classify(rec.plan, facts_of(i))
    reasons = "；".join(f"{r.text}（预案{r.clause}）" for r in result.reasons)
    return [
        f"按事件记录的事实初步判定：{reasons}。",
        f"{GAP}事件发生的直接原因、间接原因和事件性质。",
    ]


def responsibility_and_handling(rec: Record) -> list[str]:
    out = []
    late = [
        (row, text)
        for row in rec.deadlines
        if (text := _deadline_text(rec, row)) and _status(rec, row) in ("met_late", "overdue")
    ]
    if late:
        out.append(
            "信息报送时限未落实："
            + "；".join(
                f"{text}，责任单位{rec.name(rec.plan.deadlines[row.code].responsible)}"
                for row, text in late
            )
            + "（预案§4.2）。"
        )
    else:
        out.append("各项信息报送均在时限内完成或尚未到期（预案§4.2）。")
    silent = _silent_units(rec)
    if silent:
        out.append(f"响应期间未确认收到通知的单位（{len(silent)}家）：{'、'.join(silent)}。")
    out.append(f"{GAP}事件责任的认定以及对事件责任者的处理建议（按照有关规定执行，预案§5.1）。")
    return out


def prevention_and_rectification(rec: Record) -> list[str]:
    out = []
    still_open = [o for o in rec.obligations if o.status == "open"]
    if still_open:
        out.append(f"尚有{len(still_open)}项善后事项未办结，应跟踪至办结（预案§5.3）。")
    if any(n.resent_at is not None for n in rec.notices) or _silent_units(rec):
        out.append("部分单位未在规定时间内确认通知，建议核实更新应急通讯录（预案§6.1）。")
    out.append(f"{GAP}事件防范和整改措施。")
    return out


DRAFTERS: dict[str, Callable[[Record], list[str]]] = {
    "unit_overview": unit_overview,
    "course_and_rescue": course_and_rescue,
    "casualties_and_loss": casualties_and_loss,
    "cause_and_nature": cause_and_nature,
    "responsibility_and_handling": responsibility_and_handling,
    "prevention_and_rectification": prevention_and_rectification,
}


# -- pieces of text --------------------------------------------------------------------------


def _narrative_times(instants: list[datetime]) -> list[str]:
    """Times for running text, the date written only when it changes, as a narrative does."""
    out, last_day = [], None
    for instant in instants:
        full, day = cn_datetime_text(instant), cn_date(to_display_tz(instant))
        out.append(full if day != last_day else full.removeprefix(day))
        last_day = day
    return out


def _value(rec: Record, field: str, value: Any) -> str:
    if field == "condition":
        return rec.plan.conditions[value].name
    if field == "street":
        return rec.plan.streets.items[value]
    if field == "discovered_at":
        return cn_datetime_text(datetime.fromisoformat(value))
    if field == "economic_loss_yuan":
        return cn_yuan(value)
    if value is None and field in FACT_COUNTS:
        return UNKNOWN
    return "（空）" if value in (None, "") else str(value)


def _corrections(rec: Record, fields: tuple[str, ...] | None) -> str:
    """Every correction of the facts (or of `fields`), with its before and after values."""
    items = [
        f"{cn_datetime_text(r.at)}{rec.name(r.actor)}将{words.FACTS.get(f, f)}由"
        f"{_value(rec, f, c['from'])}更正为{_value(rec, f, c['to'])}"
        for r in rec.revisions
        for f, c in r.changes.items()
        if fields is None or f in fields
    ]
    if not items:
        return "" if fields else "登记的事件事实未经更正。"
    return ("其中经过更正：" if fields else "事实更正：") + "；".join(items) + "。"


def _status(rec: Record, row: DeadlineRow) -> dl.Status:
    return dl.status(to_deadline(row), rec.as_of)


def _late_minutes(rec: Record, row: DeadlineRow) -> int:
    """Whole minutes, rounded up as the report's table rounds them (a late report is never 0)."""
    late = dl.lateness(to_deadline(row), rec.as_of)
    return 0 if late is None else ceil(late.total_seconds() / 60)


def _deadline_name(rec: Record, row: DeadlineRow) -> str:
    rule = rec.plan.deadlines[row.code]
    name = f"{rule.name}（第{row.occasion}次）" if row.occasion > 1 else rule.name
    return f"{name}（本地默认时限）" if rule.local_policy else name


def _deadline_text(rec: Record, row: DeadlineRow) -> str:
    name, due = _deadline_name(rec, row), cn_datetime_text(row.due_at)
    status = _status(rec, row)
    if status == "met":
        assert row.met_at is not None
        recorded = rec.backfilled.get((row.code, row.occasion))
        later = "" if recorded is None else f"；逾期提醒发出后于{cn_datetime_text(recorded)}补录"
        return f"“{name}”按时完成（应于{due}前，{cn_datetime_text(row.met_at)}完成{later}）"
    if status == "met_late":
        assert row.met_at is not None
        return (
            f"“{name}”逾期{_late_minutes(rec, row)}分钟完成（应于{due}前，"
            f"{cn_datetime_text(row.met_at)}完成）"
        )
    if status == "overdue":
        return (
            f"“{name}”逾期未完成（应于{due}前，截至{cn_datetime_text(rec.as_of)}"
            f"已逾期{_late_minutes(rec, row)}分钟）"
        )
    return f"“{name}”尚未到期（应于{due}前）"


def _deadline_record(rec: Record, row: DeadlineRow) -> doc.DeadlineRecord:
    return doc.DeadlineRecord(
        code=row.code,
        due_at=row.due_at,
        status=doc.DeadlineStatus(_status(rec, row)),
        met_at=row.met_at,
        name=_deadline_name(rec, row),
        backfilled=(row.code, row.occasion) in rec.backfilled,
    )


def _deadlines_text(rec: Record) -> str:
    if not rec.deadlines:
        return "无信息报送时限记录。"
    return (
        f"信息报送时限共{len(rec.deadlines)}项（预案§4.1、§4.2）："
        + "；".join(_deadline_text(rec, row) for row in rec.deadlines)
        + "。"
    )


def _info_reports_text(rec: Record) -> str:
    """The information reports made (首报, 续报, 终报), each with its minute and recipient."""
    made = rec.of_kind(EVENT)
    if not made:
        return "未报送首报、续报、终报等信息报告（预案§4.2）。"
    items = "；".join(
        f"{e.data['title']}于{cn_datetime_text(e.at)}报送{rec.name(e.data['to'])}" for e in made
    )
    return f"信息报告共{len(made)}份（预案§4.2，见下表）：{items}。"


def _silent_units(rec: Record) -> list[str]:
    """Units that left a notice of the response unacknowledged (the closing notice aside)."""
    return list(
        dict.fromkeys(
            rec.name(n.unit)
            for n in rec.notices
            if n.status in ("sent", "escalated") and n.kind != "termination"
        )
    )


def _notices_text(rec: Record) -> str:
    if not rec.notices:
        return "未发出通知。"
    count = {
        s: sum(1 for n in rec.notices if n.status == s)
        for s in ("acknowledged", "informational", "withdrawn", "superseded")
    }
    waiting = len(rec.notices) - sum(count.values())
    text = (
        f"共向{len({n.unit for n in rec.notices})}家单位发出通知{len(rec.notices)}份，"
        f"已确认{count['acknowledged']}份，无需确认{count['informational']}份，"
        f"未确认{waiting}份"
    )
    if count["withdrawn"]:
        text += f"，因调整工作组撤回{count['withdrawn']}份"
    if count["superseded"]:
        text += f"，因响应级别调整被替代{count['superseded']}份"
    resent = sum(1 for n in rec.notices if n.resent_at is not None)
    if resent:
        text += (
            f"；{resent}份因未在{rec.plan.alerts.acknowledgement_minutes:g}分钟内确认"
            "已转发备用联系人（本地规则）"
        )
    return text + "。"


def _statements_text(rec: Record) -> str:
    if not rec.statements:
        return "未对外发布信息（预案§4.3.3）。"
    released = [s for s in rec.statements if s.status == "released"]
    numbers = len({s.number for s in rec.statements})
    items = "；".join(
        f"第{s.number}号第{s.version}版于{cn_datetime_text(s.released_at)}"
        f"由{rec.name(s.released_by or '')}发布"
        for s in released
        if s.released_at is not None
    )
    return (
        f"信息发布：拟定发布稿{numbers}份（共{len(rec.statements)}个版本），"
        f"经{rec.name(rec.plan.information_release.approve)}审核后发布{len(released)}个版本"
        + (f"：{items}" if items else "")
        + "（预案§4.3.3）。"
    )


def _obligations_text(rec: Record) -> str:
    if not rec.obligations:
        return "无善后事项记录（预案§5.3）。"
    names = _obligation_names(rec)
    items = []
    for n, o in enumerate(rec.obligations, 1):
        state = (
            "尚未办结"
            if o.status == "open" or o.settled_at is None
            else f"已于{cn_datetime_text(o.settled_at)}办结（{o.how}，"
            f"金额{cn_yuan(o.amount_yuan or 0)}）"
        )
        items.append(
            f"（{n}）{names.get(o.id, o.kind)}：{o.detail}，承办单位{rec.name(o.owner)}，{state}"
        )
    return "善后事项（预案§5.3）：" + "；".join(items) + "。"


def _obligation_names(rec: Record) -> dict[int | None, str]:
    """Obligation id → its Chinese name, as logged when it was opened."""
    names: dict[int | None, str] = {}
    for e in rec.of_kind("emergency_power_used", "obligation_opened"):
        if "obligation" in e.data:
            names[e.data["obligation"]] = e.data.get("obligation_name") or e.data.get("name", "")
    return names


def _members(rec: Record) -> list[doc.InvestigationMember]:
    """The group of §5.1: its lead and member units (names are signed in by hand)."""
    if rec.investigation is None:
        return []
    lead = rec.plan.investigation.lead
    return [
        doc.InvestigationMember(name="", unit=rec.name(lead), role="牵头单位"),
        *(
            doc.InvestigationMember(name="", unit=rec.name(u), role="成员单位")
            for u in rec.investigation.members
            if u != lead
        ),
    ]


# -- the timeline in words -------------------------------------------------------------------

Describer = Callable[[Record, dict[str, Any]], str]


def _level_change(rec: Record, d: dict[str, Any]) -> str:
    verb = "提高" if d["kind"] == "level_raised" else "调整"
    return (
        f"将响应级别由{rec.level_name(d['from'])}{verb}至{rec.level_name(d['to'])}"
        f"（{d.get('reason', '')}）"
    )


def _group_amended(rec: Record, d: dict[str, Any]) -> str:
    parts = [
        f"增加{rec.names(d['added'])}" if d.get("added") else "",
        f"移出{rec.names(d['removed'])}" if d.get("removed") else "",
        f"组长为{d['leader_name']}" if d.get("leader_name") else "",
    ]
    return f"调整{d['group_name']}：" + "，".join(p for p in parts if p)


def _statement(verb: str) -> Describer:
    return lambda rec, d: f"{verb}信息发布稿第{d['statement']}号第{d['version']}版"


DESCRIBERS: dict[str, Describer] = {
    "reported": lambda rec, d: "登记事件报告",
    "verified": lambda rec, d: "完成现场核实" + ("并更正事件事实" if d.get("changes") else ""),
    "activated": lambda rec, d: f"启动{rec.level_name(d['level'])}",
    "level_raised": _level_change,
    "level_lowered": _level_change,
    "facts_updated": lambda rec, d: "更新事件事实",
    EVENT: lambda rec, d: f"向{rec.name(d['to'])}报送{d['title']}",
    "report_recorded": lambda rec, d: (
        f"向{rec.name(d['to'])}报告" + (f"（{d['channel']}）" if d.get("channel") else "")
    ),
    "deadline_met": lambda rec, d: (
        f"时限“{rec.plan.deadlines[d['deadline']].name}”"
        + ("逾期完成" if d.get("status") == "met_late" else "完成")
    ),
    "emergency_power_used": lambda rec, d: f"采取应急处置措施：{d['name']}（{d['detail']}）",
    "danger_eliminated": lambda rec, d: (
        f"确认危险因素已排除（专家：{'、'.join(d['experts'])}；"
        f"鉴定技术人员：{'、'.join(d['appraisers'])}）"
    ),
    "propose_termination": lambda rec, d: "提出终止应急响应建议",
    "approve_termination": lambda rec, d: "同意终止应急响应",
    "announce_termination": lambda rec, d: f"宣布{rec.level_name(d['level'])}结束",
    "acknowledgement_waits_ended": lambda rec, d: (
        f"{len(d['notices'])}份通知不再等待签收（{words.reason(d['reason'])}）"
    ),
    "notice_withdrawn": lambda rec, d: (
        f"撤回{rec.name(d['unit'])}的{words.notice_kind(rec.plan, d['kind'])}"
    ),
    "onsite_command_formed": lambda rec, d: f"成立现场指挥部，下设{len(d['groups'])}个工作组",
    "group_amended": _group_amended,
    "statement_drafted": _statement("拟定"),
    "statement_approved": _statement("审核同意"),
    "statement_released": _statement("发布"),
    "obligation_opened": lambda rec, d: f"登记善后事项：{d['name']}（{d['detail']}）",
    "obligation_settled": lambda rec, d: (
        f"善后事项{d['obligation']}办结：{d['how']}，金额{cn_yuan(d['amount_yuan'])}"
    ),
    "investigation_started": lambda rec, d: (
        f"成立事件调查组（成员单位：{rec.names(d['members'])}）"
    ),
    "report_submitted": lambda rec, d: "提交事件调查报告",
    "closed": lambda rec, d: "事件处置结案",
    "dismissed": lambda rec, d: f"经核实报告不实，予以撤销（{d.get('reason', '')}）",
    "merged": lambda rec, d: f"经核实为重复报告，并入事件{d['into']}",
    "duplicate_merged": lambda rec, d: (
        f"重复报告（事件{d['duplicate']}"
        + (f"，报告人{d['reporter']}" if d.get("reporter") else "")
        + "）并入本事件"
    ),
    "alert_overdue": lambda rec, d: (
        f"时限“{rec.plan.deadlines[d['deadline']].name}”逾期，"
        f"发出第{d['step']}级逾期提醒" + ("（补报）" if d.get("after_response") else "")
    ),
    "alert_resend": lambda rec, d: (
        f"{rec.name(d['unit'])}未确认"
        f"{words.notice_kind(rec.plan, d['notice_kind'])}，"
        "转发备用联系人"
    ),
}


def describe(rec: Record, event: TimelineEvent) -> str | None:
    """The event in words for the appendix; None for bookkeeping that the text sums up."""
    if event.kind in NOT_IN_APPENDIX:
        return None
    describer = DESCRIBERS.get(event.kind)
    if describer is None:
        return f"系统记录（{event.kind}）"
    text = describer(rec, {**event.data, "kind": event.kind})
    proxy = event.data.get("proxy")
    return text + words.proxy_note(rec.plan, proxy) if proxy else text
