"""A template's table in a workbook as offices send it: the entry point of every import.

`open_table(source, filename, layout)` finds the table and returns a `Table`:

- **Which sheet.** Every visible worksheet's head is read (`HEADER_SCAN_ROWS` rows), and the
  sheets whose head holds the template's header are taken, in tab order: an instructions, cover
  or summary sheet without that header is passed over. When several sheets hold it (a township's
  workbook with one sheet a village), each is read, one after the other, as one table; the
  report names the sheets and the page shows them before anything is confirmed.
- **Which columns.** The header is matched through the one synonym table (`spreadsheets.headers`),
  on one row or two (`spreadsheets.columns`); `TableSheet.header.mapping(layout)` says which
  header of the file each template column was read from.
- **Where the table ends.** Rows under the data that hold only a note — 制表人：…, 审核人：…,
  注：…, 合计, 填表日期… — or nothing in any of the template's columns (a 序号 numbered ahead)
  are not data: `TableSheet.rows()` leaves them out and lists them in `TableSheet.notes`. Only
  the rows after the last data row count; a note-like row with data below it is handed on as
  data, and the importer reports what it lacks.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from spreadsheets.columns import (
    HEADER_SCAN_ROWS,
    Column,
    Header,
    HeaderMiss,
    no_header_message,
    scan_header,
)
from spreadsheets.normalise import clean
from spreadsheets.reading import Sheet, UnreadableFile, open_rows, sheet_names

# The words a note under a table starts with, followed by a colon, a number or nothing.
NOTE_WORDS = (
    "制表人",
    "制表",
    "制表日期",
    "审核人",
    "审核",
    "审批人",
    "填表人",
    "填表",
    "填表日期",
    "填报人",
    "填报单位",
    "填报日期",
    "统计人",
    "联系人",
    "联系电话",
    "负责人",
    "单位负责人",
    "主要负责人",
    "分管领导",
    "注",
    "备注",
    "说明",
    "合计",
    "总计",
    "小计",
    "日期",
    "签字",
    "签名",
    "盖章",
    "单位(盖章)",
    "单位盖章",
)
NOTE_PATTERN = re.compile(
    "^(?:"
    + "|".join(re.escape(word) for word in sorted(NOTE_WORDS, key=len, reverse=True))
    + r")(?:[:：、.(\d①-⑳]|$)"
)
MAX_TRAILING_NOTES = 1000  # note-like rows held back at a time; more are handed on as data
NOTE_TEXT_LIMIT = 80


def _cell_text(cell) -> str:
    return clean(cell).replace(" ", "")


_NOTE_STARTS = frozenset(word[0] for word in NOTE_WORDS)


def _has_value(cell) -> bool:
    return cell is not None and (cell.__class__ is not str or bool(cell.strip()))


def is_note(cells: list) -> bool:
    """Whether the row's first value starts like a note under a table (制表人：…, 注：…)."""
    for cell in cells:
        if not _has_value(cell):
            continue
        if cell.__class__ is not str or cell.strip()[0] not in _NOTE_STARTS:
            return False  # most rows: decided without normalising the text
        return bool(NOTE_PATTERN.match(_cell_text(cell)))
    return False


def _note_text(cells: list) -> str:
    text = " ".join(clean(cell) for cell in cells if clean(cell))
    return text if len(text) <= NOTE_TEXT_LIMIT else text[: NOTE_TEXT_LIMIT - 1] + "…"


@dataclass
class SkippedNote:
    sheet: str
    row: int
    text: str


@dataclass
class TableSheet:
    """One sheet's part of the table."""

    name: str  # "" for a .csv
    header: Header
    total: int  # an upper bound of the rows after the header, for progress
    _open: Callable[[], Iterator[tuple[int, list]]]
    notes: list[SkippedNote] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list]]:
        """The data rows after the header; the notes under them are kept in `notes` instead."""
        held: list[tuple[int, list]] = []
        first_is_template = 0 in self.header.positions.values()
        starts = _NOTE_STARTS
        for number, cells in self._open():
            first = cells[0] if cells else None
            if first_is_template and first is not None and first.__class__ is not str:
                quick_data = True  # a number or a date in a template column: data
            else:  # text that cannot start a note, in a template column: data
                quick_data = (
                    first_is_template
                    and bool(first)
                    and first[0] not in starts
                    and not first[0].isspace()
                )
            if not quick_data and self._may_be_note(cells):
                held.append((number, cells))
                if len(held) > MAX_TRAILING_NOTES:
                    yield from held
                    held = []
                continue
            yield from held  # note-like rows inside the data are data
            held = []
            yield number, cells
        self.notes = [SkippedNote(self.name, number, _note_text(cells)) for number, cells in held]

    def _may_be_note(self, cells: list) -> bool:
        width = len(cells)
        in_template_columns = (
            cells[index] for index in self.header.positions.values() if index < width
        )
        return is_note(cells) or not any(_has_value(cell) for cell in in_template_columns)


@dataclass
class Table:
    format: str  # "xlsx" or "csv"
    sheets: list[TableSheet]

    @property
    def total(self) -> int:
        return sum(sheet.total for sheet in self.sheets)

    @property
    def notes(self) -> list[SkippedNote]:
        return [note for sheet in self.sheets for note in sheet.notes]


def _rows_after(sheet: Sheet, row: int) -> Iterator[tuple[int, list]]:
    for number, cells in sheet.rows():
        if number > row:
            yield number, cells


def open_table(source: Path | str | BinaryIO, filename: str, layout: list[Column]) -> Table:
    """The table of `layout` in the file (see the module doc). Raises UnreadableFile."""
    names = sheet_names(source)
    if len(names) <= 1:
        return _single_sheet(source, filename, layout, names[0] if names else None)
    found: list[TableSheet] = []
    misses: list[tuple[str, HeaderMiss]] = []
    for name in names:
        sheet = open_rows(source, filename, name)
        try:
            header, miss, _rest = scan_header(sheet.rows(), layout)
        finally:
            sheet.close()
        if header is not None:
            total = max(sheet.total - header.row, 0)
            rows = _reopen(source, filename, name, header)
            found.append(TableSheet(name, header, total, rows))
        elif miss is not None:
            misses.append((name, miss))
    if not found:
        raise UnreadableFile(_no_sheet_message(names, misses, layout))
    return Table("xlsx", found)


def _single_sheet(source, filename: str, layout: list[Column], name: str | None) -> Table:
    sheet = open_rows(source, filename, name)
    header, miss, rest = scan_header(sheet.rows(), layout)
    if header is None:
        sheet.close()
        raise UnreadableFile(miss.message() if miss is not None else no_header_message(layout))
    total = max(sheet.total - header.row, 0)
    return Table(sheet.format, [TableSheet(name or "", header, total, lambda: rest)])


def _reopen(source, filename: str, name: str, header: Header) -> Callable:
    def rows() -> Iterator[tuple[int, list]]:
        sheet = open_rows(source, filename, name)
        try:
            yield from _rows_after(sheet, header.row)
        finally:
            sheet.close()

    return rows


def _no_sheet_message(
    names: list[str], misses: list[tuple[str, HeaderMiss]], layout: list[Column]
) -> str:
    if misses:
        name, miss = max(misses, key=lambda item: item[1].matched)
        return _("Sheet “%(sheet)s”: %(problem)s") % {"sheet": name, "problem": miss.message()}
    return _(
        "No sheet holds a header row in its first %(n)d rows (sheets: %(sheets)s); the "
        "template's columns are: %(columns)s."
    ) % {
        "n": HEADER_SCAN_ROWS,
        "sheets": "、".join(names),
        "columns": "、".join(c.header for c in layout),
    }
