"""What the whole-sheet reader (spreadsheets/reading.py) and the streaming one
(spreadsheets/xlsx_stream.py) share: the refusal of an unreadable file, the column limit, and
finding a workbook's sheets in its zip. Both import it, so neither imports the other back.
"""

import html
import re
import zipfile
from dataclasses import dataclass

MAX_COLUMNS = 200


class UnreadableFile(Exception):
    """The file itself cannot be read; the message is for the user."""


def from_column_a(cells: list, first_col: int) -> list:
    """Calamine's row from the sheet's first used column, as cells from column A (blank as
    None), so a column's position does not depend on which rows were read together."""
    if "" in cells:
        cells = [None if c == "" else c for c in cells]
    return [None] * first_col + cells if first_col else cells


@dataclass(frozen=True)
class SheetEntry:
    """A worksheet as xl/workbook.xml lists it, in the workbook's tab order."""

    name: str
    path: str | None  # its part in the archive
    hidden: bool


def workbook_relationships(archive: zipfile.ZipFile) -> list[str]:
    """The <Relationship> tags of xl/workbook.xml's relationships (sheets, styles, strings)."""
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")[: 1024 * 1024].decode("utf-8", "replace")
    except KeyError:
        return []
    return re.findall(r"<Relationship\b[^>]*>", rels)


def relationship_target(tag: str) -> str | None:
    """The part a relationship tag points at, as a name in the archive."""
    target = re.search(r'Target="([^"]+)"', tag)
    if target is None:
        return None
    path = target.group(1).lstrip("/")
    return path if path.startswith("xl/") else f"xl/{path}"


def _sheet_entries(archive: zipfile.ZipFile, worksheets_only: bool = True) -> list[SheetEntry]:
    """The worksheets (not chart sheets), from xl/workbook.xml and its relationships."""
    try:
        workbook = archive.read("xl/workbook.xml")[: 1024 * 1024].decode("utf-8", "replace")
    except KeyError:
        return []
    targets = {}
    for tag in workbook_relationships(archive):
        found = re.search(r'\bId="([^"]+)"', tag)
        if found:
            targets[found.group(1)] = relationship_target(tag)
    entries = []
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        rid = re.search(r'\br:id="([^"]+)"', tag)
        name = re.search(r'\bname="([^"]*)"', tag)
        path = targets.get(rid.group(1)) if rid else None
        if worksheets_only and path is not None and not path.startswith("xl/worksheets/"):
            continue  # a chart sheet
        state = re.search(r'\bstate="([^"]*)"', tag)
        entries.append(
            SheetEntry(
                name=html.unescape(name.group(1)) if name else "",
                path=path,
                hidden=bool(state) and state.group(1) != "visible",
            )
        )
    return entries


def first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet of any kind: the one a reader opens as sheet 0."""
    entries = _sheet_entries(archive, worksheets_only=False)
    return entries[0].path if entries else None
