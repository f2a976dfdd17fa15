"""补录 end to end through the CLI: a report backdated to before its due instant, but recorded
after the overdue alert for that deadline fired, stays `met` and is flagged as backfilled in
`incident show` and in the investigation report; a report recorded on time is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

INCIDENT = {
    "address": "鹦鹉街3栋",
    "street": "yingwu",
    "condition": "hidden_danger",
    "discovered_at": "2026-03-02T08:50:00+08:00",
}  # initial_report due 09:50
TO_CITY = ("--actor", "duty_officer", "--data", json.dumps({"to": "city_housing_bureau"}))
LATER = "2026-03-02T10:05:00+08:00"


def initial_report(shown: dict[str, Any]) -> dict[str, Any]:
    [deadline] = [d for d in shown["deadlines"] if d["code"] == "initial_report"]
    return deadline


def test_a_report_backdated_after_its_overdue_alert_is_marked_backfilled(
    cli, tmp_path: Path
) -> None:
    (code_a, late, err_a), (code_b, on_time, err_b) = cli.many(
        [(("incident", "report"), {"stdin": INCIDENT})] * 2
    )
    assert (code_a, code_b) == (0, 0), err_a + err_b
    a, b = str(late["id"]), str(on_time["id"])
    code, _, err = cli(
        "incident", "act", b, "record_report", *TO_CITY, now="2026-03-02T09:30:00+08:00"
    )
    assert code == 0, err
    # the scheduler catches up past the due instant: the overdue alert goes out for `a` only
    code, alert, err = cli("tick", "--until", "2026-03-02T10:00:00+08:00", now=None)
    assert code == 0, err
    assert (alert["incident_id"], alert["deadline"], alert["kind"]) == (
        late["id"],
        "initial_report",
        "overdue",
    )
    # at 10:05 the duty officer records the call to 市房管局 made at 09:40
    code, shown, err = cli(
        "incident",
        "act",
        a,
        "record_report",
        *TO_CITY,
        "--at",
        "2026-03-02T09:40:00+08:00",
        now=LATER,
    )
    assert code == 0, err
    (_, shown_a, _), (_, shown_b, _), (code_ra, out_ra, err_ra), (code_rb, _, err_rb) = cli.many(
        [
            (("incident", "show", a), {"now": LATER}),
            (("incident", "show", b), {"now": LATER}),
            (("report", a, "--format", "md", "--out", str(tmp_path / "a.md")), {"now": LATER}),
            (("report", b, "--format", "md", "--out", str(tmp_path / "b.md")), {"now": LATER}),
        ]
    )
    assert (code_ra, code_rb) == (0, 0), err_ra + err_rb
    assert out_ra["out"] == str(tmp_path / "a.md")

    deadline = initial_report(shown_a)
    assert (deadline["status"], deadline["met_at"], deadline["backfilled"]) == (
        "met",
        "2026-03-02T09:40:00+08:00",
        True,
    )
    assert initial_report(shown)["backfilled"] is True  # the act's own answer says so too
    assert (initial_report(shown_b)["status"], initial_report(shown_b)["backfilled"]) == (
        "met",
        False,
    )

    report_a = (tmp_path / "a.md").read_text(encoding="utf-8")
    report_b = (tmp_path / "b.md").read_text(encoding="utf-8")
    assert "已按时完成（补录）" in report_a  # the deadline table
    assert "逾期提醒发出后于2026年3月2日10时05分补录" in report_a  # and the text
    assert "补录" not in report_b
