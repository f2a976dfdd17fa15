"""R3 deadline arithmetic (engine.deadlines) and R4 alert coalescing (engine.escalation.due_alert).

Pure functions: plain datetimes, no database, no sleeping.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from engine import deadlines as dl
from engine.escalation import AlertPolicy, due_alert
from engine.plan import Plan

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Wuhan
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def initial(plan: Plan) -> dl.Deadline:
    """§4.2: within 1 hour of discovery, to both 市房管局 and 区房管局."""
    return dl.start(plan.deadlines["initial_report"], "initial_report", START)


@pytest.fixture
def government(plan: Plan) -> dl.Deadline:
    """§4.2: within 30 minutes of on-site verification, to 区人民政府."""
    return dl.start(plan.deadlines["government_report"], "government_report", START)


def test_due_instants_follow_the_plan(initial: dl.Deadline, government: dl.Deadline) -> None:
    assert initial.due_at == START + timedelta(hours=1)
    assert set(initial.recipients) == {"city_housing_bureau", "district_housing_bureau"}
    assert government.due_at == START + timedelta(minutes=30)
    assert government.recipients == ("district_government",)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-30 * MINUTE, "met"),
        (-SECOND, "met"),
        (timedelta(0), "met"),  # within is inclusive
        (SECOND, "met_late"),
        (2 * MINUTE, "met_late"),
    ],
)
def test_within_is_inclusive(government: dl.Deadline, offset: timedelta, expected: str) -> None:
    at = government.due_at + offset
    met = dl.record_report(government, "district_government", at)
    assert met.met_at == at
    # the status of a met deadline does not change with time
    for now in (at, at + timedelta(days=3)):
        assert dl.status(met, now) == expected


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-MINUTE, "pending"),
        (timedelta(0), "pending"),
        (SECOND, "overdue"),
        (timedelta(hours=5), "overdue"),
    ],
)
def test_overdue_only_after_due_passed(
    government: dl.Deadline, offset: timedelta, expected: str
) -> None:
    assert dl.status(government, government.due_at + offset) == expected


def test_initial_report_needs_both_recipients(initial: dl.Deadline) -> None:
    city_at = START + 10 * MINUTE
    half = dl.record_report(initial, "city_housing_bureau", city_at)
    assert half.met_at is None and half.open
    assert half.waiting_on() == ("district_housing_bureau",)
    assert dl.status(half, initial.due_at) == "pending"
    assert dl.status(half, initial.due_at + SECOND) == "overdue"
    # a second report to the same recipient changes nothing
    assert dl.record_report(half, "city_housing_bureau", city_at + MINUTE) == half
    district_at = START + 40 * MINUTE
    both = dl.record_report(half, "district_housing_bureau", district_at)
    assert both.met_at == district_at  # met when the last of the two was made
    assert dl.status(both, START + timedelta(days=1)) == "met"


def test_initial_report_met_late_when_the_second_half_is_late(initial: dl.Deadline) -> None:
    early = dl.record_report(initial, "district_housing_bureau", START + MINUTE)
    late = dl.record_report(early, "city_housing_bureau", initial.due_at + SECOND)
    assert dl.status(late, late.due_at + timedelta(hours=1)) == "met_late"


def test_report_to_someone_else_does_not_meet_it(government: dl.Deadline) -> None:
    after = dl.record_report(government, "city_hq", START)
    assert after.met_at is None and after.reported == {}


def test_report_after_met_or_stopped_changes_nothing(government: dl.Deadline) -> None:
    met = dl.record_report(government, "district_government", START + MINUTE)
    assert dl.record_report(met, "district_government", START + 2 * MINUTE) == met
    stopped = replace(government, stopped_at=START + MINUTE)
    assert dl.record_report(stopped, "district_government", START + 2 * MINUTE) == stopped


@pytest.mark.parametrize(
    ("stopped_offset", "expected"),
    [
        (-MINUTE, "pending"),
        (timedelta(0), "pending"),
        (SECOND, "overdue"),
        (timedelta(hours=2), "overdue"),
    ],
)
def test_stopped_deadline_is_judged_at_stop_time(
    government: dl.Deadline, stopped_offset: timedelta, expected: str
) -> None:
    stopped = replace(government, stopped_at=government.due_at + stopped_offset)
    assert not stopped.open
    # however long after the stop we look
    for later in (timedelta(0), timedelta(hours=3), timedelta(days=30)):
        assert dl.status(stopped, stopped.stopped_at + later) == expected


def test_lateness(government: dl.Deadline) -> None:
    assert dl.lateness(government, government.due_at) is None
    assert dl.lateness(government, government.due_at + 7 * MINUTE) == 7 * MINUTE
    late = dl.record_report(government, "district_government", government.due_at + 3 * MINUTE)
    assert dl.lateness(late, government.due_at + timedelta(hours=9)) == 3 * MINUTE
    stopped = replace(government, stopped_at=government.due_at + 4 * MINUTE)
    assert dl.lateness(stopped, government.due_at + timedelta(hours=9)) == 4 * MINUTE


# -- escalation alerts (R4): defaults 15 and 5 min before, overdue steps every 10 min -----------

CHAIN = ("duty_leader", "office_director", "deputy_commander", "commander")
POLICY = AlertPolicy(
    reminder_minutes_before=(5, 15),
    overdue_interval_minutes=10,
    responsible="district_housing_bureau",
    chain=CHAIN,
)
RESPONSIBLE = POLICY.responsible


@pytest.fixture
def deadline(government: dl.Deadline) -> dl.Deadline:
    return government  # due at START + 30 min


@pytest.mark.parametrize(
    ("before_due", "fired", "expected"),
    [
        # (minutes before due, already fired, (kind, step, at minutes before due) or None)
        (20, set(), None),
        (15, set(), ("reminder", 1, 15)),
        (10, set(), ("reminder", 1, 15)),
        (10, {("reminder", 1)}, None),
        (5, {("reminder", 1)}, ("reminder", 2, 5)),
        (5, set(), ("reminder", 2, 5)),  # catch-up: only the latest missed reminder
        (1, set(), ("reminder", 2, 5)),
        (1, {("reminder", 2)}, None),  # never twice, and never an earlier one after it
        (1, {("reminder", 1), ("reminder", 2)}, None),
    ],
)
def test_reminders(deadline: dl.Deadline, before_due: int, fired: set, expected) -> None:
    alert = due_alert(deadline, POLICY, deadline.due_at - before_due * MINUTE, fired)
    if expected is None:
        assert alert is None
        return
    kind, step, at = expected
    assert alert is not None
    assert (alert.kind, alert.step, alert.at) == (kind, step, deadline.due_at - at * MINUTE)
    assert alert.recipients == (RESPONSIBLE,)
    assert alert.deadline == deadline.code


@pytest.mark.parametrize(
    ("after_due", "fired", "step", "recipients"),
    [
        # at the due instant: the first overdue alert, to the responsible party and chain[0];
        # the reminders missed are not sent any more
        (timedelta(0), set(), 1, (RESPONSIBLE, CHAIN[0])),
        (timedelta(0), {("reminder", 1)}, 1, (RESPONSIBLE, CHAIN[0])),
        (9 * MINUTE, set(), 1, (RESPONSIBLE, CHAIN[0])),
        # catch-up: one alert, at the step reached (not every step missed)
        (25 * MINUTE, set(), 3, (RESPONSIBLE, CHAIN[2])),
        (10 * MINUTE, {("overdue", 1)}, 2, (CHAIN[1],)),
        (30 * MINUTE, {("overdue", 1)}, 4, (CHAIN[3],)),
        # past the chain's length: its last entry
        (40 * MINUTE, {("overdue", 4)}, 5, (CHAIN[3],)),
        (timedelta(hours=10), {("overdue", 4)}, 61, (CHAIN[3],)),
    ],
)
def test_overdue_alerts(
    deadline: dl.Deadline, after_due: timedelta, fired: set, step: int, recipients: tuple[str, ...]
) -> None:
    alert = due_alert(deadline, POLICY, deadline.due_at + after_due, fired)
    assert alert is not None
    assert alert.kind == "overdue"
    assert alert.step == step
    assert alert.at == deadline.due_at + (step - 1) * 10 * MINUTE
    assert alert.recipients == recipients


@pytest.mark.parametrize(
    ("after_due", "fired"),
    [
        (timedelta(0), {("overdue", 1)}),
        (9 * MINUTE, {("overdue", 1)}),
        (25 * MINUTE, {("overdue", 3)}),
        (15 * MINUTE, {("overdue", 3)}),  # a later step was already sent: nothing earlier again
    ],
)
def test_overdue_never_repeated(deadline: dl.Deadline, after_due: timedelta, fired: set) -> None:
    assert due_alert(deadline, POLICY, deadline.due_at + after_due, fired) is None


def test_catch_up_then_tick_again_fires_nothing(deadline: dl.Deadline) -> None:
    """Replaying the alerts a scheduler would fire, minute by minute, sends each once."""
    fired: set[tuple[str, int]] = set()
    sent = []
    now = deadline.due_at - 20 * MINUTE
    while now <= deadline.due_at + 45 * MINUTE:
        for _ in range(2):  # a second tick at the same instant fires nothing
            alert = due_alert(deadline, POLICY, now, fired)
            if alert is not None:
                fired.add((alert.kind, alert.step))
                sent.append((alert.kind, alert.step, alert.at))
        now += MINUTE
    due = deadline.due_at
    assert sent == [
        ("reminder", 1, due - 15 * MINUTE),
        ("reminder", 2, due - 5 * MINUTE),
        ("overdue", 1, due),
        ("overdue", 2, due + 10 * MINUTE),
        ("overdue", 3, due + 20 * MINUTE),
        ("overdue", 4, due + 30 * MINUTE),
        ("overdue", 5, due + 40 * MINUTE),
    ]


@pytest.mark.parametrize("offset", [-10 * MINUTE, timedelta(0), timedelta(hours=1)])
def test_no_alert_once_met_or_stopped(deadline: dl.Deadline, offset: timedelta) -> None:
    met = dl.record_report(deadline, "district_government", deadline.due_at - 20 * MINUTE)
    stopped = replace(deadline, stopped_at=deadline.due_at - 20 * MINUTE)
    for d in (met, stopped):
        assert due_alert(d, POLICY, deadline.due_at + offset, set()) is None


def _met_at(deadline: dl.Deadline, at: datetime) -> dl.Deadline:
    for recipient in deadline.recipients:
        deadline = dl.record_report(deadline, recipient, at)
    return deadline


@pytest.mark.parametrize(
    ("effective", "recorded", "alerted", "expected"),
    [
        # a backdated report recorded after the overdue alert went out: 补录
        (-10 * MINUTE, 20 * MINUTE, 0 * MINUTE, True),
        (0 * MINUTE, 20 * MINUTE, 15 * MINUTE, True),  # effective exactly at the due instant
        # recorded before the deadline passed: plainly on time, whatever happened later
        (-10 * MINUTE, -5 * MINUTE, None, False),
        (-10 * MINUTE, 0 * MINUTE, None, False),
        # recorded late but no overdue alert went out (e.g. the scheduler was down): not 补录
        (-10 * MINUTE, 20 * MINUTE, None, False),
        # an alert after the record cannot have been answered by it
        (-10 * MINUTE, 20 * MINUTE, 25 * MINUTE, False),
        # met late: the status already says so
        (5 * MINUTE, 20 * MINUTE, 0 * MINUTE, False),
    ],
)
def test_a_report_backdated_after_its_overdue_alert_is_backfilled(
    government: dl.Deadline,
    effective: timedelta,
    recorded: timedelta,
    alerted: timedelta | None,
    expected: bool,
) -> None:
    due = government.due_at
    met = _met_at(government, due + effective)
    assert dl.status(met, due + recorded) == ("met" if effective <= 0 * MINUTE else "met_late")
    assert (
        dl.backfilled(met, due + recorded, None if alerted is None else due + alerted) is expected
    )


def test_an_unmet_deadline_is_never_backfilled(government: dl.Deadline) -> None:
    due = government.due_at
    assert not dl.backfilled(government, None, due)
    assert not dl.backfilled(replace(government, stopped_at=due - MINUTE), due + MINUTE, due)
