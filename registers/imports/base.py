"""The import's vocabulary: its limits, the row, the report and its errors, and the Importer base
class.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import (
    connection,
)
from django.utils.translation import gettext as _

from accounts.access import Action, can
from orgs.models import LEVEL_COLUMNS, OrgUnit
from registers.actions import RegisterAction
from registers.identity import (
    clean_text,
)
from spreadsheets.columns import Column, Header
from spreadsheets.normalise import (
    clean,
)

# A list: another app adds its kind with `register_kind` (assessments' carried-in titles).
KINDS = ["orgs", "members", "posts", "trainings", "activities"]
BATCH_SIZE = 2000
ROWS_PER_INSERT = 1000  # rows of one INSERT on SQLite, see RowSink
SQLITE_IMPORT_CACHE_KIB = 32 * 1024  # see sqlite_page_cache
LOOKUP_CHUNK = 500  # keys of one IN (…) lookup, under SQLite's oldest limit of parameters
MEMO_LIMIT = 20_000  # remembered outcomes per column, see MemberImporter._remember
ANALYZE_AFTER = 10_000  # rows created by one import, after which PostgreSQL's statistics refresh
IMPORT_ACTION = RegisterAction.IMPORT
OBJECT_TYPES = {
    "orgs": "orgs.orgunit",
    "members": "registers.member",
    "posts": "registers.post",
    "trainings": "registers.training",
    "activities": "registers.serviceactivity",
}


@dataclass
class RowError:
    row: int  # as Excel shows it (1-based sheet row)
    column: str  # the header as written in the file
    message: str
    sheet: str = ""  # the sheet's name, when the file's table spans several sheets

    def as_dict(self) -> dict:
        data = asdict(self)
        if not self.sheet:
            del data["sheet"]  # one-sheet reports keep the row-error shape they always had
        return data


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False
    extra_columns: list[str] = field(default_factory=list)
    # Each sheet read: its name, header row(s) and which header each template column came from.
    sheets: list[dict] = field(default_factory=list)
    # Rows under the table holding only a note (制表人：…, 注：…): {"sheet", "row", "text"}.
    skipped_notes: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [error.as_dict() for error in self.errors],
            "extra_columns": list(self.extra_columns),
            "imported": self.imported,
            "sheets": list(self.sheets),
            "skipped_notes": list(self.skipped_notes),
        }


def _lookup(table: dict, value) -> Any:
    return table.get(clean(value).replace(" ", "").lower())


def _in(column: str, values: list) -> tuple[str, list]:
    """`column IN (…)` for a raw query: one array parameter on PostgreSQL (planned once, not
    per value), a placeholder a value on SQLite."""
    quoted = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        return f"{quoted} = ANY(%s)", [list(values)]
    return f"{quoted} IN ({', '.join(['%s'] * len(values))})", list(values)


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def present(value) -> bool:
    """Whether a cell holds something (the reader turns empty cells into None)."""
    return value is not None and not (value.__class__ is str and not value.strip())


def quick_text(value) -> str:
    """clean_text, quicker for the common case of one word (a name) with nothing to clean."""
    if value.__class__ is str:
        text = unicodedata.normalize("NFKC", value)
        if text.isalnum():
            return text
    return clean_text(value)


def _choices_text(words: dict) -> str:
    return "、".join(forms[0] for forms in words.values())


# The run


@dataclass
class Row:
    number: int
    cells: dict[str, Any]  # field -> raw cell, for the columns present in the file
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    sheet: str = ""  # set when the table spans several sheets

    def error(self, field_name: str, message: str) -> None:
        self.errors.append((field_name, message))


class Importer:
    """One kind's rules. Subclasses check and write a batch of rows at a time."""

    kind = ""
    columns: list[Column] = []

    def __init__(self, actor, report: ImportReport, header: Header):
        self.actor = actor
        self.report = report
        self.header = header
        self.units_touched: dict[int, OrgUnit] = {}

    def column_text(self, field_name: str) -> str:
        if field_name in self.header.texts:
            return self.header.texts[field_name]
        for column in self.columns:
            if column.field == field_name:
                return column.header
        return ""

    def has(self, row: Row, field_name: str) -> bool:
        """Whether the file has the column and the row a non-blank value in it (the reader
        turns blank cells into None)."""
        value = row.cells.get(field_name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def process(self, rows: list[Row]) -> None:
        raise NotImplementedError

    @staticmethod
    def place(row: Row) -> int | tuple[str, int]:
        """Where a row is, to name it in a later duplicate's error: its number, with its sheet
        when the table spans several sheets."""
        return (row.sheet, row.number) if row.sheet else row.number

    @staticmethod
    def duplicate_of(row: Row, first: int | tuple[str, int]) -> str:
        if isinstance(first, tuple) and first[0] != row.sheet:
            return _("Duplicate of row %(row)d of sheet “%(sheet)s”.") % {
                "row": first[1],
                "sheet": first[0],
            }
        number = first[1] if isinstance(first, tuple) else first
        return _("Duplicate of row %(row)d.") % {"row": number}

    def writing(self) -> AbstractContextManager:
        """Around the batches of a run: a kind that writes in the background starts its writer
        here, and has it finish (or fail) before the run's transaction ends."""
        return nullcontext()

    def settle(self, row: Row) -> bool:
        """Count the row's errors into the report; True when the row is good."""
        self.report.rows += 1
        if row.errors:
            for field_name, message in row.errors:
                self.report.errors.append(
                    RowError(
                        row=row.number,
                        column=self.column_text(field_name),
                        message=message,
                        sheet=row.sheet,
                    )
                )
            return False
        self.report.valid += 1
        return True

    def allowed(self, action: Action, unit: OrgUnit | None) -> bool:
        if self.actor is None:
            return True
        if unit is None:
            return bool(getattr(self.actor, "is_superuser", False))
        return can(self.actor, action, unit)

    def common_unit_id(self) -> int | None:
        """The lowest unit that holds every unit the run touched, for the run's audit event."""
        units = list(self.units_touched.values())
        if not units:
            return None
        if len(units) == 1:
            return units[0].pk
        for level in sorted(LEVEL_COLUMNS, reverse=True):
            column = f"{LEVEL_COLUMNS[level]}_id"
            ids = {getattr(u, column) for u in units}
            if len(ids) == 1 and None not in ids:
                return ids.pop()
        return None


def _out_of_scope() -> str:
    return _("This unit is outside the units you manage; the row cannot be imported.")
