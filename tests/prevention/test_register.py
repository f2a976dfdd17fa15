"""The danger-house register (§3.2, SPEC R12): validation, the street office's notice, and the
Excel round trip, where a file with bad rows is reported whole and imports nothing."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from engine.errors import InvalidInput
from engine.models import Delivery
from engine.plan import Plan
from workflows.housing_safety.prevention import check_house
from workflows.housing_safety.prevention_config import prevention
from workflows.housing_safety.prevention_service import InvalidRows, PreventionService

TODAY = date(2026, 3, 2)


def test_every_problem_of_a_record_is_named(plan: Plan, house: dict[str, Any]) -> None:
    bad = {
        **house,
        "street": "nowhere",
        "grade": "E",
        "floors": "three",
        "responsible_phone": "call me",
        "appraised_on": "2026-03-03",
    }
    values, problems = check_house(plan, prevention(plan), bad, TODAY)
    assert values is None
    # Type errors come first: the code checks run once the types are right.
    assert {p.field for p in problems} == {"floors", "responsible_phone"}
    bad["floors"], bad["responsible_phone"] = 3, "027-8888 1234"
    values, problems = check_house(plan, prevention(plan), bad, TODAY)
    assert {p.field: p.reason.split(" ")[0] for p in problems} == {
        "street": "unknown",
        "grade": "unknown",
        "appraised_on": "is",
    }


def test_names_are_read_as_codes_and_a_grade_needs_its_appraisal(plan: Plan) -> None:
    values, problems = check_house(
        plan,
        prevention(plan),
        {
            "address": "示例路2号",
            "street": "晴川街",
            "grade": "C级",
            "disposition": "观察使用",
            "appraisal_body": "示例鉴定所",
            "report_number": "R-2",
            "appraised_on": "2026-01-05",
        },
        TODAY,
    )
    assert problems == []
    assert values is not None
    assert (values["street"], values["grade"], values["disposition"]) == (
        "qingchuan",
        "C",
        "observe",
    )
    _, problems = check_house(
        plan, prevention(plan), {"address": "示例路3号", "street": "qingchuan", "grade": "D"}, TODAY
    )
    assert sorted(p.field for p in problems) == ["appraisal_body", "appraised_on", "report_number"]


def test_registering_notifies_the_street_office(
    houses: PreventionService, house: dict[str, Any]
) -> None:
    registered = houses.register(house, "district_housing_bureau")
    assert registered["grade"] == "D" and registered["area_m2"] == 186.5
    # Registered 2026-03-02 09:00; a D house is patrolled within 7 days (local policy).
    assert registered["patrol_due_at"] == "2026-03-09T09:00:00+08:00"
    with houses.incidents.reading() as session:
        rows = list(
            session.execute(
                sa.select(
                    Delivery.recipient, Delivery.incident_id, Delivery.about, Delivery.subject
                )
            )
        )
    assert rows and {r.recipient for r in rows} == {"street_office"}
    assert all(r.incident_id is None and r.about == f"house:{registered['id']}" for r in rows)
    assert "鹦鹉街" in rows[0].subject and "示例路1号" in rows[0].subject
    assert [e["kind"] for e in registered["events"]] == ["registered", "message"]


def test_a_refused_record_writes_nothing(houses: PreventionService, house: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="street: unknown street"):
        houses.register({**house, "street": "nowhere"}, "district_housing_bureau")
    assert houses.list_houses() == []


def _sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEAD = [
    "地址",
    "街道",
    "房屋安全责任人",
    "责任人电话",
    "层数",
    "鉴定等级",
    "鉴定单位",
    "鉴定报告编号",
    "鉴定日期",
    "处理建议",
]


def test_a_file_with_bad_rows_reports_each_and_imports_nothing(houses: PreventionService) -> None:
    content = _sheet(
        [
            HEAD,
            [
                "示例路1号",
                "鹦鹉街",
                "张示例",
                13800000001,
                3,
                "C级",
                "示例鉴定所",
                "R1",
                date(2026, 1, 2),
                "观察使用",
            ],
            [
                "示例路2号",
                "火星街",
                "李示例",
                13800000002,
                2,
                "D级",
                "示例鉴定所",
                "R2",
                date(2026, 1, 3),
                "整体拆除",
            ],
            [None, "晴川街", "王示例", "not a phone", 2, None, None, None, None, None],
            ["示例路4号", "晴川街", "赵示例", 13800000004, "二", "E级", None, None, None, None],
        ]
    )
    with pytest.raises(InvalidRows) as caught:
        houses.import_xlsx(content, "district_housing_bureau")
    got = {(p["row"], p["column"]) for p in caught.value.problems}
    assert got == {(3, "街道"), (4, "地址"), (4, "责任人电话"), (5, "层数")}
    assert houses.list_houses() == []
    # Fixed, the same file imports whole.
    fixed = _sheet(
        [
            HEAD,
            [
                "示例路1号",
                "鹦鹉街",
                "张示例",
                13800000001,
                3,
                "C级",
                "示例鉴定所",
                "R1",
                date(2026, 1, 2),
                "观察使用",
            ],
            [
                "示例路2号",
                "晴川街",
                "李示例",
                13800000002,
                2,
                "D级",
                "示例鉴定所",
                "R2",
                date(2026, 1, 3),
                "整体拆除",
            ],
        ]
    )
    assert len(houses.import_xlsx(fixed, "district_housing_bureau")) == 2
    listed = houses.list_houses()
    assert [
        (h["street"], h["grade"], h["disposition"], h["responsible_phone"]) for h in listed
    ] == [("qingchuan", "D", "demolish", "13800000002"), ("yingwu", "C", "observe", "13800000001")]


def test_unknown_headings_and_a_file_that_is_not_excel(houses: PreventionService) -> None:
    with pytest.raises(InvalidRows) as caught:
        houses.import_xlsx(
            _sheet([["地址", "颜色"], ["示例路1号", "红"]]), "district_housing_bureau"
        )
    assert {(p["row"], p["column"], p["reason"]) for p in caught.value.problems} == {
        (1, "颜色", "unknown column heading"),
        (1, "街道", "column missing"),
    }
    with pytest.raises(InvalidInput, match=r"not an Excel \.xlsx workbook"):
        houses.import_xlsx(b"address,street\n", "district_housing_bureau")


def test_export_then_import_round_trips(
    houses: PreventionService, house: dict[str, Any], tmp_path: Path
) -> None:
    houses.register(house, "district_housing_bureau")
    houses.register(
        {
            **house,
            "address": "示例路9号",
            "street": "sixin",
            "grade": None,
            "appraisal_body": None,
            "report_number": None,
            "appraised_on": None,
            "disposition": None,
            "owner_phone": "027-8455 0000",
        },
        "district_housing_bureau",
    )
    exported = houses.export_xlsx()
    sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
    assert sheet.cell(1, 2).value == "地址"
    assert {sheet.cell(r, 3).value for r in (2, 3)} == {"鹦鹉街", "四新街"}
    before = [
        {k: v for k, v in h.items() if k not in ("id", "registered_at")}
        for h in houses.list_houses()
    ]
    again = PreventionService(houses.incidents)
    with houses.incidents.transaction() as session:
        session.execute(sa.text("DELETE FROM delivery"))
        for table in ("house_event", "subject_deadline", "house"):
            session.execute(sa.text(f"DELETE FROM {table}"))
    assert len(again.import_xlsx(exported, "district_housing_bureau")) == 2
    after = [
        {k: v for k, v in h.items() if k not in ("id", "registered_at")}
        for h in again.list_houses()
    ]
    assert after == before


def test_cli_import_prints_each_problem_then_the_error(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(
        _sheet(
            [HEAD, ["示例路1号", "火星街", "张示例", 13800000001, 3, None, None, None, None, None]]
        )
    )
    code, out, err = cli("house", "import", str(path))
    assert code == 2 and out is None
    assert cli.error(err)["error"] == "invalid_input"
    assert '"row": 2, "column": "街道"' in err
    code, listed, _ = cli("house", "list")
    assert code == 0 and listed == []
