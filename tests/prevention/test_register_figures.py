"""R14 for the register (§3.2): patrol compliance and the register by grade and street, on a
hand-built record (pure) and on a register kept through the service (figures worked out by
hand in the comments)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine import deadlines as dl
from engine.clock import ManualClock
from workflows.housing_safety.figures import Period
from workflows.housing_safety.figures_record import ask
from workflows.housing_safety.figures_register import HouseFact, PatrolFact, register_figures
from workflows.housing_safety.prevention_service import PreventionService

Z = ZoneInfo("Asia/Shanghai")
MARCH = Period(datetime(2026, 3, 1, tzinfo=Z), datetime(2026, 4, 1, tzinfo=Z), Z)


def patrol(house: int, street: str, due: datetime, met: datetime | None) -> PatrolFact:
    return PatrolFact(
        house,
        street,
        dl.Deadline(
            code="patrol",
            started_at=due - timedelta(days=7),
            due_at=due,
            recipients=(),
            reported={},
            met_at=met,
            stopped_at=None,
            occasion=1,
        ),
    )


def test_patrols_and_grades_on_plain_data() -> None:
    day = datetime(2026, 3, 10, 9, tzinfo=Z)
    houses = [
        HouseFact(1, "yingwu", "D"),
        HouseFact(2, "yingwu", "C"),
        HouseFact(3, "qingchuan", "D"),
        HouseFact(4, "qingchuan", None),
    ]
    patrols = [
        patrol(1, "yingwu", day, day - timedelta(hours=1)),  # on time
        patrol(2, "yingwu", day, day + timedelta(minutes=90)),  # 90 minutes late
        patrol(3, "qingchuan", day, None),  # missed: 20 days over at 03-30 09:00
        patrol(4, "qingchuan", day + timedelta(days=30), None),  # due in April: not counted
    ]
    as_of = datetime(2026, 3, 30, 9, tzinfo=Z)
    got = register_figures(
        houses, patrols, MARCH, as_of, grades=["A", "B", "C", "D"], streets=["qingchuan", "yingwu"]
    )
    assert (
        got.patrols.counts["on_time"],
        got.patrols.counts["late"],
        got.patrols.counts["missed"],
        got.patrols.total,
    ) == (1, 1, 1, 3)
    assert got.patrols.on_time_share == round(1 / 3, 4)
    assert got.late.median == 90.0 and got.missed.median == 20 * 24 * 60.0
    assert [(c.key, c.ids) for c in got.by_grade] == [
        ("A", ()),
        ("B", ()),
        ("C", (2,)),
        ("D", (1, 3)),
        ("ungraded", (4,)),
    ]
    assert [(c.key, c.ids) for c in got.by_street] == [("qingchuan", (3, 4)), ("yingwu", (1, 2))]
    one_street = Period(MARCH.start, MARCH.end, Z, street="yingwu")
    only = register_figures(
        houses, patrols, one_street, as_of, grades=["C", "D"], streets=["qingchuan", "yingwu"]
    )
    assert only.patrols.total == 2 and [c.ids for c in only.by_grade] == [(2,), (1,), ()]


def test_the_figures_of_a_register_kept_through_the_service(
    houses: PreventionService, house: dict[str, Any], clock: ManualClock
) -> None:
    """Registered 03-02 09:00: D houses are patrolled within 7 days (due 03-09), C within 30
    (due 04-01, outside March). House 1 is patrolled on 03-07 (on time; its next patrol is due
    03-14 and is missed); house 2 is never patrolled (missed 03-09). At 03-20: in March, 1 on
    time and 2 missed; the register holds C 1, D 2."""
    first = houses.register(house, "district_housing_bureau")["id"]
    second = houses.register({**house, "address": "示例路2号"}, "district_housing_bureau")["id"]
    third = houses.register(
        {**house, "address": "示例路3号", "grade": "C"}, "district_housing_bureau"
    )["id"]
    clock.set(datetime(2026, 3, 7, 9, tzinfo=Z))
    houses.record_patrol(
        first, {"patroller": "示例巡查员", "findings": "无变化"}, "district_housing_bureau"
    )
    clock.set(datetime(2026, 3, 20, 9, tzinfo=Z))
    service = houses.incidents
    _, data = ask(service.db, service.plan, service.now(), "2026-03-01", "2026-03-31", None, None)
    patrols = data["register"]["patrols"]
    assert (patrols["on_time"], patrols["late"], patrols["missed"]) == (1, 0, 2)
    assert sorted(patrols["ids"]["missed"]) == sorted([first, second])
    grades = {g["key"]: (g["houses"], g["ids"]) for g in data["register"]["by_grade"]}
    assert grades["C"] == (1, [third]) and grades["D"] == (2, sorted([first, second]))
    elsewhere = ask(
        service.db, service.plan, service.now(), "2026-03-01", "2026-03-31", "qingchuan", None
    )[1]["register"]
    assert elsewhere["patrols"]["total"] == 0 and all(
        g["houses"] == 0 for g in elsewhere["by_grade"]
    )
