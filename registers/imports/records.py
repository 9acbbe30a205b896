"""Importing posts, trainings and service activities: small files, one row at a time through the
models.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import (
    models,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Action
from orgs.models import Level, OrgUnit, Status
from registers import pii
from registers.identity import (
    IdentityError,
    clean_text,
    mask_id_number,
    parse_id_number,
)
from registers.imports.base import Importer, Row, _choices_text, _lookup, _out_of_scope, present
from registers.imports.columns import LAYOUTS, _reverse
from registers.models import (
    SINGLE_HOLDER_POSTS,
    Audience,
    Carrier,
    Member,
    Need,
    Post,
    PostKind,
    ServiceActivity,
    Training,
)
from registers.services import eligible_attendees
from spreadsheets.columns import Column
from spreadsheets.normalise import (
    CellError,
    clean,
    digits_text,
    parse_date,
    parse_int,
    split_list,
)

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
