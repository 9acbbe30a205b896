"""Reading one member row: each cell's outcome, remembered per column since a sheet repeats its
values, and the ID number and phone checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from accounts.access import Action
from orgs.models import Level, OrgUnit, Status
from registers.identity import (
    IdentityError,
    birth_date_from_id,
    clean_text,
    mask_id_number,
    parse_id_number,
    parse_phone,
    sex_from_id,
)
from registers.imports.base import (
    LOOKUP_CHUNK,
    MEMO_LIMIT,
    Row,
    _choices_text,
    _lookup,
    _out_of_scope,
    chunks,
    present,
    quick_text,
)
from registers.imports.columns import (
    EDUCATION_BY_WORD,
    EDUCATION_WORDS,
    SEX_BY_WORD,
)
from registers.imports.records import find_unit
from registers.models import (
    Member,
)
from registers.services import holds_register
from spreadsheets.normalise import (
    CellError,
    clean,
    digits_text,
    parse_date,
    split_list,
)


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
# The outcomes (see MemberImporter._remember) whose working out may query the database.
QUERYING_OUTCOMES = frozenset({"unit_code", "group"})
MATCH_COLUMNS = tuple(Member._meta.get_field(name).column for name in MATCH_FIELDS)


class MemberCells:
    """The reading half of MemberImporter (registers/imports/members.py): one row's cells into a
    MemberRow. It uses the importer's state set up in MemberImporter.__init__."""

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
