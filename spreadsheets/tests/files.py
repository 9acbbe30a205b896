"""Building spreadsheet files in tests, the way offices make them."""

import csv
import io
from pathlib import Path

import openpyxl


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path,
    rows: list[list],
    *,
    title: str | None = None,
    merge_title: bool = True,
    text_columns: set[int] = frozenset(),
) -> Path:
    """An .xlsx with an optional merged title row above the rows (the first row is the header)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    offset = 0
    if title:
        sheet.cell(row=1, column=1, value=title)
        if merge_title:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
        offset = 2  # a title row and one blank row
    for r, row in enumerate(rows, start=1 + offset):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if c - 1 in text_columns:
                cell.number_format = "@"
    workbook.save(path)
    return path


def write_workbook(
    path: Path, sheets: dict[str, list[list]], *, merged: dict[str, list[str]] | None = None
) -> Path:
    """An .xlsx with the sheets in this order (the first row of each list is row 1), and the
    ranges to merge per sheet, e.g. {"名册": ["A2:A3", "C2:D2"]}."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        for cells in (merged or {}).get(name, []):
            sheet.merge_cells(cells)
    workbook.save(path)
    return path


INSTRUCTIONS = [
    ["填表说明"],
    ["1. 请按表头填写，身份证号码请设置为文本格式。"],
    ["2. 本表一式两份，乡镇协会留存一份。"],
]
