"""Importing org units: matched by division code, or by parent and name."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.access import Action
from orgs.models import Level, OrgUnit, Status
from orgs.services import EDITABLE_FIELDS, do_create_unit, do_update_unit
from registers.identity import (
    clean_text,
)
from registers.imports.base import Importer, Row, _choices_text, _lookup, _out_of_scope
from registers.imports.columns import (
    CATEGORY_BY_WORD,
    CATEGORY_WORDS,
    LEVEL_BY_WORD,
    LEVEL_IMPLIES_CATEGORY,
    LEVEL_WORDS,
    ORG_COLUMNS,
)
from spreadsheets.normalise import (
    CellError,
    clean,
    digits_text,
    parse_bool,
    parse_int,
)

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
