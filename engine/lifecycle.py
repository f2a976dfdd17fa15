"""A response lifecycle as a `transitions` state machine, built once from a workflow definition.

Incidents are never registered on the machine (that would grow quadratically and transitions
cannot attach to a SQLModel row): each action fires the event directly on a thin
`IncidentRecord` adapter restored from the database. Guards raise `FanganError`s with the reason,
so a refusal says why and changes nothing; effects run after the state change inside the caller's
transaction, so a failing effect rolls the state back with everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from transitions import EventData, Machine, MachineError

from engine.errors import InvalidInput, InvalidState
from engine.inputs import Input, validate
from engine.plan import Level, Plan

if TYPE_CHECKING:  # the record and the subjects need the tables; a pure command does not
    from documents import InvestigationReport
    from engine.onduty import OnDuty
    from engine.record import IncidentRecord
    from engine.snapshot import Snapshot
    from engine.subjects import Handler

T = TypeVar("T")


@dataclass
class ActionContext:
    plan: Plan
    record: IncidentRecord
    action: str
    actor: str
    at: datetime
    data: dict[str, Any]
    person: str | None = None
    payload: Any = None
    # What a guard found and its effect acts on (the notice to acknowledge, the group to
    # amend), one value per type: `hand` in the guard, `take` in the effect.
    _handed: dict[type, object] = field(default_factory=dict)

    def hand(self, value: object) -> None:
        self._handed[type(value)] = value

    def take(self, kind: type[T]) -> T:
        value = self._handed.pop(kind)
        assert isinstance(value, kind)
        return value


Step = Callable[[ActionContext], None]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: Sequence[str]
    dest: str | None = None  # None: an internal transition, the state stays
    payload: type[Input] | None = None
    guards: Sequence[Step] = ()
    effects: Sequence[Step] = ()


class ActorsNow(Protocol):
    """Who may take `action` now, at the incident's `level`, `pending` being the units that
    hold an unacknowledged notice; None when anyone may. The refusals and the console ask the
    same rule, so a unit is offered exactly the actions the engine lets it take."""

    def __call__(
        self, plan: Plan, action: str, level: Level, pending: Sequence[str]
    ) -> list[str] | None: ...


class Reporting(Protocol):
    """The workflow's closing report, made from one incident's snapshot."""

    def build(self, snapshot: Snapshot) -> InvestigationReport:
        """The report to render: final once submitted, else drafted from the record."""

    def drafts(self, snapshot: Snapshot) -> dict[str, str]:
        """Each part drafted from the record, as editable text (what a submission takes)."""


@dataclass(frozen=True)
class FormField:
    """One field of an action's form, as the workflow declares it: the console draws and parses
    it by `kind` (text, textarea, count, money, or a select over the plan's codes)."""

    name: str  # a dotted name ('sections.unit_overview') nests in the data
    label: str
    kind: str = "text"
    required: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Vocabulary:
    """The words a person reads for the workflow's codes, one table per kind of code (states,
    actions, events, facts, statuses …); the console, the notices and the report read these."""

    tables: Mapping[str, Mapping[str, str]]
    # One line saying what a timeline event was about, given the console's labels.
    summaries: Mapping[str, Callable[[Any, dict[str, Any]], str]]
    notice_kind: Callable[[Plan, str], str]
    # How an event recorded on a body's behalf says so (R11), given its `proxy` data.
    proxy_note: Callable[[Plan, dict[str, Any]], str]
    # Who was on duty when an event happened, given its `on_duty` value ('' when not known).
    on_duty_note: Callable[[dict[str, Any] | None], str] = lambda _on_duty: ""


@dataclass(frozen=True)
class Workflow:
    name: str
    states: Sequence[str]
    initial: str
    open_states: Sequence[str]
    # What logging a new report does (grading, first deadlines), before any action.
    intake: Step
    transitions: Sequence[Transition]
    words: Vocabulary
    actors_now: ActorsNow
    # Facts (as `classify` takes them) → the grading, for the `classify` command.
    classify: Callable[[Plan, object], dict[str, Any]]
    reporting: Reporting
    # The form of each action (and of intake, `report`); an action without one gets a plain
    # form built from its payload model.
    forms: Mapping[str, Sequence[FormField]]
    # The plan's keys the workflow must understand (e.g. every report part has a drafter):
    # raises PlanError at start-up, naming the key.
    check: Callable[[Plan], None]
    # Who writes the alerts on the workflow's own timed subjects (e.g. a register's patrols), by
    # subject kind; a kind nobody handles stays owed and keeps no scheduler awake.
    subject_alerts: Mapping[str, Handler] = field(default_factory=dict)
    # The procedure's next actions for an incident view, the most expected first (the console's
    # next-step banner); none by default, and the console then offers only the actions panel.
    next_actions: Callable[[dict[str, Any]], list[str]] = lambda _incident: []
    # Who was on duty at an instant (the workflow's roster), stamped on every timeline event
    # (`engine.onduty`); the kernel keeps no roster, so none by default.
    on_duty: OnDuty = lambda _session, _at: None
    # What an action's form starts with for an incident view (a drafted text to edit), given
    # the values a person picked (e.g. a kind and a recipient); none by default.
    prefill: Callable[[Plan, dict[str, Any], str, Mapping[str, str]], dict[str, Any]] = (
        lambda _plan, _incident, _action, _picked: {}
    )


def parse_payload(model: type[Input] | None, data: dict[str, Any]) -> Any:
    """Validate an action's data; the error names the field (`data.<field>`) and the reason."""
    if model is None:
        if data:
            raise InvalidInput(f"data: this action takes no data (got {', '.join(data)})")
        return None
    return validate(model, data, prefix="data.")


class Lifecycle:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.machine = Machine(
            model=None,
            states=list(workflow.states),
            initial=None,
            auto_transitions=False,
            send_event=True,
            transitions=[self._spec(t) for t in workflow.transitions],
        )

    @staticmethod
    def _spec(t: Transition) -> dict[str, Any]:
        def guard(event: EventData) -> bool:
            ctx: ActionContext = event.kwargs["ctx"]
            ctx.payload = parse_payload(t.payload, ctx.data)
            for step in t.guards:
                step(ctx)
            return True

        def effect(event: EventData) -> None:
            ctx: ActionContext = event.kwargs["ctx"]
            for step in t.effects:
                step(ctx)

        return {
            "trigger": t.action,
            "source": list(t.sources),
            "dest": t.dest if t.dest is not None else None,
            "conditions": [guard],
            "after": [effect],
        }

    @property
    def actions(self) -> list[str]:
        return list(self.machine.events)

    def available(self, state: str) -> list[str]:
        return list(self.machine.get_triggers(state))

    def fire(self, ctx: ActionContext) -> None:
        event = self.machine.events.get(ctx.action)
        if event is None:
            raise InvalidInput(
                f"action: unknown action '{ctx.action}' (known: {', '.join(self.actions)})"
            )
        try:
            event.trigger(ctx.record, ctx=ctx)
        except MachineError as exc:
            possible = ", ".join(self.available(ctx.record.state)) or "none"
            who = self._who_may(ctx)
            raise InvalidState(
                f"'{ctx.action}' is not possible while the incident is "
                f"'{ctx.record.state}' (possible now: {possible})"
                + (f"; '{ctx.action}' is for {who}" if who else "")
            ) from exc

    def _who_may(self, ctx: ActionContext) -> str | None:
        """The actors who may take the refused action at this incident's level (R8)."""
        pending = [n.unit for n in ctx.record.notices() if n.status in ("sent", "escalated")]
        allowed = self.workflow.actors_now(ctx.plan, ctx.action, ctx.record.level, pending)
        if not allowed:
            return None
        return ", ".join(f"{ctx.plan.actor_name(a)} ({a})" for a in dict.fromkeys(allowed))
