"""Finding the header row of a sheet and naming its columns.

A layout is a list of `Column`s: a field name and the header text of the template; the names
offices also write for it come from the one synonym table (`spreadsheets.headers`). The header
is the first of the first `HEADER_SCAN_ROWS` non-blank rows that holds every required column
(title rows and merged cells above it are skipped), or two adjacent rows read together when the
header is split over two rows (a merged group heading over its columns: 身份信息 over 身份证号码
and 联系电话). Columns may come in any order; unknown ones are ignored and reported. A required
column still missing is named with the closest header found, as a hint.
"""

import difflib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from spreadsheets.headers import header_key, synonyms_of
from spreadsheets.reading import UnreadableFile

HEADER_SCAN_ROWS = 20
SUGGEST_RATIO = 0.6  # how alike a header found must be to a missing column's to be suggested


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    variants: tuple[str, ...] = ()  # kind-specific names; shared ones go in headers.SYNONYMS
    required: bool = False

    def header_keys(self) -> set[str]:
        names = (self.header, *synonyms_of(self.header), *self.variants)
        return {header_key(name) for name in names}

    def names(self) -> tuple[str, ...]:
        """The template header and every other name it is read under, for the help page."""
        others = [n for n in (*synonyms_of(self.header), *self.variants) if n != self.header]
        return (self.header, *dict.fromkeys(others))


@dataclass
class Header:
    row: int  # the header's (last) row
    positions: dict[str, int]  # field -> column index
    texts: dict[str, str]  # field -> header text as written in the file
    extra: list[str] = field(default_factory=list)
    first_row: int = 0  # the header's first row: row - 1 for a header on two rows

    def mapping(self, layout: list["Column"]) -> list[dict]:
        """Which header of the file each template column was read from (None: not found)."""
        return [
            {
                "field": column.field,
                "template": column.header,
                "found": self.texts.get(column.field),
                "required": column.required,
            }
            for column in layout
        ]


@dataclass
class HeaderMiss:
    """The row that came closest to a header, when none holds every required column."""

    matched: int
    missing: list[Column]
    unmatched: list[str]  # headers of that row read as no column

    def message(self) -> str:
        """“The header row lacks X; is it ‘Y’?” for each missing column with a close header."""
        plain, hints = [], []
        for column in self.missing:
            found = closest_header(column, self.unmatched)
            if found is None:
                plain.append(column.header)
            else:
                hints.append(
                    _("The header row lacks %(column)s; is it ‘%(found)s’?")
                    % {"column": column.header, "found": found}
                )
        if plain:
            hints.insert(
                0,
                _("The header row lacks the required columns: %(columns)s.")
                % {"columns": "、".join(plain)},
            )
        return " ".join(hints)


def closest_header(column: Column, texts: list[str]) -> str | None:
    """The header among `texts` most like one of the column's names, if alike enough."""
    keys = column.header_keys()
    best, best_ratio = None, SUGGEST_RATIO
    for text in texts:
        found = header_key(text)
        for key in keys:
            ratio = difflib.SequenceMatcher(None, found, key).ratio()
            if ratio >= best_ratio and (best is None or ratio > best_ratio):
                best, best_ratio = text, ratio
    return best


def _text(cell) -> str:
    return " ".join(str(cell).split()) if cell is not None else ""


def _lookup_table(layout: list[Column]) -> dict[str, Column]:
    return {key: column for column in layout for key in column.header_keys()}


def match_header(cells: list, layout: list[Column]) -> tuple[Header, set[str]]:
    """The columns one row names, and the required fields it lacks."""
    return _match([[cell] for cell in cells], layout)


def _match(candidates: list[list], layout: list[Column]) -> tuple[Header, set[str]]:
    """Each position's candidate texts are tried in order; the first naming a column wins."""
    by_key = _lookup_table(layout)
    positions: dict[str, int] = {}
    texts: dict[str, str] = {}
    extra: list[str] = []
    for index, options in enumerate(candidates):
        options = [option for option in options if header_key(option)]
        if not options:
            continue
        chosen = None
        for option in options:
            column = by_key.get(header_key(option))
            if column is not None and column.field not in positions:
                chosen = column
                break
        if chosen is None:
            extra.append(_text(options[0]))
            continue
        positions[chosen.field] = index
        texts[chosen.field] = _text(option)
    missing = {c.field for c in layout if c.required} - set(positions)
    return Header(0, positions, texts, extra), missing


def _two_rows(upper: list, lower: list) -> list[list]:
    """A header over two rows: per column, the lower cell, both read as one, or the upper cell
    (a merged cell keeps its text in its first row only)."""
    width = max(len(upper), len(lower))
    candidates = []
    for index in range(width):
        top = upper[index] if index < len(upper) else None
        bottom = lower[index] if index < len(lower) else None
        both = f"{_text(top)}{_text(bottom)}" if top is not None and bottom is not None else None
        candidates.append([c for c in (bottom, both, top) if c is not None])
    return candidates


def _candidate(head: list[tuple[int, list]], index: int, layout: list[Column]):
    """(the header read from row `index` alone or with the next row, the required fields it
    lacks, the index of the first row after it)."""
    number, cells = head[index]
    found, missing = match_header(cells, layout)
    found.row = found.first_row = number
    after = index + 1
    if index + 1 < len(head) and head[index + 1][0] == number + 1:
        lower_cells = head[index + 1][1]
        pair, pair_missing = _match(_two_rows(cells, lower_cells), layout)
        # Two rows only when they name more than either alone (a title row above the header
        # adds nothing: the header is then the lower row, read on its own at the next index).
        alone = max(len(found.positions), len(match_header(lower_cells, layout)[0].positions))
        if not pair_missing and len(pair.positions) > alone:
            found, missing, after = pair, pair_missing, index + 2
            found.first_row, found.row = number, number + 1
    return found, missing, after


def scan_header(
    rows: Iterator[tuple[int, list]], layout: list[Column]
) -> tuple[Header | None, HeaderMiss | None, Iterator[tuple[int, list]]]:
    """(the header, None, the rows after it), or (None, the closest miss or None, rows) when
    the first HEADER_SCAN_ROWS non-blank rows hold no header."""
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS + 1))
    best: HeaderMiss | None = None
    for index in range(min(len(head), HEADER_SCAN_ROWS)):
        found, missing, after = _candidate(head, index, layout)
        if found.positions and not missing:
            return found, None, itertools.chain(head[after:], rows)
        if found.positions and (best is None or len(found.positions) > best.matched):
            best = HeaderMiss(
                len(found.positions),
                [c for c in layout if c.field in missing],
                found.extra,
            )
    return None, best, iter(())


def no_header_message(layout: list[Column]) -> str:
    return _(
        "No header row found in the first %(n)d rows; the template's columns are: %(columns)s."
    ) % {"n": HEADER_SCAN_ROWS, "columns": "、".join(c.header for c in layout)}


def find_header(
    rows: Iterator[tuple[int, list]], layout: list[Column]
) -> tuple[Header, Iterator[tuple[int, list]]]:
    """The header and the rows after it. Raises UnreadableFile when no row looks like one."""
    header, miss, rest = scan_header(rows, layout)
    if header is not None:
        return header, rest
    if miss is not None:
        raise UnreadableFile(miss.message())
    raise UnreadableFile(no_header_message(layout))
