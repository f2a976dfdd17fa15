"""Information release (§4.3.3; SPEC R7): drafted by 区指挥部办公室 (or 区指挥部), approved by
区委宣传部, released only by 区政府新闻发言人; nothing released unapproved; a revision is a new
version that needs approval again; every version is kept."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import FanganError, Forbidden, InvalidInput, InvalidState, PreconditionFailed

DRAFTER, APPROVER, SPOKESPERSON = (
    "district_hq_office",
    "district_publicity_dept",
    "district_spokesperson",
)


def versions(view: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    return [(s["number"], s["version"], s["status"], s["text"]) for s in view["statements"]]


def test_draft_approve_release(desk: Any, level_ii: int) -> None:
    view = desk.act(level_ii, "draft_statement", DRAFTER, {"text": "龟山北路1号险情处置中。"})
    assert versions(view) == [(1, 1, "draft", "龟山北路1号险情处置中。")]
    desk.clock.advance(minutes=10)
    view = desk.act(level_ii, "approve_statement", APPROVER, {"statement": 1})
    desk.clock.advance(minutes=5)
    view = desk.act(level_ii, "release_statement", SPOKESPERSON, {"statement": 1})
    [statement] = view["statements"]
    assert statement["status"] == "released"
    assert (statement["drafted_by"], statement["approved_by"], statement["released_by"]) == (
        DRAFTER,
        APPROVER,
        SPOKESPERSON,
    )
    assert (statement["drafted_at"], statement["approved_at"], statement["released_at"]) == (
        "2026-03-02T09:00:00+08:00",
        "2026-03-02T09:10:00+08:00",
        "2026-03-02T09:15:00+08:00",
    )
    kinds = [e["kind"] for e in view["timeline"]]
    assert kinds[-3:] == ["statement_drafted", "statement_approved", "statement_released"]
    # the district HQ may draft too; a new statement takes the next number
    view = desk.act(level_ii, "draft_statement", "district_hq", {"text": "第二份通报。"})
    assert versions(view)[-1][:3] == (2, 1, "draft")


def test_nothing_is_released_unapproved(desk: Any, level_ii: int) -> None:
    desk.act(level_ii, "draft_statement", DRAFTER, {"text": "初稿"})
    refused = desk.refused(
        level_ii, "release_statement", SPOKESPERSON, {"statement": 1}, error=PreconditionFailed
    )
    assert "not been approved" in refused.message and "区委宣传部" in refused.message
    assert "§4.3.3" in refused.message


def test_a_revision_of_an_approved_statement_needs_approval_again(desk: Any, level_ii: int) -> None:
    desk.act(level_ii, "draft_statement", DRAFTER, {"text": "第一版"})
    desk.act(level_ii, "approve_statement", APPROVER, {"statement": 1})
    view = desk.act(level_ii, "draft_statement", DRAFTER, {"text": "第二版", "statement": 1})
    assert versions(view) == [(1, 1, "superseded", "第一版"), (1, 2, "draft", "第二版")]
    desk.refused(
        level_ii, "release_statement", SPOKESPERSON, {"statement": 1}, error=PreconditionFailed
    )
    desk.act(level_ii, "approve_statement", APPROVER, {"statement": 1})
    view = desk.act(level_ii, "release_statement", SPOKESPERSON, {"statement": 1})
    assert versions(view) == [(1, 1, "superseded", "第一版"), (1, 2, "released", "第二版")]


def test_a_correction_after_release_keeps_the_released_version(desk: Any, level_ii: int) -> None:
    for action, actor in (
        ("draft_statement", DRAFTER),
        ("approve_statement", APPROVER),
        ("release_statement", SPOKESPERSON),
    ):
        desk.act(
            level_ii,
            action,
            actor,
            {"text": "伤亡1人"} if action == "draft_statement" else {"statement": 1},
        )
    view = desk.act(level_ii, "draft_statement", DRAFTER, {"text": "更正：伤亡2人", "statement": 1})
    assert versions(view) == [(1, 1, "released", "伤亡1人"), (1, 2, "draft", "更正：伤亡2人")]
    desk.refused(
        level_ii, "release_statement", SPOKESPERSON, {"statement": 1}, error=PreconditionFailed
    )
    desk.act(level_ii, "approve_statement", APPROVER, {"statement": 1})
    view = desk.act(level_ii, "release_statement", SPOKESPERSON, {"statement": 1})
    assert [s["status"] for s in view["statements"]] == ["released", "released"]


@pytest.mark.parametrize(
    ("action", "actor", "data", "error"),
    [
        ("draft_statement", SPOKESPERSON, {"text": "x"}, Forbidden),
        ("draft_statement", APPROVER, {"text": "x"}, Forbidden),
        ("approve_statement", "district_hq", {"statement": 1}, Forbidden),
        ("release_statement", APPROVER, {"statement": 1}, Forbidden),
        ("release_statement", "district_hq", {"statement": 1}, Forbidden),
        ("approve_statement", APPROVER, {"statement": 7}, InvalidInput),
        ("draft_statement", DRAFTER, {"text": "x", "statement": 7}, InvalidInput),
        ("draft_statement", DRAFTER, {"text": "  "}, InvalidInput),
    ],
)
def test_refusals(
    desk: Any,
    level_ii: int,
    action: str,
    actor: str,
    data: dict[str, Any],
    error: type[FanganError],
) -> None:
    desk.act(level_ii, "draft_statement", DRAFTER, {"text": "初稿"})
    refused = desk.refused(level_ii, action, actor, data, error=error)
    if error is Forbidden:
        assert "only" in refused.message


def test_no_step_twice(desk: Any, level_ii: int) -> None:
    desk.act(level_ii, "draft_statement", DRAFTER, {"text": "初稿"})
    desk.act(level_ii, "approve_statement", APPROVER, {"statement": 1})
    assert (
        "already approved"
        in desk.refused(
            level_ii, "approve_statement", APPROVER, {"statement": 1}, error=PreconditionFailed
        ).message
    )
    desk.act(level_ii, "release_statement", SPOKESPERSON, {"statement": 1})
    assert (
        "already released"
        in desk.refused(
            level_ii, "release_statement", SPOKESPERSON, {"statement": 1}, error=PreconditionFailed
        ).message
    )


def test_no_statement_on_a_closed_incident(desk: Any) -> None:
    iid = desk.report()
    desk.act(iid, "dismiss", "district_housing_bureau", {"reason": "经核实为墙面装饰层脱落"})
    desk.refused(iid, "draft_statement", DRAFTER, {"text": "x"}, error=InvalidState)
