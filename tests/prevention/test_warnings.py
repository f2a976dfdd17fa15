"""Warnings (§3.5, SPEC R12): a CAP 1.2 message with two streets creates an inspection task for
exactly the registered C/D houses there; malformed or hostile XML is refused with a clear error
and nothing created; evacuations are held to a shelter's capacity."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from engine.clock import ManualClock
from engine.errors import Conflict, InvalidInput
from workflows.housing_safety.prevention_service import PreventionService
from workflows.housing_safety.warnings_service import WarningService

CAP_MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>42010500000000-20260302-0001</identifier>
  <sender>汉阳区气象台（示例）</sender>
  <sent>2026-03-02T08:30:00+08:00</sent>
  <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info>
    <language>zh-CN</language><category>Met</category>
    <event>暴雨</event><urgency>Expected</urgency><severity>Severe</severity>
    <certainty>Likely</certainty>
    <onset>2026-03-02T10:00:00+08:00</onset><expires>2026-03-03T10:00:00+08:00</expires>
    <headline>汉阳区气象台发布暴雨橙色预警信号（示例）</headline>
    <area><areaDesc>汉阳区鹦鹉街</areaDesc></area>
    <area><areaDesc>汉阳区晴川街</areaDesc></area>
  </info>
</alert>"""


def _house(street: str, grade: str | None, n: int) -> dict[str, Any]:
    graded = (
        {"appraisal_body": "示例鉴定所", "report_number": f"R-{n}", "appraised_on": "2026-02-01"}
        if grade
        else {}
    )
    return {"address": f"示例路{n}号", "street": street, "grade": grade, **graded}


@pytest.fixture
def register(houses: PreventionService) -> dict[str, int]:
    """C and D houses in the two streets and in a third; an A and an ungraded one in the two."""
    ids = {}
    for n, (street, grade) in enumerate(
        [
            ("yingwu", "C"),
            ("yingwu", "D"),
            ("yingwu", "A"),
            ("qingchuan", "D"),
            ("qingchuan", None),
            ("sixin", "D"),
        ],
        start=1,
    ):
        ids[f"{street}-{grade}"] = houses.register(
            _house(street, grade, n), "district_housing_bureau"
        )["id"]
    return ids


def _counts(warnings: WarningService) -> tuple[int, int, int]:
    with warnings.incidents.reading() as session:
        return tuple(
            session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("hazard_warning", "inspection_task", "subject_deadline")
        )


def test_a_cap_message_with_two_streets_tasks_exactly_their_c_d_houses(
    houses: PreventionService, register: dict[str, int], clock: ManualClock
) -> None:
    warnings = WarningService(houses.incidents)
    warning = warnings.import_cap(CAP_MESSAGE.encode(), "district_housing_bureau")
    assert (warning["kind"], warning["colour"], warning["streets"]) == (
        "rain",
        "orange",
        ["yingwu", "qingchuan"],
    )
    assert sorted(t["house_id"] for t in warning["tasks"]) == sorted(
        [register["yingwu-C"], register["yingwu-D"], register["qingchuan-D"]]
    )
    # Orange: inspected within 6 hours of 09:00 (local policy).
    assert {t["due_at"] for t in warning["tasks"]} == {"2026-03-02T15:00:00+08:00"}
    with pytest.raises(Conflict, match="already imported"):
        warnings.import_cap(CAP_MESSAGE.encode(), "district_housing_bureau")
    task = warning["tasks"][0]["id"]
    done = warnings.record_inspection(
        task, {"inspector": "示例排查员", "result": "无明显变化"}, "district_housing_bureau"
    )
    assert [t["done_at"] is not None for t in done["tasks"]].count(True) == 1
    clock.advance(hours=6)  # 15:00: the two not done are overdue, the done one owes nothing
    fired = [a for a in houses.incidents.tick() if a.deadline == "inspection"]
    assert sorted(a.subject for a in fired) == sorted(
        f"inspection:{t['id']}" for t in warning["tasks"] if t["id"] != task
    )
    assert {(a.kind, a.step) for a in fired} == {("overdue", 1)}


HOSTILE = {
    "billion laughs": """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>""",
    "external entity": """<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>""",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_refused_and_creates_nothing(
    houses: PreventionService, register: dict[str, int], name: str
) -> None:
    warnings = WarningService(houses.incidents)
    before = _counts(warnings)
    with pytest.raises(InvalidInput, match="refused, the message declares a DTD"):
        warnings.import_cap(HOSTILE[name].encode(), "district_housing_bureau")
    assert _counts(warnings) == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("<alert", "not well-formed XML"),
        ("<feed xmlns='http://www.w3.org/2005/Atom'/>", "not a CAP 1.2 <alert>"),
        (
            CAP_MESSAGE.replace("<expires>2026-03-03T10:00:00+08:00</expires>", ""),
            "<expires> is missing",
        ),
        (CAP_MESSAGE.replace("汉阳区晴川街", "武昌区某街"), "names no street of 汉阳区"),
        (
            CAP_MESSAGE.replace("<event>暴雨</event>", "<event>高温</event>").replace(
                "暴雨橙色", "高温"
            ),
            "not a warning the plan covers",
        ),
    ],
)
def test_malformed_messages_are_refused_naming_the_element(
    houses: PreventionService, register: dict[str, int], content: str, reason: str
) -> None:
    warnings = WarningService(houses.incidents)
    before = _counts(warnings)
    with pytest.raises(InvalidInput, match=reason):
        warnings.import_cap(content.encode(), "district_housing_bureau")
    assert _counts(warnings) == before


def test_a_warning_by_hand_and_evacuations_within_capacity(
    houses: PreventionService, register: dict[str, int]
) -> None:
    warnings = WarningService(houses.incidents)
    warning = warnings.record_warning(
        {
            "kind": "geological",
            "colour": "red",
            "streets": ["sixin"],
            "starts_at": "2026-03-02T09:00:00+08:00",
            "ends_at": "2026-03-02T21:00:00+08:00",
        },
        "district_housing_bureau",
    )
    assert [t["house_id"] for t in warning["tasks"]] == [register["sixin-D"]]
    assert warning["tasks"][0]["due_at"] == "2026-03-02T11:00:00+08:00"  # red: 2 hours
    shelter = warnings.add_shelter(
        {
            "name": "示例体育馆",
            "street": "sixin",
            "kind": "gymnasium",
            "address": "示例大道1号",
            "capacity": 50,
        },
        "district_housing_bureau",
    )
    moved = warnings.evacuate(
        {
            "shelter_id": shelter["id"],
            "people": 30,
            "house_id": register["sixin-D"],
            "warning_id": warning["id"],
        },
        "district_housing_bureau",
    )
    assert (moved["occupied"], moved["room"]) == (30, 20)
    with pytest.raises(InvalidInput, match="has room for 20 more"):
        warnings.evacuate({"shelter_id": shelter["id"], "people": 21}, "district_housing_bureau")
    assert warnings.list_shelters()[0]["occupied"] == 30
    assert warnings.end_evacuation(shelter["id"], "district_housing_bureau")["occupied"] == 0
    with pytest.raises(InvalidInput, match="ends_at: must be later"):
        warnings.record_warning(
            {
                "kind": "wind",
                "colour": "blue",
                "streets": ["sixin"],
                "starts_at": "2026-03-02T09:00:00+08:00",
                "ends_at": "2026-03-02T09:00:00+08:00",
            },
            "district_housing_bureau",
        )


def test_cli_refuses_hostile_xml_with_one_json_error(cli: Any, tmp_path: Any) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text(HOSTILE["billion laughs"], encoding="utf-8")
    code, out, err = cli("warning", "import", str(path))
    assert code == 2 and out is None
    error = cli.error(err)
    assert error["error"] == "invalid_input" and "DTD" in error["message"]
    code, listed, _ = cli("warning", "list")
    assert code == 0 and listed == []
