"""The duty desk (SPEC R11, §3.5): the call log, the roster and handovers, through `DutyDesk`
over the real service and the injected clock. Every refusal leaves the database as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.errors import FanganError
from engine.service import IncidentService
from workflows.housing_safety.duty import DutyDesk, matches

CALL = {
    "caller_unit": "鹦鹉街道办事处",
    "caller_name": "张建国",
    "caller_position": "城管科长",
    "caller_phone": "027-84800000",
    "street": "yingwu",
    "place": "鹦鹉花园3栋",
    "content": "外墙出现贯通裂缝，居民担心倒塌",
    "recorder": "李值班",
    "instruction": "王局长：立即派员核实",
    "handling": "已通知房屋安全科",
}


@pytest.fixture
def desk(service: IncidentService) -> DutyDesk:
    return DutyDesk(service)


@pytest.fixture
def unchanged(
    service: IncidentService, db_digest: Callable[[str], str]
) -> Callable[..., FanganError]:
    """Run a call that must be refused; assert it raised and changed nothing; return the error."""
    url = service.db.url.render_as_string()

    def refused(call: Callable[[], Any]) -> FanganError:
        before = db_digest(url)
        with pytest.raises(FanganError) as caught:
            call()
        assert db_digest(url) == before
        return caught.value

    return refused


def test_a_call_is_logged_with_the_fields_of_the_duty_book(
    desk: DutyDesk, clock: ManualClock
) -> None:
    logged = desk.log_call({**CALL, "received_at": "2026-03-02T08:55:00+08:00"}, by="li")
    assert logged["status"] == "open" and logged["status_name"] == "待处理"
    assert logged["received_at"] == "2026-03-02T08:55:00+08:00"
    assert logged["created_at"] == clock().isoformat()
    assert {k: logged[k] for k in CALL} == CALL
    assert desk.call(logged["id"]) == logged


def test_received_at_defaults_to_the_clock(desk: DutyDesk, clock: ManualClock) -> None:
    assert desk.log_call(CALL, by="li")["received_at"] == "2026-03-02T09:00:00+08:00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"place": ""}, "place"),
        ({"content": "  "}, "content"),
        ({"recorder": None}, "recorder"),
        ({"street": "nowhere"}, "street"),
        ({"received_at": "2026-03-02T09:01:00+08:00"}, "received_at"),
        ({"caller_phone": "1" * 65}, "caller_phone"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_calls_are_refused_naming_the_field(
    desk: DutyDesk, unchanged: Any, change: dict[str, Any], field: str
) -> None:
    error = unchanged(lambda: desk.log_call({**CALL, **change}, by="li"))
    assert error.code == "invalid_input" and error.message.startswith(f"{field}:")


def test_search_is_free_text_over_caller_place_and_content(
    desk: DutyDesk, clock: ManualClock
) -> None:
    first = desk.log_call(CALL, by="li")
    clock.advance(minutes=10)
    second = desk.log_call(
        {
            **CALL,
            "caller_name": "刘芳",
            "caller_unit": "",
            "place": "琴断口路8号",
            "content": "楼梯间掉落墙皮",
            "street": "qinduankou",
            "caller_phone": "13900000000",
        },
        by="li",
    )
    assert [c["id"] for c in desk.calls()] == [second["id"], first["id"]]  # newest first
    assert [c["id"] for c in desk.calls("张建国")] == [first["id"]]
    assert [c["id"] for c in desk.calls("琴断口路 墙皮")] == [second["id"]]
    assert [c["id"] for c in desk.calls("84800000")] == [first["id"]]
    assert desk.calls("琴断口路 裂缝") == []  # every word must occur in the same call
    assert desk.calls("王局长") == []  # the instruction is not searched: only caller, place, text
    assert not matches({"place": "A"}, "b") and matches({"content": "Crack"}, "crack")


def test_a_call_opens_an_incident_prefilled_from_it(
    desk: DutyDesk, service: IncidentService, clock: ManualClock, unchanged: Any
) -> None:
    call = desk.log_call({**CALL, "received_at": "2026-03-02T08:50:00+08:00"}, by="li")
    clock.advance(minutes=5)
    incident = desk.open_incident(
        call["id"],
        {"condition": "hidden_danger", "discovered_at": "2026-03-02T08:40:00+08:00"},
        by="li",
    )
    assert incident["address"] == "鹦鹉花园3栋" and incident["street"] == "yingwu"
    assert incident["reported_at"] == "2026-03-02T08:50:00+08:00"
    assert incident["discovered_at"] == "2026-03-02T08:40:00+08:00"
    assert incident["reporter"] == "鹦鹉街道办事处 张建国 城管科长 027-84800000"
    assert (
        incident["description"] == f"值班电话记录第{call['id']}号：外墙出现贯通裂缝，居民担心倒塌"
    )
    # §4.2: one hour from discovery (08:40) for the initial report.
    [deadline] = incident["deadlines"]
    assert (
        deadline["code"] == "initial_report" and deadline["due_at"] == "2026-03-02T09:40:00+08:00"
    )
    settled = desk.call(call["id"])
    assert settled["status"] == "incident" and settled["incident_id"] == incident["id"]
    assert settled["settled_at"] == "2026-03-02T09:05:00+08:00" and settled["settled_by"] == "li"
    # Settled once: opening again, attaching or closing is refused and changes nothing.
    for again in (
        lambda: desk.open_incident(call["id"], {"condition": "hidden_danger"}, by="li"),
        lambda: desk.attach_call(call["id"], incident["id"], by="li"),
        lambda: desk.close_call(call["id"], "重复", by="li"),
    ):
        assert unchanged(again).code == "invalid_state"
    assert len(service.list_incidents()) == 1


def test_opening_needs_a_street_and_a_known_condition(desk: DutyDesk, unchanged: Any) -> None:
    call = desk.log_call({**CALL, "street": None}, by="li")
    error = unchanged(
        lambda: desk.open_incident(call["id"], {"condition": "hidden_danger"}, by="li")
    )
    assert error.message.startswith("street:")
    error = unchanged(lambda: desk.open_incident(call["id"], {"street": "yingwu"}, by="li"))
    assert error.message.startswith("condition:")
    error = unchanged(
        lambda: desk.open_incident(call["id"], {"condition": "nope", "street": "yingwu"}, by="li")
    )
    assert "condition" in error.message
    assert desk.call(call["id"])["status"] == "open"


def test_a_call_is_attached_to_an_open_incident(
    desk: DutyDesk, service: IncidentService, unchanged: Any
) -> None:
    incident = service.report(
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-02T08:30:00+08:00",
        }
    )
    call = desk.log_call(CALL, by="li")
    assert unchanged(lambda: desk.attach_call(call["id"], 999, by="li")).code == "not_found"
    attached = desk.attach_call(call["id"], incident["id"], by="zhao")
    assert (attached["status"], attached["incident_id"]) == ("attached", incident["id"])
    assert attached["status_name"] == "已并入事件"


def test_no_call_joins_a_closed_incident(
    desk: DutyDesk, service: IncidentService, unchanged: Any
) -> None:
    incident = service.report(
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-02T08:30:00+08:00",
        }
    )
    service.act(
        incident["id"], "dismiss", actor="district_housing_bureau", data={"reason": "现场无险情"}
    )
    call = desk.log_call(CALL, by="li")
    error = unchanged(lambda: desk.attach_call(call["id"], incident["id"], by="li"))
    assert error.code == "invalid_state" and error.message.startswith("incident:")


def test_a_call_is_closed_with_a_reason(desk: DutyDesk, unchanged: Any) -> None:
    call = desk.log_call(CALL, by="li")
    for reason in ("", "   ", None, "x" * 2001):
        assert unchanged(
            lambda r=reason: desk.close_call(call["id"], r, by="li")
        ).message.startswith("reason:")
    closed = desk.close_call(call["id"], " 咨询房屋鉴定流程，已解答 ", by="li")
    assert (closed["status"], closed["close_reason"]) == ("closed", "咨询房屋鉴定流程，已解答")
    assert [c["id"] for c in desk.calls(status="closed")] == [call["id"]]
    assert desk.calls(status="open") == []
    assert unchanged(lambda: desk.calls(status="done")).message.startswith("status:")
    assert unchanged(lambda: desk.close_call(12345, "x", by="li")).code == "not_found"


# -- roster and handover ---------------------------------------------------------------------

DAY = {
    "starts_at": "2026-03-02T08:00:00+08:00",
    "ends_at": "2026-03-02T16:00:00+08:00",
    "leader": "王副局长",
    "officers": ["wang"],
}
EVENING = {
    "starts_at": "2026-03-02T16:00:00+08:00",
    "ends_at": "2026-03-03T00:00:00+08:00",
    "leader": "陈副局长",
    "officers": ["zhao", "qian"],
}


@pytest.mark.parametrize(
    ("shift", "field"),
    [
        ({**DAY, "ends_at": DAY["starts_at"]}, "ends_at"),
        ({**DAY, "officers": []}, "officers"),
        ({**DAY, "officers": ["wang", "wang"]}, "officers"),
        ({**DAY, "leader": ""}, "leader"),
        (
            {
                **DAY,
                "starts_at": "2026-03-02T15:00:00+08:00",
                "ends_at": "2026-03-02T17:00:00+08:00",
            },
            "starts_at",
        ),
    ],
)
def test_bad_shifts_are_refused(
    desk: DutyDesk, unchanged: Any, shift: dict[str, Any], field: str
) -> None:
    if field == "starts_at":  # overlapping the day shift already on the roster
        desk.add_shift(DAY, by="admin")
    error = unchanged(lambda: desk.add_shift(shift, by="admin"))
    assert error.code == "invalid_input" and error.message.startswith(f"{field}:")


def test_the_sheet_lists_what_the_record_holds_open(
    desk: DutyDesk, service: IncidentService, clock: ManualClock
) -> None:
    day, evening = desk.add_shift(DAY, by="admin"), desk.add_shift(EVENING, by="admin")
    assert [s["id"] for s in desk.shifts()] == [day["id"], evening["id"]]
    # Incident A, discovered 08:30: its initial report is due 09:30. Activated (III): two
    # notices wait for acknowledgement and their messages wait in the outbox.
    a = service.report(
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-02T08:30:00+08:00",
        }
    )
    service.act(a["id"], "activate", actor="district_housing_bureau")
    clock.advance(hours=6)  # 15:00
    # Incident B, discovered 14:50: due 15:50, before the evening shift ends.
    b = service.report(
        {
            "address": "琴断口路8号",
            "street": "qinduankou",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-02T14:50:00+08:00",
        }
    )
    # Incident C was dismissed: nothing of it is handed over.
    c = service.report(
        {
            "address": "建桥路1号",
            "street": "jianqiao",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-02T14:55:00+08:00",
        }
    )
    service.act(c["id"], "dismiss", actor="district_housing_bureau", data={"reason": "不实"})
    waiting = desk.log_call(CALL, by="wang")
    desk.close_call(desk.log_call(CALL, by="wang")["id"], "重复来电", by="wang")
    clock.advance(minutes=55)  # 15:55
    sheet = desk.build_handover(day["id"], evening["id"], "A 楼已设警戒", by="wang")["sheet"]
    assert sheet["as_of"] == "2026-03-02T15:55:00+08:00"
    assert sheet["next_shift_ends"] == "2026-03-03T00:00:00+08:00"
    assert [i["incident_id"] for i in sheet["open_incidents"]] == [a["id"], b["id"]]
    assert [i["what"] for i in sheet["open_incidents"]] == ["应急响应中", "已接报，待核实"]
    assert [(d["incident_id"], d["when"]) for d in sheet["overdue"]] == [
        (a["id"], "2026-03-02T09:30:00+08:00"),
        (b["id"], "2026-03-02T15:50:00+08:00"),
    ]
    assert sheet["due_next_shift"] == []
    assert sheet["overdue"][0]["where"] == "鹦鹉街鹦鹉花园3栋"
    notices = [n for n in service.show(a["id"])["notices"] if n["status"] == "sent"]
    assert len(sheet["unacknowledged"]) == len(notices) == 2
    assert {d["incident_id"] for d in sheet["undelivered"]} == {a["id"]}
    assert [c["what"].split(" ")[0] for c in sheet["open_calls"]] == [f"第{waiting['id']}号"]


def test_a_deadline_due_before_the_next_shift_ends_is_listed(
    desk: DutyDesk, service: IncidentService, clock: ManualClock
) -> None:
    day, evening = desk.add_shift(DAY, by="admin"), desk.add_shift(EVENING, by="admin")
    clock.advance(hours=6, minutes=55)  # 15:55; discovered 15:40, due 16:40
    incident = service.report(
        {
            "address": "琴断口路8号",
            "street": "qinduankou",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-02T15:40:00+08:00",
        }
    )
    sheet = desk.build_handover(day["id"], evening["id"], "", by="wang")["sheet"]
    assert sheet["overdue"] == []
    assert [(d["incident_id"], d["what"], d["when"]) for d in sheet["due_next_shift"]] == [
        (incident["id"], "首次报告（市、区房管局）", "2026-03-02T16:40:00+08:00")
    ]


def test_the_sheet_stays_as_it_was_built(
    desk: DutyDesk, service: IncidentService, clock: ManualClock
) -> None:
    day, evening = desk.add_shift(DAY, by="admin"), desk.add_shift(EVENING, by="admin")
    call = desk.log_call(CALL, by="wang")
    built = desk.build_handover(day["id"], evening["id"], "交班说明", by="wang")
    clock.advance(minutes=5)
    desk.close_call(call["id"], "已核实无险情", by="wang")
    kept = desk.handover(built["id"])
    assert kept["sheet"] == built["sheet"] and len(kept["sheet"]["open_calls"]) == 1
    assert kept["note"] == "交班说明" and [h["id"] for h in desk.handovers()] == [built["id"]]


def test_a_handover_is_confirmed_by_the_outgoing_then_the_incoming_officer(
    desk: DutyDesk, clock: ManualClock, unchanged: Any
) -> None:
    day, evening = desk.add_shift(DAY, by="admin"), desk.add_shift(EVENING, by="admin")
    handover = desk.build_handover(day["id"], evening["id"], "", by="wang")["id"]
    # The incoming officer cannot confirm before the outgoing one has.
    assert (
        unchanged(lambda: desk.confirm_handover(handover, "incoming", "zhao")).code
        == "invalid_state"
    )
    # The wrong officer: one of the other shift, or nobody's.
    for side, officer in (("outgoing", "zhao"), ("outgoing", "mallory")):
        error = unchanged(lambda s=side, o=officer: desk.confirm_handover(handover, s, o))
        assert error.code == "forbidden" and error.message.startswith("officer:")
    assert unchanged(
        lambda: desk.confirm_handover(handover, "sideways", "wang")
    ).message.startswith("side:")
    clock.advance(minutes=1)
    out = desk.confirm_handover(handover, "outgoing", "wang")
    assert (out["outgoing_by"], out["outgoing_at"], out["complete"]) == (
        "wang",
        "2026-03-02T09:01:00+08:00",
        False,
    )
    assert (
        unchanged(lambda: desk.confirm_handover(handover, "outgoing", "wang")).code
        == "invalid_state"
    )
    assert (
        unchanged(lambda: desk.confirm_handover(handover, "incoming", "wang")).code == "forbidden"
    )
    clock.advance(minutes=2)
    done = desk.confirm_handover(handover, "incoming", "qian")
    assert (done["incoming_by"], done["incoming_at"], done["complete"]) == (
        "qian",
        "2026-03-02T09:03:00+08:00",
        True,
    )
    assert (
        unchanged(lambda: desk.confirm_handover(handover, "incoming", "zhao")).code
        == "invalid_state"
    )


def test_a_handover_goes_forward_between_known_shifts(desk: DutyDesk, unchanged: Any) -> None:
    day, evening = desk.add_shift(DAY, by="admin"), desk.add_shift(EVENING, by="admin")
    assert unchanged(
        lambda: desk.build_handover(evening["id"], day["id"], "", by="x")
    ).message.startswith("to_shift:")
    assert unchanged(lambda: desk.build_handover(day["id"], 77, "", by="x")).code == "not_found"
    assert unchanged(
        lambda: desk.build_handover(day["id"], evening["id"], 5, by="x")
    ).message.startswith("note:")
    assert unchanged(lambda: desk.handover(1)).code == "not_found"


def test_a_leaders_instruction_stays_on_the_sheet_until_it_is_carried_out(
    desk: DutyDesk, unchanged: Any
) -> None:
    day, evening = desk.add_shift(DAY, by="admin"), desk.add_shift(EVENING, by="admin")
    call = desk.log_call({**CALL, "handling": ""}, by="wang")  # 王局长：立即派员核实
    desk.close_call(call["id"], "转房屋安全科", by="wang")
    first = desk.build_handover(day["id"], evening["id"], "", by="wang")["sheet"]
    assert [p["what"] for p in first["instructions_pending"]] == [
        f"第{call['id']}号来电（鹦鹉花园3栋）：王局长：立即派员核实"
    ]
    assert first["open_calls"] == []  # closed, yet its instruction is still owed
    assert unchanged(lambda: desk.record_handling(call["id"], {})).message.startswith(
        "instruction:"
    )
    assert unchanged(
        lambda: desk.record_handling(call["id"], {"handling": "x" * 4001})
    ).message.startswith("handling:")
    done = desk.record_handling(call["id"], {"handling": "已派员核实，无险情"})
    assert (done["instruction"], done["handling"]) == ("王局长：立即派员核实", "已派员核实，无险情")
    later = desk.build_handover(day["id"], evening["id"], "", by="wang")["sheet"]
    assert later["instructions_pending"] == []


def test_the_sheet_prints_as_built_with_both_confirmations(
    desk: DutyDesk, service: IncidentService, clock: ManualClock, unchanged: Any
) -> None:
    import io

    import pdfplumber

    day, evening = desk.add_shift(DAY, by="admin"), desk.add_shift(EVENING, by="admin")
    service.report(
        {
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-02T08:30:00+08:00",
        }
    )
    handover = desk.build_handover(day["id"], evening["id"], "夜间注意3栋", by="wang")["id"]
    desk.confirm_handover(handover, "outgoing", "wang")
    clock.advance(minutes=3)
    desk.confirm_handover(handover, "incoming", "zhao")
    html = desk.handover_document(handover, "html").decode()
    assert "汉阳区房屋安全值班交接班单（第1号）" in html and "夜间注意3栋" in html
    with pdfplumber.open(io.BytesIO(desk.handover_document(handover, "pdf"))) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    text = text.replace(" ", "").replace("\n", "")  # a table cell may wrap
    assert "值班交接班单" in text
    assert "1．在办事件（1）" in text and "事件#1鹦鹉街鹦鹉花园3栋：已接报，待核实" in text
    assert "2026年03月02日09:30" in text  # the initial report, due 09:30 (discovered 08:30)
    assert "wang（2026年03月02日09:00）" in text and "zhao（2026年03月02日09:03）" in text
    assert unchanged(lambda: desk.handover_document(handover, "docx")).message.startswith("format:")


def test_opening_an_incident_from_a_call_is_one_transaction(
    desk: DutyDesk,
    service: IncidentService,
    db_digest: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second half (the call pointing to its incident) fails: the incident, its deadlines
    and its timeline are not written either, and the call stays open to be opened again."""
    call = desk.log_call(CALL, by="li")
    url = service.db.url.render_as_string()
    before = db_digest(url)

    def broken(*_: Any, **__: Any) -> dict[str, Any]:
        raise RuntimeError("the call log is broken")

    with monkeypatch.context() as patched:
        patched.setattr(DutyDesk, "_settle", broken)
        with pytest.raises(RuntimeError):
            desk.open_incident(call["id"], {"condition": "hidden_danger"}, by="li")
    assert db_digest(url) == before
    assert service.list_incidents() == [] and desk.call(call["id"])["status"] == "open"
    opened = desk.open_incident(call["id"], {"condition": "hidden_danger"}, by="li")
    assert desk.call(call["id"])["incident_id"] == opened["id"]
