"""`incident report-draft` prints the next information report's draft; `incident act …
submit_info_report` sends it; refusals are the CLI's JSON errors with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

REPORT = {
    "condition": "imminent_collapse",
    "street": "yingwu",
    "address": "鹦鹉大道318号",
    "discovered_at": "2026-03-02T08:40:00+08:00",
    "people_at_risk": 20,
}


def test_draft_then_send_through_the_cli(cli_main: Any, db_digest: Callable[[str], str]) -> None:
    code, incident, _ = cli_main("incident", "report", stdin=REPORT)
    assert code == 0
    iid = str(incident["id"])
    code, draft, _ = cli_main("incident", "report-draft", iid, "--kind", "initial")
    assert code == 0
    assert (draft["title"], draft["to"]) == ("首报", "city_housing_bureau")
    assert "死亡不详（待核实）" in draft["text"]
    before = db_digest(cli_main.db_url)
    for args, error, words in [
        (["--kind", "progress"], "precondition_failed", "no 首报"),
        (["--kind", "weekly"], "invalid_input", "kind: unknown report kind"),
        (["--kind", "initial", "--to", "nobody"], "invalid_input", "to: unknown recipient"),
    ]:
        code, _, err = cli_main("incident", "report-draft", iid, *args)
        assert code == 2 and cli_main.error(err)["error"] == error
        assert words in cli_main.error(err)["message"]
    assert db_digest(cli_main.db_url) == before
    data = {"to": "city_housing_bureau", "kind": "initial", "text": draft["text"]}
    code, shown, _ = cli_main(
        "incident",
        "act",
        iid,
        "submit_info_report",
        "--actor",
        "duty_officer",
        "--data",
        json.dumps(data, ensure_ascii=False),
    )
    assert code == 0
    event = next(e for e in shown["timeline"] if e["kind"] == "info_report_sent")
    assert (event["data"]["kind"], event["data"]["number"]) == ("initial", None)
    code, _, err = cli_main(
        "incident",
        "act",
        iid,
        "submit_info_report",
        "--actor",
        "duty_officer",
        "--data",
        json.dumps({**data, "kind": "final"}),
    )
    assert code == 2 and "response has ended" in cli_main.error(err)["message"]
    code, nxt, _ = cli_main("incident", "report-draft", iid, "--kind", "progress")
    assert code == 0 and (nxt["number"], nxt["title"]) == (1, "续报一")
