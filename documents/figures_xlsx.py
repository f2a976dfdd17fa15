"""Tables of figures as typed sheets: an Excel workbook (openpyxl), or text tables for the
printed documents. A sheet keeps numbers as numbers, so the workbook holds exactly the values
the JSON has; only the printed form turns them into text."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from documents.report_view import Table

__all__ = ["Cell", "Sheet", "render_xlsx"]

Cell = str | int | float | None
EMPTY = "—"


@dataclass(frozen=True)
class Sheet:
    name: str
    """The worksheet's name (at most 31 characters) and the printed table's caption."""
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...]
    percent: tuple[int, ...] = ()
    """Columns holding a share (0…1): 66.7% in print, a number formatted as a percentage in
    Excel."""
    left: tuple[int, ...] = ()
    printed: tuple[int, ...] | None = None
    """The columns a printed table shows (None: all); Excel always has all of them."""
    empty: str = "无记录"

    def cell_text(self, column: int, value: Cell) -> str:
        if value is None:
            return EMPTY
        if column in self.percent and isinstance(value, int | float):
            return f"{value * 100:.1f}%"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def as_table(self, caption: str) -> Table:
        columns = self.printed if self.printed is not None else tuple(range(len(self.header)))
        return Table(
            caption,
            tuple(self.header[c] for c in columns),
            tuple(tuple(self.cell_text(c, row[c]) for c in columns) for row in self.rows),
            tuple(self.widths[c] for c in columns),
            left=tuple(i for i, c in enumerate(columns) if c in self.left),
            empty=self.empty,
        )


HEADER_FILL = PatternFill("solid", fgColor="DDE5EE")


def render_xlsx(sheets: Sequence[Sheet], title: str) -> bytes:
    """One worksheet per sheet, header row bold and frozen, in the given order."""
    book = Workbook()
    for blank in book.worksheets:
        book.remove(blank)
    book.properties.title = title
    for sheet in sheets:
        ws = book.create_sheet(sheet.name[:31])
        ws.append(list(sheet.header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in sheet.rows:
            ws.append(list(row))
        for column in sheet.percent:
            for (cell,) in ws.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = "0.0%"
        for i, width in enumerate(sheet.widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
