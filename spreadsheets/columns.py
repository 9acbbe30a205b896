"""Finding the header row of a sheet and naming its columns.

A layout is a list of `Column`s: a field name, the header text of the template and the variants
offices write. The header row is the first of the first `HEADER_SCAN_ROWS` non-blank rows that
holds every required column (title rows and merged cells above it are skipped); columns may come
in any order, and unknown ones are ignored and reported.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from spreadsheets.normalise import header_key
from spreadsheets.reading import UnreadableFile

HEADER_SCAN_ROWS = 20


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    variants: tuple[str, ...] = ()
    required: bool = False

    def header_keys(self) -> set[str]:
        return {header_key(h) for h in (self.header, *self.variants)}


@dataclass
class Header:
    row: int
    positions: dict[str, int]  # field -> column index
    texts: dict[str, str]  # field -> header text as written in the file
    extra: list[str] = field(default_factory=list)


def match_header(cells: list, layout: list[Column]) -> tuple[Header, set[str]]:
    by_key = {key: column for column in layout for key in column.header_keys()}
    positions: dict[str, int] = {}
    texts: dict[str, str] = {}
    extra: list[str] = []
    for index, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue
        column = by_key.get(key)
        if column is None or column.field in positions:
            extra.append(" ".join(str(cell).split()))
            continue
        positions[column.field] = index
        texts[column.field] = " ".join(str(cell).split())
    missing = {c.field for c in layout if c.required} - set(positions)
    return Header(0, positions, texts, extra), missing


def find_header(
    rows: Iterator[tuple[int, list]], layout: list[Column]
) -> tuple[Header, Iterator[tuple[int, list]]]:
    """The header and the rows after it. Raises UnreadableFile when no row looks like one."""
    best: tuple[int, set[str]] | None = None
    for scanned, (number, cells) in enumerate(rows, start=1):
        header, missing = match_header(cells, layout)
        if header.positions and not missing:
            header.row = number
            return header, rows
        if header.positions and (best is None or len(header.positions) > best[0]):
            best = (len(header.positions), missing)
        if scanned >= HEADER_SCAN_ROWS:
            break
    if best is not None:
        names = "、".join(c.header for c in layout if c.field in best[1])
        raise UnreadableFile(
            _("The header row lacks the required columns: %(columns)s.") % {"columns": names}
        )
    expected = "、".join(c.header for c in layout)
    raise UnreadableFile(
        _("No header row found in the first %(n)d rows; the template's columns are: %(columns)s.")
        % {"n": HEADER_SCAN_ROWS, "columns": expected}
    )
