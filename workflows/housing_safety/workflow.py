"""The housing-safety response workflow (SPEC §4): its table of actions.

One module per chapter of the plan holds the guards and effects of its actions (`response` §4.1
and §4.2, `onsite` §4.3.1–2, `statements` §4.3.3, `termination` §4.4, `aftermath` §2.2.1 and §5.3,
`investigation` and `report` §5), `grading` §1.5, `authority` who may act, `words` every term a
person reads. Every number, unit and authority comes from the plan file; this table only says
which action is possible in which state, what it takes, what it checks and what it does.
"""

from __future__ import annotations

from engine.lifecycle import Transition, Workflow
from engine.schemas import FactsPatch
from workflows.housing_safety import aftermath as after
from workflows.housing_safety import (
    fields,
    info_reports,
    onsite,
    patrol_alerts,
    response,
    rules,
    statements,
    termination,
    words,
)
from workflows.housing_safety import investigation as inv
from workflows.housing_safety import payloads as p
from workflows.housing_safety.authority import (
    actors_now,
    may_act,
    may_activate,
    may_record_report,
)
from workflows.housing_safety.on_duty import on_duty
from workflows.housing_safety.report import Reporting
from workflows.housing_safety.states import OPEN_STATES, RESPONSE_STATES, STATES, next_actions

WORKFLOW = Workflow(
    name="housing_safety",
    states=STATES,
    initial="reported",
    open_states=OPEN_STATES,
    intake=response.on_report,
    words=words.VOCABULARY,
    actors_now=actors_now,
    classify=rules.classify,
    reporting=Reporting(),
    forms=fields.FORMS,
    subject_alerts=patrol_alerts.HANDLERS,
    next_actions=next_actions,
    prefill=info_reports.prefill,
    on_duty=on_duty,
    check=rules.check,
    transitions=(
        Transition(
            "verify",
            ("reported", "active"),
            None,
            FactsPatch,
            (may_act, response.facts_are_valid),
            (response.verified,),
        ),
        Transition(
            "activate", ("reported",), "active", None, (may_activate,), (response.activated,)
        ),
        Transition(
            "raise_level",
            ("active",),
            None,
            p.RaiseLevel,
            (response.may_raise,),
            (response.level_changed,),
        ),
        Transition(
            "record_report",
            OPEN_STATES,
            None,
            p.RecordReport,
            (response.report_recipient_known, may_record_report),
            (response.report_recorded,),
        ),
        Transition(
            "submit_info_report",
            OPEN_STATES,
            None,
            p.SubmitInfoReport,
            (response.report_recipient_known, may_record_report, info_reports.report_in_sequence),
            (info_reports.info_report_sent,),
        ),
        Transition(
            "acknowledge",
            OPEN_STATES,
            None,
            p.Acknowledge,
            (response.has_pending_notice,),
            (response.acknowledged,),
        ),
        Transition(
            "use_emergency_power",
            ("active",),
            None,
            p.UseEmergencyPower,
            (may_act, after.measure_known),
            (after.power_used,),
        ),
        Transition(
            "eliminate_danger",
            ("active",),
            "danger_eliminated",
            p.EliminateDanger,
            (may_act, termination.experts_in_pool),
            (termination.danger_eliminated,),
        ),
        Transition(
            "propose_termination",
            ("danger_eliminated",),
            "termination_proposed",
            p.Note,
            (may_act,),
            (termination.termination_step,),
        ),
        Transition(
            "approve_termination",
            ("termination_proposed",),
            "termination_approved",
            p.Note,
            (may_act,),
            (termination.termination_step,),
        ),
        Transition(
            "announce_termination",
            ("termination_approved",),
            "terminated",
            p.Note,
            (may_act,),
            (termination.termination_step, termination.termination_announced),
        ),
        Transition(
            "amend_group",
            RESPONSE_STATES,
            None,
            p.AmendGroup,
            (may_act, onsite.group_amendable),
            (onsite.group_amended,),
        ),
        Transition(
            "draft_statement",
            OPEN_STATES,
            None,
            p.DraftStatement,
            (may_act, statements.revises_known_statement),
            (statements.statement_drafted,),
        ),
        Transition(
            "approve_statement",
            OPEN_STATES,
            None,
            p.StatementRef,
            (may_act, statements.statement_ready),
            (statements.statement_advanced,),
        ),
        Transition(
            "release_statement",
            OPEN_STATES,
            None,
            p.StatementRef,
            (may_act, statements.statement_ready),
            (statements.statement_advanced,),
        ),
        Transition(
            "open_obligation",
            OPEN_STATES,
            None,
            p.OpenObligation,
            (may_act, after.obligation_known),
            (after.obligation_opened,),
        ),
        Transition(
            "settle_obligation",
            OPEN_STATES,
            None,
            p.SettleObligation,
            (may_act, after.obligation_open),
            (after.obligation_settled,),
        ),
        Transition(
            "start_investigation",
            ("terminated",),
            "investigating",
            p.StartInvestigation,
            (may_act, inv.needs_investigation),
            (inv.investigation_started,),
        ),
        Transition(
            "submit_report",
            ("investigating",),
            None,
            p.SubmitReport,
            (may_act, inv.report_not_final, inv.report_complete),
            (inv.report_filed,),
        ),
        Transition(
            "close",
            ("terminated",),
            "closed",
            None,
            (may_act, inv.closes_without_investigation, after.no_open_obligation),
            (inv.closed,),
        ),
        Transition(
            "close",
            ("investigating",),
            "closed",
            None,
            (may_act, inv.report_submitted, after.no_open_obligation),
            (inv.closed,),
        ),
        Transition(
            "dismiss", ("reported",), "dismissed", p.Dismiss, (may_act,), (response.dismissed,)
        ),
        Transition(
            "merge",
            ("reported", "active"),
            "merged",
            p.Merge,
            (may_act, response.merge_target_open),
            (response.merged,),
        ),
    ),
)
