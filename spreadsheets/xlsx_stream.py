"""Reading an .xlsx sheet a few thousand rows at a time, so memory stays bounded by the chunk.

python-calamine is the fastest reader but holds a whole sheet (about 1 KiB a row of a register),
and it has no streaming interface. So the sheet's XML is inflated block by block, cut at row
boundaries, and each piece is handed to calamine as a small workbook of its own: the original
workbook's small parts (content types, relationships, workbook, styles: dates and the 1904
flag read as in the whole file) and one sheet holding the piece's rows with their original row
numbers. Calamine parses a piece without Python's lock, so a background thread parses the next
piece while the importer checks this one.

Shared strings (what Excel writes for text) are resolved once for the file, by calamine too,
and each piece's shared-string cells are rewritten as text cells carrying a marker character
and the string's index (`t="s"><v>12` → `t="str"><v>\\ue00012`), which the rows turn back into
the string. The marker is a private-use character absent from the piece.

`open_streaming` returns None for a layout it does not handle (no sheetData tag in the head,
namespace-prefixed tags), and the caller reads the sheet whole instead.
"""

from __future__ import annotations

import io
import queue
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils import translation
from django.utils.translation import gettext as _

from spreadsheets.workbook import (
    MAX_COLUMNS,
    UnreadableFile,
    first_sheet_part,
    from_column_a,
    relationship_target,
    workbook_relationships,
)

CHUNK_BYTES = 1024 * 1024  # inflated sheet XML per piece: about 1,500 register rows
HEAD_LIMIT = 4 * 1024 * 1024  # where the <sheetData> tag must start
PREFETCH = 2  # pieces parsed ahead of the importer
SHARED_PER_ROW = 1000  # cells per row of the workbook that resolves the shared strings
MARKS = tuple(chr(0xE000 + n) for n in range(32))
EMPTY_SHARED = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'count="0" uniqueCount="0"/>'
)
KEPT_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")
DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
LAST_ROW = re.compile(rb'<dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
FIRST_ROW_TAG = re.compile(rb"<row\b[^>]*>")
ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
SHARED_CELL = re.compile(rb"\st=([\"'])s\1([^>]*)>(\s*)<v>")
SHARED_COUNT = re.compile(rb'uniqueCount="(\d+)"')


def damaged() -> UnreadableFile:
    return UnreadableFile(
        _("The workbook is damaged or incomplete (perhaps cut off while copying).")
    )


@dataclass
class Layout:
    """What every piece's workbook repeats, and where the sheet's rows begin."""

    sheet_path: str  # where each piece's workbook holds the piece: the first sheet's part, so
    # that calamine opens it as sheet 0 whichever sheet of the file it came from
    kept: dict[str, bytes]
    head: bytes  # the worksheet's opening, up to <sheetData>, without <dimension>
    shared_path: str | None
    last_row: int  # the declared used range's last row, or 0


def open_streaming(
    stream: BinaryIO, sheet_path: str | None, *, owned: bool
) -> tuple[int, Iterator[tuple[int, list]]] | None:
    """(the declared last row, the rows) of the sheet, or None when the sheet's layout
    asks for the whole-sheet reader. The stream must hold a checked workbook (check_zip)."""
    archive = zipfile.ZipFile(stream)
    names = set(archive.namelist())
    if sheet_path is None or sheet_path not in names:
        return None
    part = archive.open(sheet_path)
    start = _read_head(part)
    if start is None:
        part.close()
        return None
    head, rest, empty = start
    layout = Layout(
        sheet_path=first_sheet_part(archive) or sheet_path,
        kept=_kept_parts(archive, names),
        head=DIMENSION.sub(b"", head),
        shared_path=_shared_strings_path(archive, names),
        last_row=_last_row(head),
    )
    language = translation.get_language()

    def pieces() -> Iterator[list[tuple[int, list]]]:
        with translation.override(language):
            shared = _shared_strings(archive, layout) if layout.shared_path else None
            next_row = 1
            for xml in [] if empty else _row_pieces(part, rest):
                rows, next_row = _parse_piece(xml, layout, shared, next_row)
                if rows:
                    yield rows

    def close() -> None:
        part.close()
        archive.close()
        if owned:
            stream.close()

    return layout.last_row, _flatten(prefetched(pieces, close))


def _flatten(pieces: Iterator[list[tuple[int, list]]]) -> Iterator[tuple[int, list]]:
    for rows in pieces:
        yield from rows


# The workbook's parts


def _read_head(part) -> tuple[bytes, bytes, bool] | None:
    """(the XML before <sheetData>, what follows its start tag, whether it is empty), or None
    when the tag is not found near the start or carries a namespace prefix."""
    buffer = b""
    while len(buffer) < HEAD_LIMIT:
        block = part.read(64 * 1024)
        if not block:
            break
        buffer += block
        at = buffer.find(b"sheetData")
        if at >= 0 and buffer.find(b">", at) >= 0:
            if at == 0 or buffer[at - 1 : at] != b"<":
                return None  # <x:sheetData> and the like: left to the whole-sheet reader
            end = buffer.find(b">", at)
            empty = buffer[end - 1 : end] == b"/"
            return buffer[: at - 1], buffer[end + 1 :], empty
    return None


def _shared_strings_path(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    for tag in workbook_relationships(archive):
        if "/sharedStrings" in tag:
            path = relationship_target(tag)
            if path in names:
                return path
    return "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else None


def _kept_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, bytes]:
    """The parts every piece's workbook carries: those calamine reads before a sheet."""
    wanted = [name for name in KEPT_PARTS if name in names]
    for tag in workbook_relationships(archive):
        if "/styles" in tag:
            path = relationship_target(tag)
            if path in names:
                wanted.append(path)
    if "xl/styles.xml" in names and "xl/styles.xml" not in wanted:
        wanted.append("xl/styles.xml")
    return {name: archive.read(name) for name in wanted}


def _last_row(head: bytes) -> int:
    found = LAST_ROW.search(head[-64 * 1024 :]) or LAST_ROW.search(head)
    if found is None:
        return 0
    return int(found.group(1) or 0)


def _workbook(layout: Layout, sheet_xml: bytes, shared: bytes = EMPTY_SHARED) -> io.BytesIO:
    """A workbook of the layout's parts with this sheet XML, stored uncompressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in layout.kept.items():
            archive.writestr(name, data)
        if layout.shared_path:
            archive.writestr(layout.shared_path, shared)
        archive.writestr(layout.sheet_path, sheet_xml)
    buffer.seek(0)
    return buffer


def _calamine_sheet(workbook: io.BytesIO):
    import python_calamine

    try:
        return python_calamine.CalamineWorkbook.from_filelike(workbook).get_sheet_by_index(0)
    except Exception as error:  # calamine raises several types for damaged content
        raise damaged() from error


def _shared_strings(archive: zipfile.ZipFile, layout: Layout) -> list[str]:
    """Every shared string in index order, resolved by calamine from a sheet that cites each
    (rich text, phonetic runs and escapes are read exactly as in a whole-sheet read)."""
    data = archive.read(layout.shared_path)
    found = SHARED_COUNT.search(data[:4096])
    declared = int(found.group(1)) if found else 0
    count = max(declared, data.count(b"<si>") + data.count(b"<si "))  # a writer may miscount
    if count == 0:
        return []
    rows = []
    for first in range(0, count, SHARED_PER_ROW):
        cells = "".join(
            f'<c t="s"><v>{index}</v></c>'
            for index in range(first, min(first + SHARED_PER_ROW, count))
        )
        rows.append(f'<row r="{first // SHARED_PER_ROW + 1}">{cells}</row>')
    sheet_xml = layout.head + b"<sheetData>" + "".join(rows).encode() + b"</sheetData></worksheet>"
    sheet = _calamine_sheet(_workbook(layout, sheet_xml, data))
    strings = [""] * count
    if sheet.start is None:
        return strings
    first_row, first_col = sheet.start  # blank strings before it are left out of the range
    for index, row in enumerate(sheet.to_python()):
        at = (first_row + index) * SHARED_PER_ROW + first_col
        strings[at : at + len(row)] = row
    return strings[:count]


# The rows


def _row_pieces(part, rest: bytes) -> Iterator[bytes]:
    """The rows' XML in pieces of at most CHUNK_BYTES (unless one row is longer), each cut
    before a <row> tag."""
    buffer = rest
    while True:
        end = buffer.find(b"</sheetData>")
        if end >= 0:
            buffer = buffer[:end]
        while len(buffer) > CHUNK_BYTES:
            cut = buffer.rfind(b"<row", 1, CHUNK_BYTES)
            if cut <= 0:  # one row longer than a piece
                cut = buffer.find(b"<row", CHUNK_BYTES)
            if cut <= 0:
                break
            yield buffer[:cut]
            buffer = buffer[cut:]
        if end >= 0:
            if b"<row" in buffer:
                yield buffer
            return
        block = part.read(CHUNK_BYTES)
        if not block:
            raise damaged()  # the sheet stops before </sheetData>
        buffer += block


def _mark_for(xml: bytes) -> str | None:
    for mark in MARKS:
        if mark.encode() not in xml:
            return mark
    return None


def _mark_shared_cells(xml: bytes, mark: str) -> bytes:
    """Rewrite shared-string cells as text cells holding the mark and the string's index."""
    marked = xml.replace(b' t="s"><v>', b' t="str"><v>' + mark.encode())
    if b't="s"' in marked or b"t='s'" in marked:  # other attribute orders or quotes
        marked = SHARED_CELL.sub(rb' t="str"\2>\3<v>' + mark.encode(), marked)
    return marked


def _numbered(xml: bytes, next_row: int) -> tuple[bytes, int]:
    """The piece with its first row numbered (a writer may leave row numbers out; calamine then
    counts from the piece's start), and the number of the row after the piece."""
    first = FIRST_ROW_TAG.search(xml)
    if first is None:
        return xml, next_row
    if ROW_NUMBER.search(first.group(0)) is None:
        tag = first.group(0)
        numbered = tag[:4] + f' r="{next_row}"'.encode() + tag[4:]
        xml = xml[: first.start()] + numbered + xml[first.end() :]
    last = xml.rfind(b"<row")
    tag = FIRST_ROW_TAG.match(xml, last)
    number = ROW_NUMBER.search(tag.group(0)) if tag else None
    if number is None:  # rows without numbers throughout: count them
        return xml, next_row + xml.count(b"<row")
    return xml, int(number.group(1)) + 1


def _parse_piece(
    xml: bytes, layout: Layout, shared: list[str] | None, next_row: int
) -> tuple[list[tuple[int, list]], int]:
    xml, next_row = _numbered(xml, next_row)
    mark = None
    if shared is not None and b"t=" in xml:
        mark = _mark_for(xml)
        if mark is None:
            raise damaged()
        xml = _mark_shared_cells(xml, mark)
    sheet = _calamine_sheet(
        _workbook(layout, layout.head + b"<sheetData>" + xml + b"</sheetData></worksheet>")
    )
    start = sheet.start
    if start is None:
        return [], next_row
    first_row, first_col = start
    if sheet.width > MAX_COLUMNS + first_col:
        raise UnreadableFile(
            _("The sheet has more than %(max)d columns; is it the right file?")
            % {"max": MAX_COLUMNS}
        )
    rows = []
    try:
        # to_python starts at the first used row and column (iter_rows would list every row
        # above the piece as blank).
        for index, cells in enumerate(sheet.to_python()):
            if mark is not None:
                cells = _resolved(cells, mark, shared)
            rows.append((first_row + index + 1, from_column_a(cells, first_col)))
    except (ValueError, IndexError) as error:
        raise damaged() from error
    return rows, next_row


def _resolved(cells: list, mark: str, shared: list[str]) -> list:
    resolved = []
    for cell in cells:
        if cell.__class__ is str and cell[:1] == mark:
            cell = shared[int(cell[1:])]
        resolved.append(cell)
    return resolved


# Parsing ahead


def prefetched(
    produce: Callable[[], Iterator], close: Callable[[], None], depth: int = PREFETCH
) -> Iterator:
    """The items of produce(), made by a background thread up to `depth` ahead. Its exceptions
    are raised here; closing this iterator early stops the thread. `close` runs once the thread
    has finished."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in produce():
                if not put((item, None)):
                    return
            put((done, None))
        except BaseException as error:  # handed to the consumer, raised there
            put((None, error))

    thread = threading.Thread(target=work, name="xlsx-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        thread.join()
        close()
