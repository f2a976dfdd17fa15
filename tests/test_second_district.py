"""A second district's plan is a new file, not new code (issue 16): a whole II response run by
the command line on `config/jianghan.yaml`, whose documents name 江汉区 and its streets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pdfplumber

from engine.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent
JIANGHAN = ROOT / "config" / "jianghan.yaml"
STREETS = [
    "民权街",
    "民族街",
    "民意街",
    "前进街",
    "花楼水塔街",
    "满春街",
    "北湖街",
    "万松街",
    "新华街",
    "唐家墩街",
    "汉兴街",
    "常青街",
]
CODE_DIRS = ("engine", "workflows", "web", "documents", "notifiers", "templates")


def test_the_demonstration_plan_loads_with_its_twelve_streets() -> None:
    plan = load_plan(JIANGHAN)
    assert list(plan.streets.items.values()) == STREETS
    assert plan.plan.district == "江汉区" and "演示" in plan.plan.name
    assert JIANGHAN.read_text(encoding="utf-8").startswith("# DEMONSTRATION — NOT AN OFFICIAL")


def test_no_code_names_either_district() -> None:
    names = re.compile(r"汉阳|江汉区|hanyang|jianghan", re.IGNORECASE)
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for top in CODE_DIRS
        for path in sorted((ROOT / top).rglob("*"))
        if path.is_file()
        and path.suffix in {".py", ".j2", ".html", ".js", ".css"}
        and "vendor" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if names.search(line)
    ]
    assert found == []


def test_a_whole_ii_response_on_the_second_district(cli: Any, tmp_path: Path) -> None:
    env = {"FANGAN_PLAN": str(JIANGHAN)}

    def run(*args: str, stdin: dict[str, Any] | None = None) -> Any:
        code, out, err = cli(*args, stdin=stdin, now=None, env=env)
        assert code == 0, err
        return out

    def act(action: str, actor: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        args = ["incident", "act", str(iid), action, "--actor", actor]
        if data is not None:
            args += ["--data", json.dumps(data, ensure_ascii=False)]
        found: dict[str, Any] = run(*args)
        return found

    reported = run(
        "incident",
        "report",
        stdin={
            "condition": "imminent_collapse",
            "street": "hualou_shuita",
            "address": "花楼街18号",
            "discovered_at": "2026-12-02T01:00:00+08:00",
            "reported_at": "2026-12-02T01:10:00+08:00",
            "people_at_risk": 40,
        },
    )
    iid = reported["id"]
    assert reported["response_level"] == "II"
    act("verify", "district_housing_bureau")
    active = act("activate", "district_hq")
    assert active["state"] == "active"
    assert {n["unit"] for n in active["notices"]} >= {"street_office", "district_government"}
    act(
        "eliminate_danger", "district_housing_bureau", {"experts": ["王工"], "appraisers": ["李工"]}
    )
    act("propose_termination", "district_hq")
    act("approve_termination", "city_hq_office")
    act("announce_termination", "district_hq")
    drafts = act("start_investigation", "district_hq")["investigation"]["draft_sections"]
    sections = {
        key: text.replace("【待调查组补充】", "经调查组核实。") for key, text in drafts.items()
    }
    act("submit_report", "district_hq", {"sections": sections})
    assert act("close", "district_hq")["state"] == "closed"

    notice = tmp_path / "notice.pdf"
    run(
        "notice",
        str(iid),
        "--unit",
        "street_office",
        "--kind",
        "activation_II",
        "--format",
        "pdf",
        "--out",
        str(notice),
    )
    report = tmp_path / "report.pdf"
    run("report", str(iid), "--format", "pdf", "--out", str(report))
    for pdf in (notice, report):
        with pdfplumber.open(pdf) as doc:
            text = "".join(page.extract_text() or "" for page in doc.pages).replace("\n", "")
        assert "江汉区" in text and "花楼水塔街" in text
        assert "汉阳" not in text and "阳房应" not in text
