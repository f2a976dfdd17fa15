"""Duplicates and `merge` (R11): a second call about the same building is flagged before it is
logged and folded into the original; the duplicate ends `merged`, its timers stopped, its facts
and reporter on the original's timeline. Bad merges are refused and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.duplicates import Candidate, likely_duplicates
from engine.errors import FanganError, Forbidden, InvalidInput, PreconditionFailed
from engine.plan import Duplicates
from engine.service import IncidentService

RULE = Duplicates(window_hours=24, min_similarity=80, clause="test")
T = datetime.fromisoformat("2026-03-02T09:00:00+08:00")


def report(**changes: Any) -> dict[str, Any]:
    return {
        "condition": "imminent_collapse",
        "street": "yingwu",
        "address": "鹦鹉大道318号3栋",
        "discovered_at": "2026-03-02T08:40:00+08:00",
        "people_at_risk": 20,
        "reporter": "王某 13800000000",
        **changes,
    }


# -- the rule, on plain data ---------------------------------------------------------------------


def test_the_rule_flags_the_same_street_a_similar_address_within_the_window() -> None:
    candidates = [
        Candidate(1, "yingwu", "鹦鹉大道318号", T - timedelta(hours=3), "active"),
        Candidate(2, "yingwu", "鹦鹉街鹦鹉大道３１８号３栋", T - timedelta(hours=1), "reported"),
        Candidate(3, "yingwu", "鹦鹉大道320号", T - timedelta(hours=1), "reported"),
        Candidate(4, "qingchuan", "鹦鹉大道318号3栋", T - timedelta(hours=1), "reported"),
        Candidate(5, "yingwu", "鹦鹉大道318号3栋", T - timedelta(hours=25), "active"),
    ]
    found = likely_duplicates(RULE, "yingwu", "鹦鹉大道318号3栋", T, candidates, "鹦鹉街")
    # 2 is the same text once full-width digits and the street's name are folded away; 1 is
    # contained in it; 3 is another number, 4 another street, 5 outside the 24 h window.
    assert [(m.candidate.id, m.similarity) for m in found] == [(2, 100), (1, 100)]


def test_nothing_alike_flags_nothing() -> None:
    assert (
        likely_duplicates(
            RULE, "yingwu", "琴台大道1号", T, [Candidate(1, "yingwu", "鹦鹉大道318号", T, "active")]
        )
        == []
    )


# -- through the service -------------------------------------------------------------------------


def test_a_duplicate_is_flagged_then_merged_in_one_step(
    service: IncidentService, clock: ManualClock
) -> None:
    original = service.report(report())
    assert service.act(original["id"], "activate", actor="district_hq")["state"] == "active"
    clock.advance(minutes=20)
    second = report(
        address="鹦鹉大道318号3栋2单元",
        reporter="李某 13900000000",
        reported_at=clock().isoformat(),
    )
    flagged = service.duplicates(second)
    assert [(d["id"], d["state"]) for d in flagged] == [(original["id"], "active")]
    assert flagged[0]["similarity"] >= 80

    dup = service.report(second, merge_into=original["id"])
    assert dup["state"] == "merged"
    assert all(d["stopped_at"] is not None or d["met_at"] is not None for d in dup["deadlines"])
    kept = service.show(original["id"])
    folded = [e for e in kept["timeline"] if e["kind"] == "duplicate_merged"]
    assert len(folded) == 1
    assert folded[0]["data"]["duplicate"] == dup["id"]
    assert folded[0]["data"]["reporter"] == "李某 13900000000"
    assert folded[0]["data"]["facts"]["address"] == "鹦鹉大道318号3栋2单元"
    # A merged incident is no longer open: it owes no alert however long one waits.
    clock.advance(hours=5)
    assert [a for a in service.tick() if a.incident_id == dup["id"]] == []
    assert service.duplicates(second)[0]["id"] == original["id"]  # the merged one is not offered


def test_merge_as_an_action(service: IncidentService) -> None:
    original = service.report(report())
    dup = service.report(report(address="鹦鹉大道318号"))
    merged = service.act(
        dup["id"],
        "merge",
        actor="district_hq_office",
        data={"into": original["id"], "reason": "同一栋楼的第二个电话"},
    )
    assert merged["state"] == "merged"
    assert merged["timeline"][-1]["data"] == {
        "into": original["id"],
        "reason": "同一栋楼的第二个电话",
    }


@pytest.mark.parametrize(
    ("target", "actor", "error", "words"),
    [
        ("self", "district_housing_bureau", InvalidInput, "is this incident"),
        ("missing", "district_housing_bureau", InvalidInput, "does not exist"),
        ("dismissed", "district_housing_bureau", PreconditionFailed, "not open"),
        ("drill", "district_housing_bureau", PreconditionFailed, "drill"),
        ("open", "street_office", Forbidden, "may not merge"),
    ],
)
def test_bad_merges_are_refused_and_change_nothing(
    service: IncidentService,
    db_digest: Callable[[str], str],
    target: str,
    actor: str,
    error: type[FanganError],
    words: str,
) -> None:
    dup = service.report(report())
    other = service.report(report(drill=target == "drill"))
    if target == "dismissed":
        service.act(
            other["id"], "dismiss", actor="district_housing_bureau", data={"reason": "报告不实"}
        )
    into = {"self": dup["id"], "missing": 999}.get(target, other["id"])
    url = str(service.db.url)
    before = db_digest(url)
    with pytest.raises(error, match=words):
        service.act(dup["id"], "merge", actor=actor, data={"into": into})
    assert db_digest(url) == before


def test_the_cli_flags_and_merges(cli: Any) -> None:
    code, first, err = cli("incident", "report", stdin=report())
    assert code == 0, err
    code, flagged, err = cli("incident", "duplicates", stdin=report(address="鹦鹉大道318号"))
    assert code == 0, err
    assert [d["id"] for d in flagged] == [first["id"]]
    code, dup, err = cli(
        "incident",
        "report",
        "--merge-into",
        str(first["id"]),
        stdin=report(address="鹦鹉大道318号"),
    )
    assert code == 0, err
    assert dup["state"] == "merged"
    code, _, err = cli("incident", "report", "--merge-into", "0", stdin=report())
    assert code == 2 and cli.error(err)["error"] == "usage"
