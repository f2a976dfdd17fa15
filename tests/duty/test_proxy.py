"""Decisions by proxy (R11): bodies outside the district decide by phone, fax or document, and
the district desk records it as 代录, so an I response can be ended from the district. Only the
plan's desks record, only for the plan's bodies, and the body must itself be the one allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.errors import FanganError, Forbidden, InvalidInput
from engine.service import IncidentService
from web.present import Labels

ELIMINATED = {"experts": ["张工（结构）"], "appraisers": ["李工（鉴定站）"]}
CITY_HQ = {"for": "city_hq", "source": "phone", "conveyed_by": "市指挥部办公室 张某"}


@pytest.fixture
def level_i(service: IncidentService) -> int:
    iid: int = service.report(
        {
            "condition": "partial_collapse",
            "street": "yingwu",
            "address": "鹦鹉大道318号3栋",
            "discovered_at": "2026-03-02T08:40:00+08:00",
            "dead": 0,
        }
    )["id"]
    service.act(iid, "activate", actor="district_hq")
    service.act(iid, "eliminate_danger", actor="district_housing_bureau", data=ELIMINATED)
    return iid


def test_an_i_response_is_ended_from_the_district_desk(
    service: IncidentService, level_i: int
) -> None:
    service.act(
        level_i, "propose_termination", actor="district_hq_office", person="值班员甲", proxy=CITY_HQ
    )
    service.act(
        level_i,
        "approve_termination",
        actor="district_housing_bureau",
        proxy={
            "for": "city_emergency_committee",
            "source": "fax",
            "conveyed_by": "市应急委 李某",
            "reference": "武应急传〔2026〕3号",
        },
    )
    done = service.act(level_i, "announce_termination", actor="district_hq")
    assert done["state"] == "terminated"
    steps = {e["kind"]: e for e in done["timeline"] if e["kind"].endswith("_termination")}
    assert steps["propose_termination"]["actor"] == "city_hq"
    assert steps["propose_termination"]["data"]["proxy"] == {
        "for": "city_hq",
        "recorded_by": "district_hq_office",
        "recorder_person": "值班员甲",
        "source": "phone",
        "conveyed_by": "市指挥部办公室 张某",
        "reference": None,
    }
    assert steps["approve_termination"]["data"]["proxy"]["reference"] == "武应急传〔2026〕3号"
    assert "proxy" not in steps["announce_termination"]["data"]  # acted itself

    labels = Labels(service.plan, service.workflow.words)
    line = labels.summary(steps["propose_termination"])
    assert "（代录：区指挥部办公室据电话记录，市指挥部办公室 张某转达）" in line
    report = service.investigation_report(level_i)
    described = [t.description for t in report.timeline]
    assert any("代录：区房管局据传真（武应急传〔2026〕3号）记录" in d for d in described)


@pytest.mark.parametrize(
    ("actor", "proxy", "error", "words"),
    [
        ("street_office", CITY_HQ, Forbidden, "may not record for another body"),
        ("district_hq_office", {**CITY_HQ, "for": "district_hq"}, Forbidden, "acts itself"),
        ("district_hq_office", {**CITY_HQ, "source": "rumour"}, InvalidInput, "proxy.source"),
        (
            "district_hq_office",
            {"for": "city_hq", "source": "phone"},
            InvalidInput,
            "proxy.conveyed_by",
        ),
        # The body recorded must itself be the one allowed: 市政府应急委 approves, not proposes.
        (
            "district_hq_office",
            {**CITY_HQ, "for": "city_emergency_committee"},
            Forbidden,
            "may not propose_termination",
        ),
    ],
)
def test_a_proxy_outside_the_rules_is_refused_and_changes_nothing(
    service: IncidentService,
    level_i: int,
    db_digest: Callable[[str], str],
    actor: str,
    proxy: dict[str, Any],
    error: type[FanganError],
    words: str,
) -> None:
    url = str(service.db.url)
    before = db_digest(url)
    with pytest.raises(error, match=words):
        service.act(level_i, "propose_termination", actor=actor, proxy=proxy)
    assert db_digest(url) == before


def test_the_cli_takes_a_proxy(cli: Any) -> None:
    code, incident, err = cli(
        "incident",
        "report",
        stdin={
            "condition": "partial_collapse",
            "street": "yingwu",
            "address": "鹦鹉大道1号",
            "discovered_at": "2026-03-02T08:40:00+08:00",
        },
    )
    assert code == 0, err
    iid = str(incident["id"])
    for args in (
        ("activate", "--actor", "district_hq"),
        (
            "eliminate_danger",
            "--actor",
            "district_housing_bureau",
            "--data",
            '{"experts": ["张工"], "appraisers": ["李工"]}',
        ),
    ):
        assert cli("incident", "act", iid, *args)[0] == 0
    code, out, err = cli(
        "incident",
        "act",
        iid,
        "propose_termination",
        "--actor",
        "district_hq_office",
        "--proxy",
        '{"for": "city_hq", "source": "phone", "conveyed_by": "张某"}',
    )
    assert code == 0, err
    assert out["state"] == "termination_proposed"
    code, _, err = cli(
        "incident",
        "act",
        iid,
        "approve_termination",
        "--actor",
        "district_hq_office",
        "--proxy",
        '{"for": "city_hq"}',
    )
    assert code == 2 and cli.error(err)["error"] == "invalid_input"
