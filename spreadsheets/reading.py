"""Reading office spreadsheets (.xlsx, .csv) row by row, refusing malformed files early.

`open_rows(source, filename, sheet=…)` checks the content (never the name) and returns a `Sheet`
(the first worksheet, or the one named) whose `rows()` yields `(excel_row_number, [cell, …])`
one row at a time: python-calamine for .xlsx, a few thousand rows at a time
(`spreadsheets.xlsx_stream`; a layout it does not handle is read whole), the csv module over a
decoded stream for .csv. Every problem with the file itself raises `UnreadableFile` with a
message for the user. `sheet_names` lists a workbook's visible worksheets.
"""

import codecs
import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from spreadsheets.workbook import MAX_COLUMNS, UnreadableFile, _sheet_entries, from_column_a
from spreadsheets.xlsx_stream import open_streaming

# Limits that keep a hostile or broken file within bounded time and memory.
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # all members of an .xlsx together
MAX_COMPRESSION_RATIO = 200  # per member larger than 1 MB; real sheets compress 5–30×
MAX_ROWS = 1_048_576  # Excel's own limit
# An .xlsx sheet is streamed, but a layout the streaming reader leaves alone is held whole (in
# Rust, ~50 bytes a cell): the declared range is capped before reading. 300,000 rows of 20
# columns is three times the benchmark's 100,000.
MAX_SHEET_ROWS = 300_000
MAX_SHEET_CELLS = 6_000_000
MAX_BLANK_RUN = 1000  # consecutive blank rows that end the data
CSV_FIELD_LIMIT = 100_000
STREAM_XLSX = True  # False reads every sheet whole (tests compare the two)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


Cell = object


def is_blank(cells) -> bool:
    for cell in cells:  # a loop that stops at the first value: usually the first cell
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        return False
    return True


@dataclass
class Sheet:
    """One sheet's rows, read lazily. `total` is an upper bound of the rows, for progress."""

    format: str
    total: int
    _rows: Iterator[tuple[int, list]]
    name: str = ""  # the worksheet's name; "" for a .csv

    def rows(self) -> Iterator[tuple[int, list]]:
        """Non-blank rows as (row number as Excel shows it, cells); see `_guard_blank_runs`."""
        return _guard_blank_runs(self._rows)

    def close(self) -> None:
        """Stop reading early (the streaming reader's thread ends and the file is closed)."""
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()


def _guard_blank_runs(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """Skip blank rows. A run of MAX_BLANK_RUN blank rows ends the data; if anything but blank
    rows follows it the file is refused (scanning the rest is cheap and bounded by MAX_ROWS).
    Rows a reader leaves out (the numbers jump) count as blank rows."""
    blank_run = 0
    ended_at = None
    previous = 0
    for number, cells in rows:
        if number > previous + 1:
            blank_run += number - previous - 1
            if blank_run >= MAX_BLANK_RUN and ended_at is None:
                ended_at = number - blank_run
        previous = number
        if number > MAX_ROWS:
            raise UnreadableFile(
                _("The file has more than %(max)d rows; split it into smaller files.")
                % {"max": MAX_ROWS}
            )
        if is_blank(cells):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN and ended_at is None:
                ended_at = number - blank_run + 1
            continue
        if ended_at is not None:
            raise UnreadableFile(
                _(
                    "Rows %(first)d onwards hold more than %(max)d blank rows with data after "
                    "them at row %(row)d; delete the blank rows and import again."
                )
                % {"first": ended_at, "max": MAX_BLANK_RUN, "row": number}
            )
        blank_run = 0
        yield number, cells


def _read_head(stream: BinaryIO, size: int) -> bytes:
    position = stream.tell()
    head = stream.read(size)
    stream.seek(position)
    return head or b""


def open_rows(source: Path | str | BinaryIO, filename: str = "", sheet: str | None = None) -> Sheet:
    """The first worksheet of an .xlsx (or the one named `sheet`), or a .csv, checked by
    content. Raises UnreadableFile."""
    owned = isinstance(source, str | Path)
    if owned:
        try:
            stream: BinaryIO = open(source, "rb")  # noqa: SIM115 — closed when the rows end
        except OSError as error:
            raise UnreadableFile(
                _("The file cannot be opened: %(reason)s") % {"reason": error.strerror}
            ) from error
    else:
        stream = source
    try:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
    except (OSError, ValueError) as error:
        raise UnreadableFile(_("The file cannot be read.")) from error
    if size == 0:
        raise UnreadableFile(_("The file is empty."))
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(
            _("The file is larger than %(mb)d MB; split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    head = _read_head(stream, 8)
    if head.startswith(ZIP_MAGIC):
        return _open_xlsx(stream, owned=owned, sheet=sheet)
    if head.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in _read_head(stream, 4 * 1024 * 1024):
            raise UnreadableFile(
                _("The workbook is password-protected; remove the password and import again.")
            )
        raise UnreadableFile(
            _("This is an old .xls workbook; save it as .xlsx (Excel Workbook) and import again.")
        )
    return _open_csv(stream, size)


# .xlsx


def check_zip(stream: BinaryIO, sheet: str | None = None) -> str | None:
    """Refuse a truncated archive, or a zip bomb by its declared sizes, before decompressing.
    Returns the first worksheet's part name, or the named sheet's (None if the workbook does
    not say)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise UnreadableFile(
            _("The workbook is damaged or incomplete (perhaps cut off while copying).")
        ) from error
    with archive:
        names = set()
        total = 0
        for info in archive.infolist():
            names.add(info.filename)
            total += info.file_size
            if info.file_size > 1024 * 1024 and (
                info.compress_size == 0
                or info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
            ):
                raise UnreadableFile(
                    _(
                        "The workbook expands to far more than its size (a “zip bomb”); it is "
                        "refused."
                    )
                )
        if total > MAX_UNCOMPRESSED_BYTES:
            raise UnreadableFile(
                _("The workbook expands to more than %(mb)d MB; split it into smaller files.")
                % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
            )
        if "[Content_Types].xml" not in names or not any(
            n.startswith("xl/worksheets/") for n in names
        ):
            raise UnreadableFile(_("The file is a zip archive but not an Excel workbook."))
        entries = [e for e in _sheet_entries(archive) if e.path is None or e.path in names]
        if sheet is None:
            sheet_path = entries[0].path if entries else None
        else:
            sheet_path = next((e.path for e in entries if e.name == sheet), None)
        _check_dimension(archive, sheet_path, names)
    stream.seek(0)
    return sheet_path


def sheet_names(source: Path | str | BinaryIO) -> list[str]:
    """The visible worksheets of an .xlsx in tab order; [] for anything else (open_rows then
    says what is wrong with it)."""
    if isinstance(source, str | Path):
        try:
            with open(source, "rb") as stream:
                return sheet_names(stream)
        except OSError:
            return []
    try:
        source.seek(0)
        if not _read_head(source, 4).startswith(ZIP_MAGIC):
            return []
        with zipfile.ZipFile(source) as archive:
            return [entry.name for entry in _sheet_entries(archive) if not entry.hidden]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return []
    finally:
        with contextlib.suppress(OSError, ValueError):
            source.seek(0)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _check_dimension(archive: zipfile.ZipFile, path: str | None, names: set[str]) -> None:
    """Refuse a sheet whose declared used range is far beyond any register (a million empty
    rows, say): the reader would hold the whole range in memory. Reads only the sheet's head."""
    if path is None or path not in names:
        return
    with archive.open(path) as part:
        head = part.read(64 * 1024).decode("utf-8", "replace")
    found = re.search(r'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', head)
    if found is None:
        return
    last_column, last_row = found.group(3) or found.group(1), int(found.group(4) or found.group(2))
    columns = _column_number(last_column)
    if last_row > MAX_SHEET_ROWS or last_row * columns > MAX_SHEET_CELLS:
        raise UnreadableFile(
            _(
                "The sheet's used range reaches row %(rows)d and column %(column)s, far beyond "
                "the data a register holds (empty but formatted rows or columns count too); "
                "delete the empty rows and columns below and right of the data, or copy the "
                "data into a new workbook."
            )
            % {"rows": last_row, "column": last_column}
        )


def _open_xlsx(stream: BinaryIO, *, owned: bool, sheet: str | None) -> Sheet:

    sheet_path = check_zip(stream, sheet)
    if STREAM_XLSX:
        try:
            streaming = open_streaming(stream, sheet_path, owned=owned)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise UnreadableFile(
                _("The workbook is damaged or incomplete (perhaps cut off while copying).")
            ) from error
        if streaming is not None:
            last_row, rows = streaming
            return Sheet("xlsx", last_row, rows, sheet or "")
        stream.seek(0)
    return _open_xlsx_whole(stream, sheet)


def _open_xlsx_whole(stream: BinaryIO, name: str | None = None) -> Sheet:
    """The sheet read whole by python-calamine: layouts the streaming reader leaves alone."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
        by_name = name is not None
        sheet = workbook.get_sheet_by_name(name) if by_name else workbook.get_sheet_by_index(0)
        start = sheet.start
    except python_calamine.PasswordError as error:
        raise UnreadableFile(
            _("The workbook is password-protected; remove the password and import again.")
        ) from error
    except Exception as error:  # calamine raises several types for damaged content
        raise UnreadableFile(
            _("The workbook is damaged or incomplete (perhaps cut off while copying).")
        ) from error
    if start is None:
        return Sheet("xlsx", 0, iter(()), name or "")
    first_row, first_col = start
    if sheet.width > MAX_COLUMNS + first_col:
        raise UnreadableFile(
            _("The sheet has more than %(max)d columns; is it the right file?")
            % {"max": MAX_COLUMNS}
        )

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for index, cells in enumerate(sheet.iter_rows()):
                # iter_rows counts rows from row 1 but columns from the first used column.
                yield index + 1, from_column_a(cells, first_col)
        except UnreadableFile:
            raise
        except Exception as error:
            raise UnreadableFile(
                _("The workbook is damaged or incomplete (perhaps cut off while copying).")
            ) from error

    return Sheet("xlsx", first_row + sheet.height, rows(), name or "")


# .csv


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) if the sample decodes as UTF-8, else GB18030 (GBK's superset,
    what Chinese Excel writes)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        return ""


def _count_lines(stream: BinaryIO) -> int:
    lines = 0
    while chunk := stream.read(1024 * 1024):
        lines += chunk.count(b"\n")
    stream.seek(0)
    return lines + 1


def _open_csv(stream: BinaryIO, size: int) -> Sheet:
    sample = _read_head(stream, 256 * 1024)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(
            _("The file is not a spreadsheet: upload an .xlsx workbook or a .csv file.")
        )
    encoding = detect_encoding(sample)
    if not encoding:
        raise UnreadableFile(
            _("The file is not a spreadsheet: upload an .xlsx workbook or a .csv file.")
        )
    total = _count_lines(stream)
    # Excel writes commas (or tabs for “Unicode text”); categories inside cells may hold “;”.
    dialect = csv.excel_tab if b"\t" in sample and b"," not in sample else csv.excel
    csv.field_size_limit(CSV_FIELD_LIMIT)

    def rows() -> Iterator[tuple[int, list]]:
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        reader = csv.reader(text, dialect)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):  # noqa: B007 — used below
                if len(cells) > MAX_COLUMNS:
                    raise UnreadableFile(
                        _("Row %(row)d has more than %(max)d columns; is it the right file?")
                        % {"row": number, "max": MAX_COLUMNS}
                    )
                yield number, [c if c.strip() else None for c in cells]
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                _(
                    "The text near row %(row)d is neither UTF-8 nor GBK; save the file as "
                    "“CSV UTF-8” and import again."
                )
                % {"row": number + 1}
            ) from error
        except csv.Error as error:
            raise UnreadableFile(
                _("The CSV file cannot be read near row %(row)d: %(reason)s")
                % {"row": number + 1, "reason": error}
            ) from error
        finally:
            with contextlib.suppress(ValueError):  # ValueError: the caller closed it already
                text.detach()  # leave the caller's stream open

    return Sheet("csv", total, rows())
