"""`python main.py stats` through a subprocess: JSON, the Excel workbook holding the same numbers
as the JSON, the annual summary read back (Word with python-docx, PDF with pdfplumber), and bad
values refused with exit 2 naming the option."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from docx import Document
from openpyxl import load_workbook

from engine.clock import fixed_clock
from engine.plan import Plan
from engine.service import IncidentService, load_workflow

NOW = "2026-12-31T12:00:00+08:00"
AT = "2026-03-02T{}:00+08:00"


@pytest.fixture
def recorded(cli: Any, plan: Plan) -> Any:
    """On the CLI's database: one real incident whose government report was 20 minutes late
    (verified 09:10, due 09:40, made 10:00) and whose initial report is missed (the city was
    never told), and one drill. Written in-process (quicker), read by the subprocesses."""
    from datetime import datetime

    service = IncidentService(
        cli.db_url,
        plan,
        load_workflow("workflows.housing_safety:WORKFLOW"),
        clock=fixed_clock(datetime.fromisoformat(NOW)),
    )
    for drill in (False, True):
        incident = service.report(
            {
                "address": "晴川大道8号",
                "street": "qingchuan",
                "condition": "hidden_danger",
                "discovered_at": AT.format("08:40"),
                "reported_at": AT.format("09:00"),
                "drill": drill,
            }
        )
        if not drill:
            service.act(
                incident["id"], "verify", actor="district_housing_bureau", at=AT.format("09:10")
            )
            service.act(
                incident["id"],
                "record_report",
                actor="duty_officer",
                at=AT.format("10:00"),
                data={"to": "district_government"},
            )
    service.db.dispose()
    return cli


def test_json_and_excel_hold_the_same_numbers(recorded: Any, tmp_path: Path) -> None:
    code, data, err = recorded("stats", "--from", "2026-01-01", "--to", "2026-12-31", now=NOW)
    assert code == 0, err
    kinds = {t["code"]: t for t in data["timeliness"]}
    assert (kinds["initial_report"]["missed"], kinds["government_report"]["late"]) == (1, 1)
    assert kinds["government_report"]["late_minutes"]["median"] == 20.0
    assert data["drills"]["incidents"]["count"] == 1 and data["incidents"]["count"] == 1
    out = tmp_path / "figures.xlsx"
    code, done, err = recorded(
        "stats",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--format",
        "xlsx",
        "--out",
        str(out),
        now=NOW,
    )
    assert code == 0, err
    assert done["out"] == str(out) and done["bytes"] == out.stat().st_size
    book = load_workbook(out)
    rows = list(book["报告时效"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]) for r in rows] == [
        (
            t["name"],
            t["total"],
            t["on_time"],
            t["late"],
            t["missed"],
            t["pending"],
            t["void"],
            t["on_time_share"],
            t["late_minutes"]["median"],
            t["late_minutes"]["p90"],
        )
        for t in data["timeliness"]
    ]
    streets = list(book["按街道"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[4], r[5]) for r in streets] == [
        (g["name"], g["incidents"], g["late"], g["missed"]) for g in data["by_street"]
    ]
    late = list(book["迟报漏报清单"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[8]) for r in late] == [
        (r["incident_id"], r["minutes"]) for r in data["late_or_missed"]
    ]
    drills = list(book["演练报告时效（单列）"].iter_rows(min_row=2, values_only=True))
    assert drills[0][5] == data["drills"]["timeliness"][0]["missed"] == 1


def test_annual_summary_in_word_and_pdf(recorded: Any, tmp_path: Path) -> None:
    docx_file, pdf_file = tmp_path / "annual.docx", tmp_path / "annual.pdf"
    for fmt, out in (("docx", docx_file), ("pdf", pdf_file)):
        code, _, err = recorded("stats", "--format", fmt, "--out", str(out), now=NOW)
        assert code == 0, err
    doc = Document(io.BytesIO(docx_file.read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "汉阳区房屋安全突发事件应急处置2026年度统计报告" in text.replace("\n", "")
    assert "六、迟报、逾期未报清单" in text and "区指挥部办公室" in text
    # One missed initial report and one late government report: nothing else fell due.
    assert (
        "各类报告共2件次，其中已到时限2件次：按时0件次，迟报1件次，逾期未报1件次，"
        "按时率0.0%；未到期0件次，未到期即终止0件次。"
    ) in text
    assert len(doc.inline_shapes) == 4  # the four charts, as pictures
    late = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号")
    assert [c.text for c in late.rows[1].cells][4:] == [
        "向区人民政府报告",
        "2026-03-02 09:40",
        "2026-03-02 10:00",
        "迟报",
        "20",
    ]
    with pdfplumber.open(pdf_file) as pdf:
        printed = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "2026年度统计报告" in printed and "逾期未报" in printed
    assert "演练情况" in printed


def test_an_empty_period_gives_zeros(recorded: Any) -> None:
    code, data, err = recorded(
        "stats", "--from", "2025-01-01", "--to", "2025-12-31", "--street", "qingchuan", now=NOW
    )
    assert code == 0, err
    assert data["incidents"]["count"] == 0
    assert [t["total"] for t in data["timeliness"]] == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--from", "2026-02-30"), "--from"),
        (("--to", "yesterday"), "--to"),
        (("--from", "2026-03-01", "--to", "2026-02-01"), "--to"),
        (("--street", "atlantis"), "--street"),
        (("--level", "IV"), "--level"),
        (("--format", "csv"), "--format"),
    ],
)
def test_bad_values_are_refused_naming_the_option(
    cli_main: Any, args: tuple[str, ...], option: str
) -> None:
    code, out, err = cli_main("stats", *args, now=NOW)
    error = cli_main.error(err)
    assert (code, out, error["error"]) == (2, None, "invalid_input")
    assert error["message"].startswith(f"{option}: ")


def test_bad_value_through_a_subprocess(cli: Any) -> None:
    code, out, err = cli("stats", "--level", "IV", now=NOW)
    assert (code, out) == (2, None)
    assert json.loads(err.strip().splitlines()[-1])["message"].startswith("--level: unknown")
