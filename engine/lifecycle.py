"""A response lifecycle as a `transitions` state machine, built once from a workflow definition.

Incidents are never registered on the machine (that would grow quadratically and transitions
cannot attach to a SQLModel row): each action fires the event directly on a thin
`IncidentRecord` adapter restored from the database. Guards raise `FanganError`s with the reason,
so a refusal says why and changes nothing; effects run after the state change inside the caller's
transaction, so a failing effect rolls the state back with everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from transitions import EventData, Machine, MachineError

from engine.errors import InvalidInput, InvalidState
from engine.plan import Plan
from engine.record import IncidentRecord
from engine.schemas import Input, validate


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
    # What the action's effects want reported back to the caller (e.g. deadlines met).
    result: dict[str, Any] = field(default_factory=dict)


Step = Callable[[ActionContext], None]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: Sequence[str]
    dest: str | None = None  # None: an internal transition, the state stays
    payload: type[Input] | None = None
    guards: Sequence[Step] = ()
    effects: Sequence[Step] = ()


@dataclass(frozen=True)
class Workflow:
    name: str
    states: Sequence[str]
    initial: str
    open_states: Sequence[str]
    # What logging a new report does (grading, first deadlines), before any action.
    intake: Step
    transitions: Sequence[Transition]
    # Who may take an action at the incident's level, for refusals (R8: name who may act).
    who_may: Callable[[ActionContext], str | None] | None = None


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
            model=None, states=list(workflow.states), initial=None, auto_transitions=False,
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

        return {"trigger": t.action, "source": list(t.sources),
                "dest": t.dest if t.dest is not None else None,
                "conditions": [guard], "after": [effect]}

    @property
    def actions(self) -> list[str]:
        return list(self.machine.events)

    def available(self, state: str) -> list[str]:
        return list(self.machine.get_triggers(state))

    def fire(self, ctx: ActionContext) -> None:
        event = self.machine.events.get(ctx.action)
        if event is None:
            raise InvalidInput(f"action: unknown action '{ctx.action}' "
                               f"(known: {', '.join(self.actions)})")
        try:
            event.trigger(ctx.record, ctx=ctx)
        except MachineError as exc:
            possible = ", ".join(self.available(ctx.record.state)) or "none"
            who = self.workflow.who_may(ctx) if self.workflow.who_may else None
            raise InvalidState(
                f"'{ctx.action}' is not possible while the incident is "
                f"'{ctx.record.state}' (possible now: {possible})"
                + (f"; '{ctx.action}' is for {who}" if who else "")) from exc
