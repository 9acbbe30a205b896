"""Writing .xlsx files with xlsxwriter in constant-memory mode (one row in memory at a time).

The layout every export and template shares: a title row, the header row, then data, so that an
export imports back (the reader skips the title row and finds the header). Every column is
written as text unless told otherwise, so ID numbers and codes keep all their digits.
"""

import datetime
import io
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import xlsxwriter


def write_table(
    target: Path | str | BinaryIO | None,
    *,
    title: str,
    headers: list[str],
    rows: Iterable[list],
    instructions: list[str] | None = None,
    instructions_title: str = "Instructions",
    widths: dict[int, int] | None = None,
) -> bytes | None:
    """Write one sheet (and an instructions sheet); returns the bytes when `target` is None."""
    buffer = io.BytesIO() if target is None else None
    destination = buffer if buffer is not None else target
    if isinstance(destination, Path):
        destination = str(destination)
    workbook = xlsxwriter.Workbook(
        destination,
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
    )
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    heading = workbook.add_format({"bold": True, "font_size": 14})
    sheet = workbook.add_worksheet(title[:31].replace("/", "-"))
    sheet.write_string(0, 0, title, heading)
    for col, header in enumerate(headers):
        sheet.write_string(1, col, header, bold)
        sheet.set_column(col, col, (widths or {}).get(col, max(10, len(header) * 2 + 2)), text)
    sheet.freeze_panes(2, 0)
    for index, row in enumerate(rows, start=2):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.date):
                sheet.write_datetime(
                    index, col, datetime.datetime.combine(value, datetime.time()), date
                )
            elif isinstance(value, bool):
                sheet.write_string(index, col, "是" if value else "否")
            elif isinstance(value, int | float):
                sheet.write_number(index, col, value)
            else:
                sheet.write_string(index, col, str(value))
    if instructions:
        notes = workbook.add_worksheet(instructions_title[:31])
        notes.set_column(0, 0, 100)
        for index, line in enumerate(instructions):
            notes.write_string(index, 0, line)
    workbook.close()
    return buffer.getvalue() if buffer is not None else None
