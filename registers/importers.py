"""Importing org units and registers from office spreadsheets (.xlsx, .csv).

`run_import(kind, source, filename=…, actor=…)` is the one entry point, for the command line
(`sanlian import`) and the web upload alike. It streams the rows (spreadsheets.reading), checks
every row, and writes in one transaction:

- every bad row is reported as a `RowError` with its row number as Excel shows it, the column
  header as written in the file and the reason;
- by default nothing is written while any row is bad; `only_valid=True` writes the good rows;
  `dry_run=True` writes nothing but reports what would happen (the same checks run, inside a
  transaction that is rolled back, so later rows may refer to units created by earlier ones);
- importing the same file again changes nothing (created=0, updated=0, unchanged=N).

Matching (docs: decisions to record):
- org units by division code; a unit without one (a group, an urban branch, an enterprise
  association) by its parent and name. “上级代码” names the parent by its code, or, for a parent
  without a code, as “CODE/NAME” (the child NAME of the unit with CODE), which is what the export
  writes.
- members by the blind index of their ID number; a row without an ID number (or with a masked
  one, as exports write them) by unit + name + birth date, and such a row needs a birth date.
  A masked ID number or phone is accepted only when it matches the stored member's masked form,
  and it leaves the stored value untouched.
- a blank cell never erases a stored value; a column missing from the file is left alone.

Members are written in bulk — new ones by a background writer thread, batch k while batch k+1
is read (see BatchWriter), changed ones with bulk_update — with one `registers.import` audit
event per run carrying the counts; org units go through orgs.services (one event per unit) plus
the run's event.
"""

from __future__ import annotations

import datetime
import io
import operator
import queue
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    connection,
    connections,
    models,
    reset_queries,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Action, can
from audit.services import deferred_events, record_event
from campaigns import rollups
from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit, Status
from orgs.services import EDITABLE_FIELDS, do_create_unit, do_update_unit
from registers import pii
from registers.identity import (
    IdentityError,
    birth_date_from_id,
    clean_text,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
    sex_from_id,
)
from registers.models import (
    SINGLE_HOLDER_POSTS,
    Audience,
    Carrier,
    Education,
    Member,
    Need,
    Post,
    PostKind,
    RecruitmentCategory,
    ServiceActivity,
    Sex,
    Training,
)
from registers.record_services import eligible_attendees
from registers.services import holds_register
from spreadsheets.columns import Column, Header
from spreadsheets.normalise import (
    CellError,
    clean,
    digits_text,
    parse_bool,
    parse_date,
    parse_int,
    split_list,
)
from spreadsheets.reading import UnreadableFile
from spreadsheets.table import Table, TableSheet, open_table

__all__ = [
    "KINDS",
    "ImportReport",
    "RowError",
    "UnreadableFile",
    "layout_for",
    "run_import",
]

# A list: another app adds its kind with `register_kind` (assessments' carried-in titles).
KINDS = ["orgs", "members", "posts", "trainings", "activities"]
BATCH_SIZE = 2000
ROWS_PER_INSERT = 1000  # rows of one INSERT on SQLite, see RowSink
SQLITE_IMPORT_CACHE_KIB = 32 * 1024  # see sqlite_page_cache
LOOKUP_CHUNK = 500  # keys of one IN (…) lookup, under SQLite's oldest limit of parameters
MEMO_LIMIT = 20_000  # remembered outcomes per column, see MemberImporter._remember
ANALYZE_AFTER = 10_000  # rows created by one import, after which PostgreSQL's statistics refresh
IMPORT_ACTION = "registers.import"
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


# Column layouts: the template headers. What offices also write for them is in the one synonym
# table, spreadsheets.headers.SYNONYMS (shown on each template's help page).

ORG_COLUMNS = [
    Column("name", "单位名称", required=True),
    Column("level", "层级", required=True),
    Column("category", "类别"),
    Column("division_code", "行政区划代码"),
    Column("parent_code", "上级代码"),
    Column("population", "人口"),
    Column("households", "户数"),
    Column("is_key_village", "新农村建设重点村"),
    Column("home_village_code", "流出地村(居)代码"),
]

MEMBER_COLUMNS = [
    Column("name", "姓名", required=True),
    Column("sex", "性别"),
    Column("birth_date", "出生日期"),
    Column("id_number", "身份证号码"),
    Column("phone", "联系电话"),
    Column("unit_code", "所属村(居)代码", required=True),
    Column("group", "所属小组"),
    Column("categories", "会员类别"),
    Column("join_date", "入会日期"),
    Column("education", "文化程度"),
    Column("occupation", "职业"),
]

LAYOUTS = {"orgs": ORG_COLUMNS, "members": MEMBER_COLUMNS}


def layout_for(kind: str) -> list[Column]:
    if kind not in LAYOUTS:
        raise UnreadableFile(
            _("Importing %(kind)s from a spreadsheet is not available yet.") % {"kind": kind}
        )
    return LAYOUTS[kind]


# Words offices write, to stored values (shared with the exporters, which write the first).

LEVEL_WORDS: dict[int, tuple[str, ...]] = {
    Level.PROVINCE: ("省", "省级", "province"),
    Level.CITY: ("市", "市级", "地级市", "州", "city"),
    Level.COUNTY: ("县", "县级", "区", "县(区)", "县(市、区)", "县/区", "县区", "county"),
    Level.TOWNSHIP: (
        "乡镇(街道)",
        "乡镇",
        "乡镇/街道",
        "乡镇街道",
        "街道",
        "乡",
        "镇",
        "township",
    ),
    Level.VILLAGE: ("村(居)", "村", "村居", "村/社区", "社区", "居", "村(社区)", "village"),
    Level.GROUP: ("小组", "组", "协会小组", "group"),
}
# A level written as 乡, 镇, 街道, 村 or 社区 also says the category when that column is blank.
LEVEL_IMPLIES_CATEGORY = {
    "乡": Category.TOWNSHIP,
    "镇": Category.TOWN,
    "街道": Category.STREET,
    "村": Category.VILLAGE,
    "社区": Category.COMMUNITY,
    "居": Category.COMMUNITY,
}
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    Category.STREET: ("街道",),
    Category.TOWNSHIP: ("乡",),
    Category.TOWN: ("镇",),
    Category.URBAN_BRANCH: ("城关分会", "分会", "urban_branch"),
    Category.VILLAGE: ("村",),
    Category.COMMUNITY: ("社区", "居", "居委会", "居民委员会", "community"),
    Category.ENTERPRISE: ("企业协会", "企业", "enterprise_association"),
}
SEX_WORDS = {
    Sex.MALE: ("男", "男性", "m", "male"),
    Sex.FEMALE: ("女", "女性", "f", "female"),
}
EDUCATION_WORDS = {
    Education.PRIMARY: ("小学及以下", "小学", "文盲", "半文盲", "不识字", "primary"),
    Education.JUNIOR: ("初中", "junior"),
    Education.SENIOR: (
        "高中/中专",
        "高中",
        "中专",
        "职高",
        "技校",
        "高中(中专)",
        "中技",
        "senior",
    ),
    Education.COLLEGE: ("大专", "专科", "高职", "college"),
    Education.UNIVERSITY: (
        "本科及以上",
        "本科",
        "大学",
        "大学本科",
        "研究生",
        "硕士",
        "博士",
        "university",
    ),
}


def _reverse(words: dict) -> dict[str, Any]:
    return {clean(word).lower(): value for value, forms in words.items() for word in forms}


LEVEL_BY_WORD = _reverse(LEVEL_WORDS)
CATEGORY_BY_WORD = _reverse(CATEGORY_WORDS)
SEX_BY_WORD = _reverse(SEX_WORDS)
EDUCATION_BY_WORD = _reverse(EDUCATION_WORDS)


def word_for(words: dict, value) -> str:
    """The first (template) word for a stored value, for exports."""
    forms = words.get(value)
    return forms[0] if forms else ""


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


# Org units


class OrgImporter(Importer):
    kind = "orgs"
    columns = ORG_COLUMNS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: dict[tuple, int] = {}

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            self._process_row(row)
            self.settle(row)

    def _find_parent(self, row: Row, text: str) -> OrgUnit | None:
        code, _slash, name = text.partition("/")
        code = code.strip()
        parent = OrgUnit.objects.filter(division_code=code).first()
        if parent is None:
            row.error("parent_code", _("No unit has the code %(code)s.") % {"code": code})
            return None
        if name:
            child = OrgUnit.objects.filter(
                parent=parent, name=clean_text(name), status=Status.ACTIVE
            ).first()
            if child is None:
                row.error(
                    "parent_code",
                    _("“%(parent)s” has no unit named “%(name)s”.")
                    % {"parent": parent.name, "name": clean_text(name)},
                )
            return child
        return parent

    def _process_row(self, row: Row) -> None:
        name = clean_text(row.cells.get("name"))
        if not name:
            row.error("name", _("The name is required."))
        level = _lookup(LEVEL_BY_WORD, row.cells.get("level"))
        if level is None:
            row.error(
                "level",
                _("Unknown level; write one of: %(choices)s.")
                % {"choices": _choices_text(LEVEL_WORDS)},
            )
        category = ""
        if self.has(row, "category"):
            category = _lookup(CATEGORY_BY_WORD, row.cells["category"])
            if category is None:
                row.error(
                    "category",
                    _("Unknown category; write one of: %(choices)s.")
                    % {"choices": _choices_text(CATEGORY_WORDS)},
                )
                category = ""
        elif level is not None:
            category = LEVEL_IMPLIES_CATEGORY.get(clean(row.cells.get("level")), "")
        fields: dict[str, Any] = {}
        try:
            code = digits_text(
                row.cells.get("division_code"), what=self.column_text("division_code")
            )
            fields["division_code"] = code.replace(" ", "") or None
        except CellError as error:
            row.error("division_code", str(error))
        for number_field in ("population", "households"):
            if self.has(row, number_field):
                try:
                    fields[number_field] = parse_int(row.cells[number_field])
                except CellError as error:
                    row.error(number_field, str(error))
        if self.has(row, "is_key_village"):
            try:
                fields["is_key_village"] = parse_bool(row.cells["is_key_village"])
            except CellError as error:
                row.error("is_key_village", str(error))
        parent = None
        parent_text = ""
        try:
            parent_text = digits_text(
                row.cells.get("parent_code"), what=self.column_text("parent_code")
            )
        except CellError as error:
            row.error("parent_code", str(error))
        if parent_text:
            parent = self._find_parent(row, parent_text.replace(" ", ""))
        elif level is not None and level > Level.COUNTY:
            row.error("parent_code", _("The parent's code is required below the county level."))
        home = None
        if self.has(row, "home_village_code"):
            try:
                home_code = digits_text(
                    row.cells["home_village_code"], what=self.column_text("home_village_code")
                ).replace(" ", "")
            except CellError as error:
                row.error("home_village_code", str(error))
            else:
                home = OrgUnit.objects.filter(division_code=home_code).first()
                if home is None:
                    row.error(
                        "home_village_code",
                        _("No unit has the code %(code)s.") % {"code": home_code},
                    )
        if row.errors:
            return
        code = fields.get("division_code")
        key = ("code", code) if code else ("name", parent.pk if parent else None, name)
        if key in self.seen:
            row.error(
                "division_code" if code else "name",
                self.duplicate_of(row, self.seen[key]),
            )
            return
        self.seen[key] = self.place(row)
        if code:
            existing = OrgUnit.objects.filter(division_code=code).first()
        else:
            existing = OrgUnit.objects.filter(
                parent=parent, name=name, level=level, status=Status.ACTIVE
            ).first()
        fields["name"] = name
        fields["category"] = category
        if home is not None or "home_village_code" in row.cells:
            fields["home_village"] = home
        if existing is None:
            self._create(row, parent, level, fields)
        else:
            self._update(row, existing, parent, level, fields)

    def _validation_errors(self, row: Row, error: ValidationError) -> None:
        columns = {
            "parent": "parent_code",
            "home_village": "home_village_code",
            "__all__": "name",
        }
        for field_name, messages in error.message_dict.items():
            target = columns.get(field_name, field_name)
            if target not in {c.field for c in ORG_COLUMNS}:
                target = "name"
            for message in messages:
                row.error(target, message)

    def _create(self, row: Row, parent, level, fields) -> None:
        if not self.allowed(Action.ADD_CHILD, parent):
            row.error("parent_code", _out_of_scope())
            return
        fields = {k: v for k, v in fields.items() if v is not None or k == "division_code"}
        try:
            unit = do_create_unit(self.actor, parent=parent, level=level, **fields)
        except ValidationError as error:
            self._validation_errors(row, error)
            return
        self.units_touched[unit.pk] = unit
        self.report.created += 1

    def _update(self, row: Row, unit: OrgUnit, parent, level, fields) -> None:
        if unit.level != level:
            row.error(
                "level",
                _("“%(name)s” is already registered as a %(level)s.")
                % {"name": unit.name, "level": Level(unit.level).label},
            )
            return
        if not unit.is_active:
            row.error("name", _("“%(name)s” is retired.") % {"name": unit.name})
            return
        if unit.parent_id != (parent.pk if parent else None):
            row.error(
                "parent_code",
                _("“%(name)s” is already registered under another unit; move it on its page.")
                % {"name": unit.name},
            )
            return
        changes = {
            name: value
            for name, value in fields.items()
            if name in EDITABLE_FIELDS
            and value is not None
            and getattr(unit, name) != value
            and not (name == "home_village" and value == unit.home_village)
        }
        if "category" in changes and not changes["category"]:
            del changes["category"]  # a blank category keeps the stored one
        if not changes:
            self.report.unchanged += 1
            return
        if not self.allowed(Action.CHANGE, unit):
            row.error("name", _out_of_scope())
            return
        try:
            unit = do_update_unit(self.actor, unit, **changes)
        except ValidationError as error:
            self._validation_errors(row, error)
            return
        self.units_touched[unit.pk] = unit
        self.report.updated += 1


# Members


@dataclass
class MemberRow:
    row: Row
    unit: OrgUnit | None = None
    values: dict[str, Any] = field(default_factory=dict)  # stored values given in the row
    id_number: str = ""
    id_masked: str = ""  # a masked ID number as exports write it
    phone: str = ""
    phone_hash: str = ""  # the phone's blind index, see MemberImporter._index
    phone_masked: str = ""
    categories: list[int] | None = None
    existing: dict | None = None  # the registered member's MATCH_FIELDS


DATE_COLUMNS = (("birth_date", "dates"), ("join_date", "dates"))
MEMBER_VALUE_FIELDS = ("sex", "birth_date", "group_id", "education", "occupation", "join_date")
MATCH_FIELDS = (
    "id",
    "unit_id",
    "name",
    "version",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "phone_encrypted",
    "phone_hash",
    "phone_masked",
    *MEMBER_VALUE_FIELDS,
)
# The columns a new member's row gives, in MemberImporter._create's order.
MEMBER_INSERT_COLUMNS = (
    "unit_id",
    "name",
    "sex",
    "birth_date",
    "group_id",
    "education",
    "occupation",
    "join_date",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "phone_encrypted",
    "phone_hash",
    "phone_masked",
)
# The outcomes (see MemberImporter._remember) whose working out may query the database.
QUERYING_OUTCOMES = frozenset({"unit_code", "group"})
MATCH_COLUMNS = tuple(Member._meta.get_field(name).column for name in MATCH_FIELDS)


class MemberImporter(Importer):
    kind = "members"
    columns = MEMBER_COLUMNS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.units: dict[str, OrgUnit | None] = {}
        self.units_by_id: dict[int, OrgUnit] = {}
        self.groups: dict[int, dict[str, OrgUnit]] = {}
        self.allowed_units: dict[int, bool] = {}
        active = list(RecruitmentCategory.objects.filter(is_active=True))
        self.categories = {clean(c.name): c.pk for c in active} | {c.code: c.pk for c in active}
        self.category_names = "、".join(c.name for c in active)
        self.outcomes: dict[str, Callable[[Any], tuple]] = {
            "unit_code": self._unit_outcome,
            "sex": self._sex_outcome,
            "dates": self._date_outcome,
            "group": self._group_outcome,
            "categories": self._categories_outcome,
            "education": self._education_outcome,
            "occupation": self._occupation_outcome,
        }
        self.memo: dict[str, dict] = {column: {} for column in self.outcomes}
        memo = self.memo  # (a table is cleared when full, never replaced: safe to hold)
        # (field, its outcomes' table, the outcome's name) of the columns read the same way
        self.sex_and_dates = tuple((f, memo[t], t) for f, t in (("sex", "sex"), *DATE_COLUMNS))
        self.words = tuple((f, memo[f], f) for f in ("education", "occupation"))
        self.id_births: dict[str, datetime.date] = {}  # an ID number's birth date, by its digits
        # ID numbers seen in the file, by the first 64 bits of their blind index (a chance
        # collision in a 300,000-row sheet is about 1 in 400 million), to the row's number.
        self.seen_ids: dict[int, int] = {}
        self.seen_people: dict[tuple, int] = {}
        self.idless: dict[int, bool] = {}  # unit id: has members registered without an ID
        self.writes: MemberWrites | None = None  # set for a run by `writing`

    @contextmanager
    def writing(self):
        """New members are inserted by a background writer, batch k while batch k+1 is read
        (see BatchWriter); the writer is joined, and its error raised, before the block ends."""
        with background_writer() as writer:
            self.writes = MemberWrites(writer)
            try:
                yield
            finally:
                self.writes = None

    def _writes(self) -> MemberWrites:
        if self.writes is None:  # outside `writing`: written in this thread, batch by batch
            self.writes = MemberWrites(None)
        return self.writes

    def _sync(self) -> None:
        """Wait for the batch being written before a query of this thread's own."""
        if self.writes is not None:
            self.writes.sync()

    # Reading one row

    def _unit(self, code: str) -> OrgUnit | None:
        if code not in self.units:
            unit = self.units[code] = find_unit(code)
            if unit is not None:
                self.units_by_id[unit.id] = unit
        return self.units[code]

    def _groups_of(self, unit: OrgUnit) -> dict[str, OrgUnit]:
        if unit.pk not in self.groups:
            self._load_groups([unit])
        return self.groups[unit.pk]

    def _load_groups(self, units: list[OrgUnit]) -> None:
        for unit in units:
            self.groups[unit.pk] = {}
        for part in chunks(units, LOOKUP_CHUNK):
            for group in OrgUnit.objects.filter(
                parent__in=part, level=Level.GROUP, status=Status.ACTIVE
            ):
                self.groups[group.parent_id][clean(group.name).replace(" ", "")] = group

    def _prefetch_units(self, rows: list[Row]) -> None:
        """The units of the batch's new village codes, and their groups, in two queries: a
        county's file names hundreds of villages, and one query a village (and another for its
        groups) cost more than the checks of their rows. Other references (CODE/NAME, bad
        cells) are left to _unit_outcome."""
        seen, what = self.memo["unit_code"], self.column_text("unit_code")
        codes = set()
        for row in rows:
            raw = row.cells.get("unit_code")
            if raw is None or raw in seen:
                continue
            try:
                code = digits_text(raw, what=what).replace(" ", "")
            except CellError:
                continue
            if code.isdigit() and code not in self.units:
                codes.add(code)
        if not codes:
            return
        self._sync()
        found = {
            unit.division_code: unit
            for part in chunks(sorted(codes), LOOKUP_CHUNK)
            for unit in OrgUnit.objects.filter(division_code__in=part)
        }
        for code in codes:
            unit = self.units[code] = found.get(code)
            if unit is not None:
                self.units_by_id[unit.id] = unit
        self._load_groups(
            [u for u in found.values() if holds_register(u) and u.pk not in self.groups]
        )

    def _may_edit(self, unit: OrgUnit) -> bool:
        if unit.pk not in self.allowed_units:
            self.allowed_units[unit.pk] = self.allowed(Action.EDIT_RECORDS, unit)
        return self.allowed_units[unit.pk]

    # Reading one row. Most cells of a register repeat (the village code, the group, the sex,
    # the categories, the education, the dates), so each column's outcome — the stored value or
    # the error — is remembered per distinct cell value, in tables of bounded size.

    def _remember(self, column: str, key) -> tuple:
        """Work out a column's outcome for a cell value not seen yet, and remember it."""
        table = self.memo[column]
        if len(table) >= MEMO_LIMIT:
            table.clear()
        if column in QUERYING_OUTCOMES:
            self._sync()
        outcome = table[key] = self.outcomes[column](key)
        return outcome

    def _unit_outcome(self, raw) -> tuple[OrgUnit | None, str]:
        try:
            code = digits_text(raw, what=self.column_text("unit_code")).replace(" ", "")
        except CellError as error:
            return None, str(error)
        if not code:
            return None, _("The village (community) code is required.")
        unit = self._unit(code)
        if unit is None:
            return None, _("No unit has the code %(code)s.") % {"code": code}
        if not holds_register(unit):
            return None, _(
                "Members are registered in a village, community or urban branch association."
            )
        if not unit.is_active:
            return None, _("“%(name)s” is retired.") % {"name": unit.name}
        if not self._may_edit(unit):
            return None, _out_of_scope()
        return unit, ""

    def _sex_outcome(self, raw) -> tuple[str | None, str]:
        sex = _lookup(SEX_BY_WORD, raw)
        return (None, _("Write 男 or 女.")) if sex is None else (sex, "")

    def _date_outcome(self, raw) -> tuple[Any, str]:
        try:
            value = parse_date(raw)
        except CellError as error:
            return None, str(error)
        if value > self.today:
            return None, _("The date is in the future.")
        if value.year < 1900:
            return None, _("The date is before 1900.")
        return value, ""

    def _group_outcome(self, key: tuple) -> tuple[int | None, str]:
        unit_id, raw = key
        unit = self.units_by_id[unit_id]
        group = self._groups_of(unit).get(clean(raw).replace(" ", ""))
        if group is None:
            return None, _("“%(unit)s” has no group named “%(group)s”.") % {
                "unit": unit.name,
                "group": clean(raw),
            }
        return group.pk, ""

    def _categories_outcome(self, raw) -> tuple[list[int], list[str]]:
        ids: list[int] = []
        errors = []
        for word in split_list(raw):
            pk = self.categories.get(word)
            if pk is None:
                errors.append(
                    _("Unknown member category “%(word)s”; the categories are: %(names)s.")
                    % {"word": word, "names": self.category_names}
                )
            elif pk not in ids:
                ids.append(pk)
        return sorted(ids), errors

    def _education_outcome(self, raw) -> tuple[str | None, str]:
        education = _lookup(EDUCATION_BY_WORD, raw)
        if education is None:
            return None, _("Unknown education; write one of: %(choices)s.") % {
                "choices": _choices_text(EDUCATION_WORDS)
            }
        return education, ""

    def _occupation_outcome(self, raw) -> tuple[str | None, str]:
        occupation = clean_text(raw)
        if len(occupation) > 50:
            return None, _("The text is longer than %(n)d characters.") % {"n": 50}
        return occupation, ""

    def _read(self, row: Row) -> MemberRow:
        item = MemberRow(row)
        cells = row.cells
        get = cells.get
        values = item.values
        memo = self.memo
        name = quick_text(get("name"))
        if not name:
            row.error("name", _("The name is required."))
        elif len(name) > 50:
            row.error("name", _("The name is longer than %(n)d characters.") % {"n": 50})
        values["name"] = name
        raw = get("unit_code")
        outcome = memo["unit_code"].get(raw) or self._remember("unit_code", raw)
        unit, message = outcome
        if message:
            row.error("unit_code", message)
        item.unit = unit
        self._read_remembered(item, self.sex_and_dates)
        self._read_id(item)
        self._read_phone(item)
        raw = get("group")
        if unit is not None and raw is not None and (raw.__class__ is not str or raw.strip()):
            key = (unit.id, raw)
            group_id, message = memo["group"].get(key) or self._remember("group", key)
            if message:
                row.error("group", message)
            else:
                values["group_id"] = group_id
        raw = get("categories")
        if raw is not None and (raw.__class__ is not str or raw.strip()):
            ids, messages = memo["categories"].get(raw) or self._remember("categories", raw)
            for message in messages:
                row.error("categories", message)
            item.categories = ids
        self._read_remembered(item, self.words)
        birth, joined = values.get("birth_date"), values.get("join_date")
        if birth and joined and joined < birth:
            row.error("join_date", _("The join date is before the birth date."))
        return item

    def _read_remembered(self, item: MemberRow, columns: tuple) -> None:
        """Cells whose outcome is a stored value or an error, remembered per cell value."""
        get, values = item.row.cells.get, item.values
        for column, table, outcome in columns:
            raw = get(column)
            if raw is None or (raw.__class__ is str and not raw.strip()):
                continue
            value, message = table.get(raw) or self._remember(outcome, raw)
            if message:
                item.row.error(column, message)
            else:
                values[column] = value

    def _read_id(self, item: MemberRow) -> None:
        row, values = item.row, item.values
        raw = row.cells.get("id_number")
        if not present(raw):
            return
        if raw.__class__ is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit():
            text = raw  # the common, clean case: parse_id_number checks it without cleaning
        else:
            try:
                text = digits_text(raw, what=self.column_text("id_number"))
            except CellError as error:
                row.error("id_number", str(error))
                return
            if "*" in text:  # an older export's 430***********0012 reads as today's form
                item.id_masked = mask_id_number(text.replace(" ", "").upper())
                return
        try:
            number = parse_id_number(text, today=self.today)
        except IdentityError as error:
            row.error("id_number", str(error))
            return
        item.id_number = number
        births, digits = self.id_births, number[6:14]
        born = births.get(digits)
        if born is None:  # a register's members share birth dates: remembered, as the dates
            if len(births) >= MEMO_LIMIT:
                births.clear()
            born = births[digits] = birth_date_from_id(number)
        sex = sex_from_id(number)
        if "birth_date" in values and values["birth_date"] != born:
            row.error("birth_date", _("The birth date does not match the ID number."))
        if "sex" in values and values["sex"] != sex:
            row.error("sex", _("The sex does not match the ID number."))
        values.setdefault("birth_date", born)
        values.setdefault("sex", sex)

    def _read_phone(self, item: MemberRow) -> None:
        row = item.row
        raw = row.cells.get("phone")
        if not present(raw):
            return
        if raw.__class__ is str and len(raw) == 11 and raw.isascii() and raw.isdigit():
            text = raw
        else:
            text = clean(raw)
            if "*" in text:
                item.phone_masked = text.replace(" ", "")
                return
        try:
            item.phone = parse_phone(text)
        except IdentityError as error:
            row.error("phone", str(error))

    # A batch

    def process(self, rows: list[Row]) -> None:
        # Reading runs while the writer inserts the previous batch (its only queries, at a new
        # village code or group, sync first); matching needs that batch in the table.
        self._prefetch_units(rows)
        items = [self._read(row) for row in rows]
        self._index(items)
        self._sync()
        self._match(items)
        new: list[MemberRow] = []
        changed: list[Member] = []
        for item in items:
            self._check(item)
            if not self.settle(item.row):
                continue
            if item.existing is None:
                new.append(item)
                continue
            member = self._changes(item)
            if member is None:
                self.report.unchanged += 1
            else:
                changed.append(member)
                self.units_touched[item.unit.id] = item.unit
        # Updates first: their queries cannot run while the writer sends this batch's new rows.
        self._update(changed)
        self._create(new)

    def _unit_name(self, unit_id: int) -> str:
        for unit in self.units.values():
            if unit is not None and unit.pk == unit_id:
                return unit.name
        unit = OrgUnit.objects.filter(pk=unit_id).only("name").first()
        return unit.name if unit else ""

    def _select(self, table: str, columns: tuple[str, ...], where: str, params) -> list[tuple]:
        """Rows of a raw SELECT, for lookups by long lists of keys: the ORM prepares each value
        of an IN list on its own, which cost more than the query."""
        quote = connection.ops.quote_name
        sql = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} WHERE {where}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _members_by_hash(self, hashes: list[str]) -> dict[str, dict]:
        if not hashes:
            return {}
        found = {}
        date_fields = ("birth_date", "join_date")
        for row in self._select(
            Member._meta.db_table,
            MATCH_COLUMNS,
            *_in("id_number_hash", hashes),
        ):
            member = dict(zip(MATCH_FIELDS, row, strict=True))
            for name in date_fields:  # SQLite hands dates back as text
                if isinstance(member[name], str):
                    member[name] = datetime.date.fromisoformat(member[name])
            found[member["id_number_hash"]] = member
        return found

    def _units_with_idless_members(self, unit_ids: set[int]) -> set[int]:
        """Which of these units have a member registered without an ID number (remembered for
        the run; a member created without one by the run marks its unit)."""
        unknown = [pk for pk in unit_ids if pk not in self.idless]
        if unknown:
            where, params = _in("unit_id", unknown)
            rows = self._select(
                Member._meta.db_table,
                ("unit_id",),
                f"{connection.ops.quote_name('id_number_hash')} IS NULL AND {where}",
                params,
            )
            with_idless = {row[0] for row in rows}
            for pk in unknown:
                self.idless[pk] = pk in with_idless
        return {pk for pk in unit_ids if self.idless[pk]}

    @staticmethod
    def _index(items: list[MemberRow]) -> None:
        """The blind indexes of the ID numbers (to match) and the phones (to compare or store):
        no query, so done while the previous batch is written."""
        id_index, phone_index = pii.blind_indexer("id"), pii.blind_indexer("phone")
        for item in items:
            if item.id_number:
                item.values["id_number_hash"] = id_index(item.id_number)
            if item.phone:
                item.phone_hash = phone_index(item.phone)

    def _match(self, items: list[MemberRow]) -> None:
        """Find each row's registered member, as a dict of MATCH_FIELDS (cheaper than models)."""
        hashes = {item.values["id_number_hash"]: item for item in items if item.id_number}
        by_hash = self._members_by_hash(list(hashes))
        # Rows without an ID number (or with a masked one) are matched by unit + name + birth
        # date; so is a row whose ID number is new, against a registered member without one.
        people = []
        for item in items:
            if item.unit is None or not item.values.get("name") or item.row.errors:
                continue
            if item.id_number:
                item.existing = by_hash.get(item.values["id_number_hash"])
                if item.existing is not None:
                    continue
            people.append(item)
        with_id = [i for i in people if i.id_number]
        if with_id:
            idless = self._units_with_idless_members({i.unit.id for i in with_id})
            with_id = [i for i in with_id if i.unit.id in idless]
        by_person: dict[tuple, list[dict]] = {}
        # A new ID number only matches a member registered without one: the IS NULL condition
        # walks the ID number's unique index instead of every member of the villages.
        for group, without_id_only in (
            (with_id, True),
            ([i for i in people if not i.id_number], False),
        ):
            if not group:
                continue
            candidates = Member.objects.filter(
                unit_id__in={i.unit.id for i in group},
                name__in={i.values["name"] for i in group},
            )
            if without_id_only:
                candidates = candidates.filter(id_number_hash__isnull=True)
            for member in candidates.values(*MATCH_FIELDS):
                key = (member["unit_id"], member["name"], member["birth_date"])
                if member not in by_person.setdefault(key, []):
                    by_person[key].append(member)
        for item in people:
            birth = item.values.get("birth_date")
            found = by_person.get((item.unit.id, item.values["name"], birth), [])
            if item.id_number:
                without_id = [m for m in found if not m["id_number_hash"]]
                if len(without_id) == 1:
                    item.existing = without_id[0]
                continue
            if birth is None:
                item.row.error(
                    "birth_date",
                    _("A row without an ID number needs the birth date to identify the person."),
                )
            elif len(found) > 1:
                item.row.error(
                    "name",
                    _(
                        "%(n)d members of “%(unit)s” share this name and birth date; "
                        "give the ID number."
                    )
                    % {"n": len(found), "unit": item.unit.name},
                )
            elif found:
                item.existing = found[0]
        existing = [i.existing["id"] for i in items if i.existing is not None]
        current: dict[int, list[int]] = {}
        if existing:
            through = Member.categories.through
            for member_id, category_id in self._select(
                through._meta.db_table,
                ("member_id", "recruitmentcategory_id"),
                *_in("member_id", existing),
            ):
                current.setdefault(member_id, []).append(category_id)
        for item in items:
            if item.existing is not None:
                item.existing["categories"] = sorted(current.get(item.existing["id"], []))

    def _check(self, item: MemberRow) -> None:
        row, existing = item.row, item.existing
        if row.errors:
            return
        if item.id_number:
            key = int(item.values["id_number_hash"][:16], 16)
            if key in self.seen_ids:
                row.error("id_number", self.duplicate_of(row, self.seen_ids[key]))
                return
            self.seen_ids[key] = self.place(row)
        else:
            key = (item.unit.id, item.values["name"], item.values.get("birth_date"))
            if key in self.seen_people:
                row.error("name", self.duplicate_of(row, self.seen_people[key]))
                return
            self.seen_people[key] = self.place(row)
        if existing is not None and existing["unit_id"] != item.unit.id:
            row.error(
                "id_number",
                _("This person is already registered in “%(unit)s”.")
                % {"unit": self._unit_name(existing["unit_id"])},
            )
            return
        if item.id_masked:
            if existing is None:
                row.error(
                    "id_number",
                    _(
                        "A masked ID number (with *) can only stand for a member already "
                        "registered; type the full number or leave the cell blank."
                    ),
                )
            elif existing["id_number_masked"] != item.id_masked:
                row.error(
                    "id_number",
                    _("The masked ID number does not match the member's registered one."),
                )
        if item.phone_masked and (
            existing is None or existing["phone_masked"] != item.phone_masked
        ):
            row.error(
                "phone",
                _(
                    "A masked phone (with *) must match the member's registered one; type the "
                    "full number."
                ),
            )

    def _changes(self, item: MemberRow) -> Member | None:
        """The registered member with the row's changes applied, or None when nothing changes."""
        stored = item.existing
        changes = {
            name: item.values[name]
            for name in MEMBER_VALUE_FIELDS
            if name in item.values and stored[name] != item.values[name]
        }
        new_id = bool(item.id_number and not stored["id_number_hash"])
        new_phone = bool(item.phone and stored["phone_hash"] != item.phone_hash)
        new_categories = item.categories is not None and item.categories != stored["categories"]
        if not (changes or new_id or new_phone or new_categories):
            return None
        member = Member(**{k: v for k, v in stored.items() if k != "categories"})
        for name, value in changes.items():
            setattr(member, name, value)
        if new_id:
            self._set_id(member, item)
        if new_phone:
            self._set_phone(member, item)
        if new_categories:
            member._new_categories = item.categories
        return member

    @staticmethod
    def _set_id(member: Member, item: MemberRow) -> None:
        member.id_number_encrypted = pii.encrypt(item.id_number)
        member.id_number_hash = item.values["id_number_hash"]
        member.id_number_masked = mask_id_number(item.id_number)

    @staticmethod
    def _set_phone(member: Member, item: MemberRow) -> None:
        member.phone_encrypted = pii.encrypt(item.phone)
        member.phone_hash = item.phone_hash
        member.phone_masked = mask_phone(item.phone)

    def _create(self, items: list[MemberRow]) -> None:
        """Build the batch's member and category rows, keys drawn up front, and hand them to
        the writer (MemberWrites): whole rows, adapted for the raw connection."""
        if not items:
            return
        writes = self._writes()
        ids_encrypted = pii.encrypt_many([item.id_number for item in items])
        phones_encrypted = pii.encrypt_many([item.phone for item in items])
        keys = writes.keys(len(items))
        tail, sqlite = writes.members.tail(), writes.sqlite
        rows: list[tuple] = []
        links: list[tuple] = []
        units_touched, idless = self.units_touched, self.idless
        for key, item, id_encrypted, phone_encrypted in zip(
            keys, items, ids_encrypted, phones_encrypted, strict=True
        ):
            values = item.values
            unit = item.unit
            phone = item.phone
            birth, joined = values.get("birth_date"), values.get("join_date")
            if sqlite:  # ISO text, as Django stores a date on SQLite (adapt_datefield_value)
                birth = birth and birth.isoformat()
                joined = joined and joined.isoformat()
            rows.append(
                (
                    key,
                    unit.id,
                    values["name"],
                    values.get("sex", ""),
                    birth,
                    values.get("group_id"),
                    values.get("education", ""),
                    values.get("occupation", ""),
                    joined,
                    id_encrypted,
                    values.get("id_number_hash"),
                    mask_id_number(item.id_number),
                    phone_encrypted,
                    item.phone_hash,
                    mask_phone(phone),
                    *tail,
                )
            )
            for category_id in item.categories or ():
                links.append((key, category_id))
            units_touched[unit.id] = unit
            if not item.id_number:
                idless[unit.id] = True
        writes.send(rows, links)
        self.report.created += len(rows)

    def _update(self, members: list[Member]) -> None:
        if not members:
            return
        now = timezone.now()
        for member in members:
            member.version += 1
            member.updated_at = now
        Member.objects.bulk_update(
            members,
            [
                *MEMBER_VALUE_FIELDS,
                "id_number_encrypted",
                "id_number_hash",
                "id_number_masked",
                "phone_encrypted",
                "phone_hash",
                "phone_masked",
                "version",
                "updated_at",
            ],
            batch_size=BATCH_SIZE,
        )
        recategorised = [m for m in members if hasattr(m, "_new_categories")]
        if recategorised:
            through = Member.categories.through
            through.objects.filter(member_id__in=[m.pk for m in recategorised]).delete()
            through.objects.bulk_create(
                [
                    through(member_id=m.pk, recruitmentcategory_id=category_id)
                    for m in recategorised
                    for category_id in m._new_categories
                ],
                batch_size=BATCH_SIZE,
            )
        self.report.updated += len(members)


# Posts, trainings and service activities: small files, one row at a time through the models in
# the run's transaction, one audit event per run. A row is matched to a stored record by its
# natural key (a post by unit, post, holder and start date; a training by organiser, date and
# title; an activity by unit, date and title).

POST_WORDS = {
    PostKind.PRESIDENT: ("会长", "president"),
    PostKind.VICE_PRESIDENT: ("副会长", "vice_president"),
    PostKind.SECRETARY_GENERAL: ("秘书长", "secretary_general"),
    PostKind.COUNCIL_MEMBER: ("理事", "council_member"),
    PostKind.GROUP_LEADER: ("小组长", "组长", "group_leader"),
    PostKind.STAFF: ("专职工作人员", "专职人员", "专干", "staff"),
}
AUDIENCE_WORDS = {
    Audience.PRESIDENTS: ("会长", "presidents"),
    Audience.SECRETARIES: ("秘书长", "secretaries"),
    Audience.COUNCIL: ("理事", "council"),
    Audience.GROUP_LEADERS: ("小组长", "组长", "group_leaders"),
    Audience.MEMBERS: ("会员", "members"),
}
NEED_WORDS = {
    Need.THREE_LIVES: ("三生", "three_lives"),
    Need.THREE_GOODS: ("三优", "three_goods"),
    Need.REPRODUCTIVE_HEALTH: ("生殖健康", "reproductive_health"),
}
POST_BY_WORD = _reverse(POST_WORDS)
AUDIENCE_BY_WORD = _reverse(AUDIENCE_WORDS)
NEED_BY_WORD = _reverse(NEED_WORDS)

POST_COLUMNS = [
    Column("unit_code", "所属单位代码", required=True),
    Column("group", "所属小组"),
    Column("kind", "职务", required=True),
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号码"),
    Column("start_date", "任职日期", required=True),
    Column("end_date", "离任日期"),
    Column("note", "备注"),
]
TRAINING_COLUMNS = [
    Column("unit_code", "组织单位代码", required=True),
    Column("date", "培训日期", required=True),
    Column("title", "培训主题", required=True),
    Column("audiences", "培训对象"),
    Column("hours", "学时"),
    Column("location", "培训地点"),
    Column("note", "备注"),
    Column("attendees", "参训人员"),
]
ACTIVITY_COLUMNS = [
    Column("unit_code", "单位代码", required=True),
    Column("date", "活动日期", required=True),
    Column("carrier", "活动载体", required=True),
    Column("needs", "服务需求"),
    Column("title", "活动名称", required=True),
    Column("description", "活动内容"),
    Column("people_served", "服务人数"),
    Column("funds", "经费(元)"),
]
LAYOUTS.update(
    {"posts": POST_COLUMNS, "trainings": TRAINING_COLUMNS, "activities": ACTIVITY_COLUMNS}
)


def find_unit(reference: str) -> OrgUnit | None:
    """A unit by its division code, or a codeless one as CODE/NAME (its parent's code and its
    name), as the exports write it."""
    code, _slash, name = reference.replace(" ", "").partition("/")
    unit = OrgUnit.objects.filter(division_code=code).first() if code else None
    if unit is not None and name:
        unit = OrgUnit.objects.filter(parent=unit, name=name, status=Status.ACTIVE).first()
    return unit


def unit_reference(unit: OrgUnit) -> str:
    if unit.division_code:
        return unit.division_code
    parent = unit.parent
    return f"{parent.division_code if parent and parent.division_code else ''}/{unit.name}"


def _words(table: dict, value, row: Row, field_name: str, choices: dict) -> list[str]:
    found = []
    for word in split_list(value):
        code = table.get(word.replace(" ", "").lower())
        if code is None:
            row.error(
                field_name,
                _("Unknown value “%(word)s”; write one of: %(choices)s.")
                % {"word": word, "choices": _choices_text(choices)},
            )
        elif code not in found:
            found.append(code)
    return sorted(found)


def _decimal(value, row: Row, field_name: str, high: Decimal) -> Decimal | None:
    if value is None or clean(value) == "":
        return None
    try:
        number = Decimal(clean(value).replace(",", "").replace(" ", ""))
    except InvalidOperation:
        row.error(field_name, _("Write a number."))
        return None
    if not number.is_finite() or number < 0 or number > high:
        row.error(field_name, _("The number is out of range."))
        return None
    return number


class RecordImporter(Importer):
    """Rows checked and written one at a time (files of records are small)."""

    model: type[models.Model]
    unit_field = "unit"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.units: dict[str, OrgUnit | None] = {}
        self.seen: dict[tuple, int] = {}

    def unit_of(self, row: Row) -> OrgUnit | None:
        try:
            reference = digits_text(row.cells.get("unit_code"), what=self.column_text("unit_code"))
        except CellError as error:
            row.error("unit_code", str(error))
            return None
        if not reference:
            row.error("unit_code", _("The unit's code is required."))
            return None
        if reference not in self.units:
            self.units[reference] = find_unit(reference)
        unit = self.units[reference]
        if unit is None:
            row.error("unit_code", _("No unit has the code %(code)s.") % {"code": reference})
        elif not unit.is_active:
            row.error("unit_code", _("“%(name)s” is retired.") % {"name": unit.name})
        elif not self.allowed(Action.EDIT_RECORDS, unit):
            row.error("unit_code", _out_of_scope())
        else:
            return unit
        return None

    def date_of(self, row: Row, field_name: str, required: bool = True):
        if not self.has(row, field_name):
            if required:
                row.error(field_name, _("The date is required."))
            return None
        try:
            value = parse_date(row.cells[field_name])
        except CellError as error:
            row.error(field_name, str(error))
            return None
        if value > self.today:
            row.error(field_name, _("The date is in the future."))
            return None
        return value

    def text_of(self, row: Row, field_name: str, limit: int, required: bool = False) -> str:
        text = clean_text(row.cells.get(field_name))
        if required and not text:
            row.error(field_name, _("This column is required."))
        if len(text) > limit:
            row.error(field_name, _("The text is longer than %(n)d characters.") % {"n": limit})
        return text[:limit]

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            parsed = self.parse(row)
            if not row.errors and parsed is not None:
                key, unit, values = parsed
                if key in self.seen:
                    row.error(
                        "name" if self.kind == "posts" else "title",
                        self.duplicate_of(row, self.seen[key]),
                    )
                else:
                    self.seen[key] = self.place(row)
                    self.write(row, key, unit, values)
            self.settle(row)

    def parse(self, row: Row):
        raise NotImplementedError

    def lookup(self, key: tuple):
        raise NotImplementedError

    def write(self, row: Row, key: tuple, unit: OrgUnit, values: dict) -> None:
        """Create or update the record; values named with a leading "_" are not model fields
        but related rows (a training's attendees), compared by `related_changed` and written
        by `after_save`."""
        record = self.lookup(key)
        fields = {name: value for name, value in values.items() if not name.startswith("_")}
        if record is None:
            record = self.model(**fields)
            self.before_save(row, record)
            if row.errors:
                return
            record.save()
            self.after_save(record, values)
            self.report.created += 1
        else:
            changed = {
                name: value
                for name, value in fields.items()
                if getattr(record, name) != value and value not in (None, "", [])
            }
            related = self.related_changed(record, values)
            if not changed and not related:
                self.report.unchanged += 1
                return
            for name, value in changed.items():
                setattr(record, name, value)
            self.before_save(row, record)
            if row.errors:
                return
            record.save()
            if related:
                self.after_save(record, values)
            self.report.updated += 1
        self.units_touched[unit.pk] = unit

    def before_save(self, row: Row, record) -> None:
        pass

    def after_save(self, record, values: dict) -> None:
        pass

    def related_changed(self, record, values: dict) -> bool:
        return False


class PostImporter(RecordImporter):
    kind = "posts"
    columns = POST_COLUMNS
    model = Post

    def parse(self, row: Row):
        unit = self.unit_of(row)
        kind = _lookup(POST_BY_WORD, row.cells.get("kind"))
        if kind is None:
            row.error(
                "kind",
                _("Unknown post; write one of: %(choices)s.")
                % {"choices": _choices_text(POST_WORDS)},
            )
        name = self.text_of(row, "name", 50, required=True)
        start = self.date_of(row, "start_date")
        end = self.date_of(row, "end_date", required=False)
        if start and end and end < start:
            row.error("end_date", _("The term ends before it starts."))
        note = self.text_of(row, "note", 200)
        holder_unit = unit
        if unit is not None and self.has(row, "group"):
            group_name = clean(row.cells["group"]).replace(" ", "")
            holder_unit = OrgUnit.objects.filter(
                parent=unit, level=Level.GROUP, status=Status.ACTIVE, name=group_name
            ).first()
            if holder_unit is None:
                row.error(
                    "group",
                    _("“%(unit)s” has no group named “%(group)s”.")
                    % {"unit": unit.name, "group": clean(row.cells["group"])},
                )
        if (
            kind == PostKind.GROUP_LEADER
            and holder_unit is not None
            and (holder_unit.level != Level.GROUP)
        ):
            row.error("group", _("A group leader's post names the group."))
        member = None
        if unit is not None and self.has(row, "id_number"):
            try:
                number = parse_id_number(
                    digits_text(row.cells["id_number"], what=self.column_text("id_number")),
                    today=self.today,
                )
            except (CellError, IdentityError) as error:
                row.error("id_number", str(error))
            else:
                member = Member.objects.filter(id_number_hash=pii.blind_index("id", number)).first()
                if member is None:
                    row.error("id_number", _("No member has this ID number."))
        elif unit is not None and name:
            village = unit
            candidates = list(Member.objects.filter(unit=village, name=name)[:2])
            member = candidates[0] if len(candidates) == 1 else None
        if row.errors:
            return None
        values = {
            "unit": holder_unit,
            "kind": kind,
            "holder_name": name,
            "member": member,
            "start_date": start,
            "end_date": end,
            "note": note,
        }
        return (holder_unit.pk, kind, name, start), holder_unit, values

    def lookup(self, key):
        unit_id, kind, name, start = key
        return Post.objects.filter(
            unit_id=unit_id, kind=kind, holder_name=name, start_date=start
        ).first()

    def before_save(self, row: Row, record) -> None:
        if record.kind in SINGLE_HOLDER_POSTS and record.end_date is None:
            other = (
                Post.objects.filter(unit=record.unit, kind=record.kind, end_date__isnull=True)
                .exclude(pk=record.pk)
                .first()
            )
            if other is not None:
                row.error(
                    "end_date",
                    _(
                        "“%(unit)s” already has a current %(post)s, %(name)s; give the end date "
                        "of one of the terms."
                    )
                    % {
                        "unit": record.unit.name,
                        "post": PostKind(record.kind).label,
                        "name": other.holder_name,
                    },
                )


class TrainingImporter(RecordImporter):
    kind = "trainings"
    columns = TRAINING_COLUMNS
    model = Training

    def parse(self, row: Row):
        unit = self.unit_of(row)
        day = self.date_of(row, "date")
        title = self.text_of(row, "title", 100, required=True)
        audiences = _words(
            AUDIENCE_BY_WORD, row.cells.get("audiences"), row, "audiences", AUDIENCE_WORDS
        )
        if not audiences and not row.errors:
            row.error("audiences", _("Choose at least one audience."))
        hours = _decimal(row.cells.get("hours"), row, "hours", Decimal("999.9"))
        if hours is None and not self.has(row, "hours"):
            row.error("hours", _("This column is required."))
        if row.errors:
            return None
        key = (unit.pk, day, title)
        attendees = self.attendees_of(row, unit, key)
        if row.errors:
            return None
        values = {
            "organiser": unit,
            "date": day,
            "title": title,
            "audiences": audiences,
            "hours": hours.quantize(Decimal("0.1")) if hours is not None else None,
            "location": self.text_of(row, "location", 100),
            "note": clean_text(row.cells.get("note")),
            "_attendees": attendees,
        }
        return key, unit, values

    def lookup(self, key):
        unit_id, day, title = key
        return Training.objects.filter(organiser_id=unit_id, date=day, title=title).first()

    def attendees_of(self, row: Row, unit: OrgUnit, key: tuple) -> list[int] | None:
        """The members a 参训人员 cell names (None when the cell is blank: the stored attendees
        stay). Each entry is a name, an ID number, or a name with the ID number (full or masked,
        as older exports wrote it) or the birth date in brackets: 张三(1985-03-05). A member
        is found among the active members under the organiser, or among the training's stored
        attendees (so an export imports back unchanged after a member has left)."""
        entries = attendee_entries(row.cells.get("attendees"))
        if not entries:
            return None
        wanted = []
        names, hashes = set(), set()
        for entry in entries:
            name, kind, value = _attendee_key(entry, self.today)
            if kind == "error":
                row.error("attendees", f"{entry}: {value}")
                continue
            wanted.append((entry, name, kind, value))
            if name:
                names.add(name)
            if kind == "hash":
                hashes.add(value)
        if row.errors:
            return None
        condition = models.Q(name__in=names) | models.Q(id_number_hash__in=hashes)
        fields = ("id", "name", "id_number_hash", "id_number_masked", "birth_date")
        candidates = {
            m["id"]: m for m in eligible_attendees(unit).filter(condition).values(*fields)
        }
        stored = self.lookup(key)
        if stored is not None:
            for member in stored.attendees.filter(condition).values(*fields):
                candidates.setdefault(member["id"], member)
        found: list[int] = []
        for entry, name, kind, value in wanted:
            matches = [
                m
                for m in candidates.values()
                if (not name or m["name"] == name)
                and (
                    (kind == "hash" and m["id_number_hash"] == value)
                    or (kind == "masked" and m["id_number_masked"] == value)
                    or (kind == "born" and m["birth_date"] == value)
                    or kind == "name"
                )
            ]
            if len(matches) == 1:
                if matches[0]["id"] not in found:
                    found.append(matches[0]["id"])
            elif not matches:
                row.error(
                    "attendees",
                    _("“%(name)s” is not an active member of an association under “%(unit)s”.")
                    % {"name": entry, "unit": unit.name},
                )
            else:
                row.error(
                    "attendees",
                    _(
                        "%(n)d members under “%(unit)s” are named “%(name)s”; write the ID number "
                        "in brackets after the name, as 张三(430121198503050012)."
                    )
                    % {"n": len(matches), "unit": unit.name, "name": entry},
                )
        return sorted(found)

    def related_changed(self, record, values: dict) -> bool:
        wanted = values.get("_attendees")
        if wanted is None:
            return False
        return set(wanted) != set(record.attendees.values_list("pk", flat=True))

    def after_save(self, record, values: dict) -> None:
        if values.get("_attendees") is not None:
            record.attendees.set(values["_attendees"])


ATTENDEE_SEPARATORS = re.compile(r"[、,;，；\n]+")
ATTENDEE_ENTRY = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<key>[^()]*)\)$")
ID_LIKE = re.compile(r"\d{15}|\d{17}[\dX]|\d{3}\*+\d{3}[\dX]")


def attendee_entries(value) -> list[str]:
    """The entries of a 参训人员 cell: separated by 、 , ; or line breaks, full-width brackets
    made half-width, spaces collapsed."""
    if not present(value):
        return []
    text = unicodedata.normalize("NFKC", str(value)).replace("\r", "\n")
    entries = []
    for part in ATTENDEE_SEPARATORS.split(text):
        entry = " ".join(part.split())
        if entry and entry not in entries:
            entries.append(entry)
    return entries


def _attendee_key(entry: str, today) -> tuple[str, str, Any]:
    """(name, how the person is identified, the value): ("张三", "hash", blind index),
    ("张三", "masked", "430***************"), ("张三", "born", date), ("张三", "name", None),
    or ("", "error", message)."""
    match = ATTENDEE_ENTRY.match(entry)
    if match:
        name, key = clean_text(match["name"]), match["key"].replace(" ", "").upper()
    elif ID_LIKE.fullmatch(entry.replace(" ", "").upper()):
        name, key = "", entry.replace(" ", "").upper()
    else:
        return clean_text(entry), "name", None
    if "*" in key:  # an older export's 430***********0012 reads as today's masked form
        return name, "masked", mask_id_number(key)
    if ID_LIKE.fullmatch(key):
        try:
            return name, "hash", pii.blind_index("id", parse_id_number(key, today=today))
        except IdentityError as error:
            return "", "error", str(error)
    try:
        born = parse_date(key)
    except CellError:
        born = None
    if born is None:
        return (
            "",
            "error",
            _("Write the ID number or the birth date in the brackets after the name."),
        )
    return name, "born", born


def attendee_label(member) -> str:
    """How an export names an attendee: 张三(1985-03-05), by the birth date, so that the export
    imports back (the masked ID number no longer tells two namesakes apart); the masked number
    for a member with an ID number but no birth date, which the services never leave."""
    if member.birth_date:
        return f"{member.name}({member.birth_date.isoformat()})"
    if member.id_number_masked:
        return f"{member.name}({member.id_number_masked})"
    return member.name


class ActivityImporter(RecordImporter):
    kind = "activities"
    columns = ACTIVITY_COLUMNS
    model = ServiceActivity

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carriers = {
            clean(c.name).replace(" ", ""): c for c in Carrier.objects.filter(is_active=True)
        }

    def parse(self, row: Row):
        unit = self.unit_of(row)
        day = self.date_of(row, "date")
        title = self.text_of(row, "title", 100, required=True)
        carrier = self.carriers.get(clean(row.cells.get("carrier")).replace(" ", ""))
        if carrier is None:
            row.error(
                "carrier",
                _("Unknown carrier; write one of: %(choices)s.")
                % {"choices": "、".join(c.name for c in self.carriers.values())},
            )
        needs = _words(NEED_BY_WORD, row.cells.get("needs"), row, "needs", NEED_WORDS)
        people = None
        if self.has(row, "people_served"):
            try:
                people = parse_int(row.cells["people_served"])
            except CellError as error:
                row.error("people_served", str(error))
        funds = _decimal(row.cells.get("funds"), row, "funds", Decimal("9999999999.99"))
        if row.errors:
            return None
        values = {
            "unit": unit,
            "date": day,
            "title": title,
            "carrier": carrier,
            "needs": needs,
            "description": clean_text(row.cells.get("description")),
            "people_served": people,
            "funds": funds.quantize(Decimal("0.01")) if funds is not None else None,
        }
        return (unit.pk, day, title), unit, values

    def lookup(self, key):
        unit_id, day, title = key
        return ServiceActivity.objects.filter(unit_id=unit_id, date=day, title=title).first()

    def write(self, row: Row, key, unit, values) -> None:
        if self.lookup(key) is None:
            values["people_served"] = values["people_served"] or 0
            values["funds"] = values["funds"] or Decimal("0")
        super().write(row, key, unit, values)


def _adapt_for_sqlite(f, value):
    if value is None:
        return None
    if isinstance(f, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(f, models.DateField):
        return connection.ops.adapt_datefield_value(value)
    return value


# The members' inserts in the background. A batch's rows are checked in Python (parsing, two
# HMACs, two encryptions a row) and then inserted; the insert costs the database's own time
# (SQLite's sqlite3_step runs without the GIL, PostgreSQL's COPY in the server process), so batch
# k is inserted by a writer thread while the main thread reads and checks batch k+1. The two
# never use the connection at once: the main thread calls `sync()` before any query of its own.


class BatchWriter:
    """One background thread running one job at a time, handed over through a queue of depth 1.

    `submit(job)` waits for the previous job first, so at most one batch is in flight; `sync()`
    waits for it and raises, in the main thread, whatever it raised (once); `close()` lets the
    thread finish and joins it, also when the main thread is failing, so that the run's
    transaction is never rolled back, nor the connection used, while a job still runs."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=1)
        self._idle = threading.Event()
        self._idle.set()
        self._error: BaseException | None = None  # a job's, until the main thread takes it
        self._failed = False
        self._thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if not self._failed:  # after a failure, the rest would only fail again
                    job()
            except BaseException as error:  # handed to the main thread, raised at its sync
                self._error, self._failed = error, True
            finally:
                self._idle.set()

    def submit(self, job: Callable[[], None]) -> None:
        self.sync()
        self._idle.clear()
        self._jobs.put(job)

    def sync(self) -> None:
        self._idle.wait()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def close(self) -> None:
        """Stop and join the thread. A second Ctrl-C while joining still waits for the job (the
        connection is in its hands), then is raised."""
        self._jobs.put(None)
        interrupted: KeyboardInterrupt | None = None
        while self._thread.is_alive():
            try:
                self._thread.join()
            except KeyboardInterrupt as error:
                interrupted = error
        if interrupted is not None:
            raise interrupted


@contextmanager
def background_writer():
    """A BatchWriter for a block: joined when the block ends; on a clean end its last job's
    error, if any, is raised here (inside the run's transaction, which it then rolls back)."""
    writer = BatchWriter()
    try:
        yield writer
    except BaseException as error:
        writer.close()
        try:
            writer.sync()
        except BaseException as also:  # the block's own error wins, and names the writer's
            error.add_note(f"The background insert failed too: {also!r}")
        raise
    else:
        writer.close()
        writer.sync()


def _fields_for_insert(model, columns: tuple[str, ...]) -> tuple[list, list]:
    """The fields given by `columns` (attnames, the primary key among them if wanted), and the
    other concrete fields, which take their defaults (see _defaults)."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    given = [by_attname[name] for name in columns]
    rest = [
        f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key
    ]
    return given, rest


def _defaults(rest: list, now: datetime.datetime) -> list:
    return [
        now
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
        else f.get_default()
        for f in rest
    ]


class RowSink:
    """Whole rows (given columns, then the defaults of the rest, as `tail()` gives them) into one
    table through the raw DB-API connection, so that the writer thread can send them: Django's
    connection refuses use from another thread.

    SQLite: INSERTs of many rows each (VALUES (?, …), (?, …), … up to ROWS_PER_INSERT rows and
    SQLite's limit of parameters), so that a statement's rows go in with one sqlite3_step, run
    without the GIL. With executemany the writer needed the GIL back after every row to bind
    the next, and waited for it up to the interpreter's switch interval (5 ms) while the main
    thread checked rows: the inserts took longer than in one thread. The raw sqlite3 connection
    takes `?` (Django's cursor turns `%s` into it) and no adapting, so values come adapted as
    Django stores them (dates as ISO text, times through adapt_datetimefield_value), see
    `tail()` and MemberImporter._create.
    PostgreSQL: COPY, the rows formatted by psycopg in the main thread and sent as one block:
    sent row by row, the writer waited for the GIL after each of the buffer's flushes."""

    def __init__(self, model, columns: tuple[str, ...], raw) -> None:
        given, self.rest = _fields_for_insert(model, columns)
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in (*given, *self.rest))
        table = quote(model._meta.db_table)
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            width = len(given) + len(self.rest)
            limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            self.per_statement = max(1, min(ROWS_PER_INSERT, limit // width))
            self.sql = f"INSERT INTO {table} ({names}) VALUES "
            self.one = f"({', '.join(['?'] * width)})"
            self.statements: dict[int, str] = {}  # by rows: the same few each run, reused
        else:
            self.sql = f"COPY {table} ({names}) FROM STDIN"

    def _insert(self, count: int) -> str:
        if count not in self.statements:
            self.statements[count] = self.sql + ", ".join([self.one] * count)
        return self.statements[count]

    def tail(self) -> tuple:
        """The defaults of the columns not given, auto_now times now, adapted for the raw
        connection: the same for every row of a batch."""
        values = _defaults(self.rest, timezone.now())
        if self.sqlite:
            return tuple(_adapt_for_sqlite(f, v) for f, v in zip(self.rest, values, strict=True))
        return tuple(values)

    def payload(self, raw, rows: list[tuple]) -> list[tuple[str, list]] | bytes:
        """What `send` sends: statements and their parameters, or COPY's text format. In the
        main thread, while no batch is in flight (psycopg formats with the connection's
        adapters)."""
        if not rows:
            return b""
        if self.sqlite:
            return [
                (self._insert(len(part)), [value for row in part for value in row])
                for part in chunks(rows, self.per_statement)
            ]
        from psycopg.copy import Copy, FileWriter

        buffer = io.BytesIO()
        with raw.cursor() as cursor, Copy(cursor, binary=False, writer=FileWriter(buffer)) as copy:
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()

    def send(self, raw, payload: list[tuple[str, list]] | bytes) -> None:
        """Runs in the writer thread, on the raw connection, in the run's transaction."""
        if not payload:
            return
        with closing(raw.cursor()) as cursor:  # (sqlite3's cursor is no context manager)
            if self.sqlite:
                for sql, params in payload:
                    cursor.execute(sql, params)
            else:
                with cursor.copy(self.sql) as copy:
                    copy.write(payload)


class MemberWrites:
    """New members and their categories, sent by a BatchWriter (see MemberImporter.writing).

    Keys are drawn up front in the main thread, so that the categories' rows can name their
    members before either is written: on SQLite the first key is worked out once a run, after
    the table's highest key and its AUTOINCREMENT sequence (the run's transaction holds SQLite's
    only write lock, and only this run inserts members), and counted on from there; on
    PostgreSQL each batch's keys come from the table's sequence."""

    def __init__(self, writer: BatchWriter | None) -> None:
        # This thread's wrapper, taken here: `connection` names another thread's in the writer.
        self.wrapper = connections[DEFAULT_DB_ALIAS]
        self.wrapper.ensure_connection()
        self.raw = self.wrapper.connection
        self.writer = writer
        self.members = RowSink(Member, ("id", *MEMBER_INSERT_COLUMNS), self.raw)
        self.links = RowSink(
            Member.categories.through, ("member_id", "recruitmentcategory_id"), self.raw
        )
        self.sqlite = self.members.sqlite
        self._next_key: int | None = None

    def sync(self) -> None:
        if self.writer is not None:
            self.writer.sync()

    def keys(self, count: int) -> range | list[int]:
        """Keys for `count` new members; queries, so only with no batch in flight."""
        self.sync()
        table, pk = Member._meta.db_table, Member._meta.pk.column
        with connection.cursor() as cursor:
            if not self.sqlite:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
            if self._next_key is None:
                quote = connection.ops.quote_name
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                found = cursor.fetchone()
                cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")
                self._next_key = max(found[0] if found else 0, cursor.fetchone()[0] or 0) + 1
        first = self._next_key
        self._next_key += count
        return range(first, first + count)

    def send(self, members: list[tuple], links: list[tuple]) -> None:
        """Hand a batch to the writer (or write it here, without one)."""
        raw, sinks = self.raw, (self.members, self.links)
        payloads = (sinks[0].payload(raw, members), sinks[1].payload(raw, links))
        errors = self.wrapper.wrap_database_errors  # the driver's errors as Django's, as before

        def job() -> None:
            with errors:
                sinks[0].send(raw, payloads[0])
                sinks[1].send(raw, payloads[1])

        if self.writer is None:
            job()
        else:
            self.writer.submit(job)


IMPORTERS: dict[str, type[Importer]] = {
    "orgs": OrgImporter,
    "members": MemberImporter,
    "posts": PostImporter,
    "trainings": TrainingImporter,
    "activities": ActivityImporter,
}


def register_kind(kind: str, importer: type[Importer], columns: list[Column], object_type: str):
    """Another app's import kind on the same reader, header matching and row-error contract
    (called from its AppConfig.ready, since registers must not import the apps above it)."""
    if kind not in KINDS:
        KINDS.append(kind)
    IMPORTERS[kind] = importer
    LAYOUTS[kind] = columns
    OBJECT_TYPES[kind] = object_type


def _rows_of(header: Header, rows: Iterable[tuple[int, list]], sheet: str = "") -> Iterable[Row]:
    positions = header.positions
    names, indexes = tuple(positions), tuple(positions.values())
    # A row as long as the header's last column (nearly all) is picked in one C call.
    pick = operator.itemgetter(*indexes) if len(indexes) > 1 else None
    highest = max(indexes, default=0)
    for number, cells in rows:
        width = len(cells)
        if pick is not None and width > highest:
            yield Row(number, dict(zip(names, pick(cells), strict=True)), sheet=sheet)
            continue
        yield Row(
            number,
            {name: cells[index] if index < width else None for name, index in positions.items()},
            sheet=sheet,
        )


def _extra_columns(table: Table) -> list[str]:
    return list(dict.fromkeys(text for sheet in table.sheets for text in sheet.header.extra))


def _sheet_summary(sheet: TableSheet, layout: list[Column]) -> dict:
    """What the preview shows before anything is confirmed: the sheet read, its header row(s)
    and the header of the file each template column was matched to."""
    return {
        "name": sheet.name,
        "header_rows": [sheet.header.first_row, sheet.header.row],
        "columns": sheet.header.mapping(layout),
    }


@contextmanager
def sqlite_page_cache():
    """On SQLite, a page cache of SQLITE_IMPORT_CACHE_KIB for the run: the run's inserts land
    in indexes of random keys (the blind indexes), and with SQLite's default 2 MB cache every
    insert evicts a page the next one needs — twice the time. Bounded; restored after the run."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before}")


def _process_all(importer, table, report: ImportReport, total: int, progress) -> None:
    several = len(table.sheets) > 1
    with importer.writing():
        for sheet in table.sheets:
            # Errors name the columns as this sheet writes them.
            importer.header = sheet.header
            batch: list[Row] = []
            for row in _rows_of(sheet.header, sheet.rows(), sheet.name if several else ""):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    importer.process(batch)
                    batch = []
                    if settings.DEBUG:
                        reset_queries()  # DEBUG keeps every query, and a batch's SQL is large
                    if progress:  # (the writer may still be sending this batch: no queries)
                        progress(report.rows, max(total, report.rows))
            if batch:
                importer.process(batch)


def run_import(
    kind: str,
    source: Path | BinaryIO,
    *,
    filename: str,
    actor,
    dry_run: bool = False,
    only_valid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check and import one file (see the module doc). Raises UnreadableFile when the file
    itself cannot be read; row problems are in the report."""
    if kind not in KINDS:
        raise ValueError(f"Unknown import kind {kind!r}; one of {', '.join(KINDS)}.")
    layout = layout_for(kind)
    table = open_table(source, filename, layout)
    report = ImportReport(kind=kind, extra_columns=_extra_columns(table))
    report.sheets = [_sheet_summary(sheet, layout) for sheet in table.sheets]
    importer = IMPORTERS[kind](actor, report, table.sheets[0].header)
    total = table.total
    with sqlite_page_cache(), transaction.atomic():
        # The rows' audit events and roll-up refreshes wait for the end of the run, so that
        # neither the chain head nor the roll-up rows are locked while the rows are read and
        # checked (a preview never locks them at all): docs/decisions.md, Lock order.
        with rollups.deferred(), deferred_events() as row_events:
            # The importer's writer (if it has one) is joined before the transaction ends.
            _process_all(importer, table, report, total, progress)
            keep = not dry_run and (only_valid or not report.errors)
            if not keep:
                row_events.discard()
                rollups.discard_deferred()
        report.skipped_notes = [
            {"sheet": note.sheet, "row": note.row, "text": note.text} for note in table.notes
        ]
        if progress:
            progress(report.rows, report.rows)
        if report.rows == 0:
            raise UnreadableFile(_("The file has a header row but no data rows."))
        if keep and (report.created or report.updated):
            record_event(
                actor=actor,
                action=IMPORT_ACTION,
                object_type=OBJECT_TYPES[kind],
                object_label=str(filename)[:200],
                unit_id=importer.common_unit_id(),
                after={
                    "kind": kind,
                    "file": str(filename)[:200],
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "refused": report.rows - report.valid,
                    "only_valid": only_valid,
                },
            )
        report.imported = keep
        if not keep:
            transaction.set_rollback(True)
    if report.imported and report.created >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Let the planner see the new rows now rather than at the next autovacuum.
        with connection.cursor() as cursor:
            for model in (Member, Member.categories.through):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return report
