"""Which public buildings' §3.3 checks are overdue: the plan says 定期 without an interval, so
the interval is the configuration's (local policy). The rule is pure over plain rows; the
service, the CLI and the API read it."""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows.housing_safety.public_buildings import building_status

TODAY = date(2026, 3, 2)


def check(building: str, on: date, **more: Any) -> dict[str, Any]:
    return {
        "department": "district_education_bureau",
        "building": building,
        "address": "示例路8号",
        "street": "longyang",
        "checked_on": on,
    } | more


def test_the_last_check_counts_and_the_overdue_come_first() -> None:
    found = building_status(
        [
            check("示例小学", date(2024, 12, 1)),
            check("示例小学", date(2025, 6, 1)),  # the last one: due 2026-06-01
            check("示例中学", date(2025, 1, 1)),  # due 2026-01-01: 60 days late
            check("示例幼儿园", date(2025, 2, 1)),  # due 2026-02-01: 29 days late
        ],
        TODAY,
        365,
    )
    assert [(b.building, b.overdue, b.days_overdue) for b in found] == [
        ("示例中学", True, 60),
        ("示例幼儿园", True, 29),
        ("示例小学", False, 0),
    ]
    school = found[-1]
    assert (school.last_checked_on, school.due_on, school.checks) == (
        date(2025, 6, 1),
        date(2026, 6, 1),
        2,
    )


def test_due_today_is_not_yet_overdue_and_the_interval_is_the_configuration_s() -> None:
    rows = [check("示例小学", date(2025, 3, 2))]
    assert building_status(rows, TODAY, 365)[0].overdue is False
    assert building_status(rows, date(2026, 3, 3), 365)[0].days_overdue == 1
    assert building_status(rows, TODAY, 180)[0].days_overdue == 185


def test_one_building_is_its_department_s_by_name_and_address() -> None:
    found = building_status(
        [
            check("示例 小学", date(2025, 1, 1)),
            check("示例  小学", date(2025, 12, 1)),  # the same building, spaced otherwise
            check("示例小学", date(2025, 1, 1), department="district_health_commission"),
            check("示例小学", date(2025, 1, 1), address="示例路9号"),
        ],
        TODAY,
        365,
    )
    assert len(found) == 3
    assert building_status([], TODAY, 365) == []


def test_the_list_in_the_api_and_the_cli(cli_main: Any) -> None:
    for name, on in (("示例中学", "2025-01-01"), ("示例小学", "2025-12-01")):
        code, _, err = cli_main(
            "check",
            "record",
            "--actor",
            "district_education_bureau",
            stdin={
                "department": "district_education_bureau",
                "building": name,
                "address": "示例路8号",
                "street": "longyang",
                "checked_on": on,
                "findings": "未见异常",
            },
        )
        assert code == 0, err
    code, listed, _ = cli_main("check", "buildings", "--overdue")
    assert code == 0 and listed["overdue"] == 1 and listed["local_policy"] is True
    assert [(b["building"], b["due_on"]) for b in listed["buildings"]] == [
        ("示例中学", "2026-01-01")
    ]
    code, _, err = cli_main("check", "buildings", "--department", "nobody")
    assert code == 2 and cli_main.error(err)["message"].startswith("department: must be one of")
