"""The danger-house register as an Excel workbook (openpyxl): read for import, written for export.

The sheet is one house per row under a heading row. Headings are the register's Chinese column
names (or the field codes); codes are written as the plan's names (晴川街, C级, 观察使用), which
the import reads back, so an exported file imports again unchanged.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from engine.errors import InvalidInput

HEADINGS: dict[str, str] = {
    "id": "编号",
    "address": "地址",
    "street": "街道",
    "community": "社区",
    "owner": "所有人",
    "owner_phone": "所有人电话",
    "user": "使用人",
    "user_phone": "使用人电话",
    "responsible": "房屋安全责任人",
    "responsible_phone": "责任人电话",
    "structure": "结构",
    "floors": "层数",
    "year_built": "建成年份",
    "area_m2": "建筑面积（㎡）",
    "use": "用途",
    "grade": "鉴定等级",
    "appraisal_body": "鉴定单位",
    "report_number": "鉴定报告编号",
    "appraised_on": "鉴定日期",
    "disposition": "处理建议",
    "remediation_due": "治理期限",
    "warden": "监护人",
    "warden_phone": "监护人电话",
    "note": "备注",
}
DATES = ("appraised_on", "remediation_due")
WHOLE = ("floors", "year_built")
MAX_ROWS = 20000
Rows = list[tuple[int, dict[str, Any]]]


def _cell(field: str, value: Any) -> Any:
    """A cell as the register's input takes it: text trimmed (numbers typed into a text column,
    like a phone number, become text), whole numbers whole, date cells dates."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date() if field in DATES else value.isoformat()
    if field in DATES or isinstance(value, date):
        return value if isinstance(value, date) else str(value).strip()
    if field in WHOLE:
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if field == "area_m2":
        return value if isinstance(value, str) else Decimal(str(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_register(content: bytes) -> tuple[Rows, list[dict[str, Any]]]:
    """(row number, fields) for every non-empty row, and the heading problems found (each with
    its row, column and reason)."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"file: not an Excel .xlsx workbook ({type(exc).__name__})") from exc
    sheet = book.worksheets[0]
    by_heading = {v: k for k, v in HEADINGS.items()} | {k: k for k in HEADINGS}
    problems: list[dict[str, Any]] = []
    rows: Rows = []
    columns: list[str | None] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number == 1:
            for heading in values:
                text = str(heading).strip() if heading is not None else ""
                field = by_heading.get(text)
                if text and field is None:
                    problems.append(
                        {
                            "row": 1,
                            "column": text,
                            "field": None,
                            "reason": "unknown column heading",
                        }
                    )
                columns.append(field)
            for needed in ("address", "street"):
                if needed not in columns:
                    problems.append(
                        {
                            "row": 1,
                            "column": HEADINGS[needed],
                            "field": needed,
                            "reason": "column missing",
                        }
                    )
            continue
        if number > MAX_ROWS + 1:
            raise InvalidInput(f"file: more than {MAX_ROWS} rows")
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        fields = {
            f: _cell(f, v)
            for f, v in zip(columns, values, strict=False)
            if f is not None and f != "id"
        }
        rows.append((number, {k: v for k, v in fields.items() if v is not None}))
    book.close()
    return rows, problems


def write_register(
    houses: Iterable[Mapping[str, Any]], names: Mapping[str, Mapping[str, str]]
) -> bytes:
    """The register as a workbook; `names`: field → code → the name written for it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "危险房屋清册"
    fields = list(HEADINGS)
    sheet.append([HEADINGS[f] for f in fields])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for house in houses:
        row = []
        for field in fields:
            value = house.get(field)
            if field in names and value is not None:
                value = names[field].get(value, value)
            row.append(value)
        sheet.append(row)
    for index, field in enumerate(fields, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (
            30 if field in ("address", "note") else 14
        )
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
