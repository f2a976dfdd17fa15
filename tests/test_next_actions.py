"""The procedure's next step (the console's 下一步 banner), a pure rule of the workflow."""

from __future__ import annotations

from typing import Any

from workflows.housing_safety.states import next_actions

EVERYTHING = ["verify", "activate", "dismiss", "submit_report", "close", "start_investigation"]


def _view(state: str, **extra: Any) -> dict[str, Any]:
    return {"state": state, "available_actions": EVERYTHING, **extra}


def test_verification_is_offered_until_done() -> None:
    assert next_actions(_view("reported")) == ["verify", "activate"]
    assert next_actions(_view("reported", verified_at="2026-12-02T01:00:00+08:00")) == ["activate"]


def test_an_investigation_closes_only_after_its_report() -> None:
    assert next_actions(_view("investigating", investigation={})) == ["submit_report"]
    submitted = {"submitted_at": "2026-12-02T01:00:00+08:00"}
    assert next_actions(_view("investigating", investigation=submitted)) == [
        "submit_report",
        "close",
    ]


def test_only_what_is_available_and_nothing_after_the_end() -> None:
    assert next_actions({"state": "reported", "available_actions": ["activate"]}) == ["activate"]
    assert next_actions(_view("closed")) == []
