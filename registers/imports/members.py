"""Importing members in batches: matched by the ID number's blind index, or by unit + name + birth
date.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.db import (
    connection,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgUnit
from registers import pii
from registers.identity import (
    mask_id_number,
    mask_phone,
)
from registers.imports.base import (
    BATCH_SIZE,
    Importer,
    Row,
    _in,
)
from registers.imports.columns import (
    MEMBER_COLUMNS,
)
from registers.imports.member_rows import (
    DATE_COLUMNS,
    MATCH_COLUMNS,
    MATCH_FIELDS,
    MEMBER_VALUE_FIELDS,
    MemberCells,
    MemberRow,
)
from registers.imports.writing import MemberWrites, background_writer
from registers.models import (
    Member,
    RecruitmentCategory,
)
from spreadsheets.normalise import (
    clean,
)

# Members


class MemberImporter(MemberCells, Importer):
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
