"""Realistic registers for the demo county, planned from a seed and bulk-inserted.

`build_demo_registers(county, seed=…)` fills every association of the county that keeps a register
(villages, communities, enterprise associations — these lightly — and the urban branch) with
100–400 members, their recruitment categories, posts with current and past terms (and some gaps),
the year's trainings (county-, township- and village-organised) with attendees, the year's service
activities, the townships' 三纳入四同时 checklist and the villages' association profiles.

Rows go in with `bulk_create`, a chunk of associations at a time, so memory stays bounded; the ID
number and phone of every member are encrypted, indexed and masked per row exactly as
`registers.services` does. The load writes one `registers.bulk_load` audit event with the counts.
Call it inside the transaction that built the tree. The same seed and day give the same registers
(the ciphertexts differ, being randomised, but decrypt to the same values).
"""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from audit.services import record_event
from orgs.models import Category, Level, OrgUnit, Status
from registers import pii
from registers.identity import mask_id_number, mask_phone
from registers.models import (
    AssociationProfile,
    Audience,
    Carrier,
    InclusionItem,
    InclusionRecord,
    Member,
    MemberStatus,
    Post,
    PostKind,
    RecruitmentCategory,
    ServiceActivity,
    Sex,
    Training,
)
from registers.signals import records_loaded
from sanlian.demo import register_words as words
from sanlian.demo.register_parts import (
    BULK_LOAD_ACTION,
    CHUNK_MEMBERS,
    DEFAULT_BATCH_SIZE,
    FIRST_JOIN_YEAR,
    MEMBER_COLUMNS,
    MEMBERS_MAX,
    MEMBERS_MIN,
    SURNAME_SET,
    _add_years,
    _Counts,
    _Holder,
    _Person,
    _PersonMaker,
    _RecordPlanner,
)


class _Builder(_RecordPlanner, _PersonMaker):
    def __init__(self, county: OrgUnit, seed: int, today: date, batch_size: int):
        self.county = county
        self.rng = random.Random(f"registers-{seed}")
        self.today = today
        self.year = today.year
        self.year_start = date(today.year, 1, 1)
        self.batch_size = batch_size
        self.region = (county.division_code or "480121")[:6]
        self.counts = _Counts()
        self.used_ids: set[str] = set()
        self.holders: list[_Holder] = []
        self.categories = {c.code: c.pk for c in RecruitmentCategory.objects.filter(is_active=True)}
        carriers = list(Carrier.objects.filter(is_active=True).order_by("sort_order", "id"))
        self.carriers = carriers
        self.carrier_weights = [words.CARRIER_WEIGHTS.get(c.name, 5) for c in carriers]
        self.category_through = Member.categories.through
        self.attendee_through = Training.attendees.through

    # Small helpers.

    # Members.

    def plan_members(self, unit: OrgUnit, groups: list[OrgUnit], others: list[OrgUnit]):
        rng = self.rng
        if unit.category == Category.ENTERPRISE:
            size = rng.randint(MEMBERS_MIN, 160)
        elif unit.category == Category.URBAN_BRANCH:
            size = rng.randint(150, 300)
        elif unit.population:
            size = round(unit.population * rng.uniform(0.06, 0.12))
        else:
            size = rng.randint(MEMBERS_MIN, MEMBERS_MAX)
        size = max(MEMBERS_MIN, min(MEMBERS_MAX, size))
        clan = None
        if unit.category == Category.VILLAGE and unit.name[:1] in SURNAME_SET:
            clan = unit.name[0]
        weights = [rng.uniform(0.6, 1.4) for _g in groups]
        cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
        young_share = 0.12 if unit.category == Category.VILLAGE else 0.3
        used_names: set[str] = set()
        planned = []
        for _n in range(size):
            draw = rng.random()
            if unit.category == Category.ENTERPRISE:
                profile = "young" if draw < 0.4 else "middle"
            elif draw < 0.2:
                profile = "elder"
            elif draw < 0.2 + young_share:
                profile = "young"
            else:
                profile = "middle"
            age = {"elder": (60, 82), "young": (20, 38), "middle": (36, 59)}[profile]
            birth = self.day_between(
                _add_years(self.today, -age[1] - 1) + timedelta(days=1),
                _add_years(self.today, -age[0]),
            )
            years = self.today.year - birth.year
            sex = Sex.FEMALE if rng.random() < 0.56 else Sex.MALE
            number = self.id_number(birth, sex)
            phone = self.phone(years)
            education = self.education(profile)
            occupation = self.occupation(unit, profile)
            first_join = max(date(FIRST_JOIN_YEAR, 1, 1), _add_years(birth, 18))
            joined = first_join + timedelta(
                days=int((self.today - first_join).days * rng.random() ** 0.8)
            )
            member = _Person(
                unit_id=unit.pk,
                group_id=rng.choices(groups, cum_weights=cumulative)[0].pk if groups else None,
                name=self.name(sex, clan, used_names),
                sex=sex,
                birth_date=birth,
                id_number_encrypted=pii.encrypt(number),
                id_number_hash=pii.blind_index("id", number),
                id_number_masked=mask_id_number(number),
                phone_encrypted=pii.encrypt(phone),
                phone_hash=pii.blind_index("phone", phone),
                phone_masked=mask_phone(phone),
                education=education,
                occupation=occupation,
                join_date=joined,
            )
            self.set_status(member, profile, others)
            codes = self.member_categories(profile, education, occupation)
            planned.append((member, codes, profile))
        return planned

    def set_status(self, member: "_Person", profile: str, others: list[OrgUnit]) -> None:
        rng = self.rng
        if member.join_date >= self.today:
            return
        draw = rng.random()
        deceased = 0.05 if profile == "elder" else 0.008
        if draw < deceased:
            member.status = MemberStatus.DECEASED
            member.status_reason = rng.choice(words.DECEASED_REASONS)
        elif draw < deceased + 0.008:
            member.status = MemberStatus.WITHDRAWN
            member.status_reason = rng.choice(words.WITHDRAWAL_REASONS)
        elif draw < deceased + 0.015:
            member.status = MemberStatus.RESIGNED
            member.status_reason = rng.choice(words.RESIGNATION_REASONS)
        elif draw < deceased + 0.035:
            member.status = MemberStatus.MOVED
            member.status_reason = rng.choice(words.MOVED_REASONS)
            if others and rng.random() < 0.4:
                target = rng.choice(others)
                member.moved_to_id = target.pk if target.pk != member.unit_id else None
        else:
            return
        member.status_date = self.day_between(member.join_date + timedelta(days=1), self.today)

    # Posts.

    # Trainings and activities of one association.

    # One chunk of associations, inserted together.

    def insert_members(self, members: list["_Person"]) -> None:
        """Members in bulk, with their pks set; the columns as `Member.save()` writes them."""
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())

        def day(value):
            return ops.adapt_datefield_value(value)

        rows = [
            (
                m.unit_id,
                m.group_id,
                m.name,
                m.sex,
                day(m.birth_date),
                m.id_number_encrypted,
                m.id_number_hash,
                m.id_number_masked,
                m.phone_encrypted,
                m.phone_hash,
                m.phone_masked,
                m.education,
                m.occupation,
                day(m.join_date),
                m.status,
                day(m.status_date),
                m.status_reason,
                m.moved_to_id,
                1,
                now,
                now,
            )
            for m in members
        ]
        ids = self.insert(Member, MEMBER_COLUMNS, rows, returning=True)
        for member, pk in zip(members, ids, strict=True):
            member.pk = pk

    def insert(self, model, columns: list[str], rows: list[tuple], returning=False) -> list:
        """Multi-row INSERTs of ready column values (the ORM's per-value preparation is most
        of the time of a 75,000-row `bulk_create`); with `returning`, the new pks in order."""
        if not rows:
            return []
        quote = connection.ops.quote_name
        limit = connection.features.max_query_params or 65535
        per = max(1, min(self.batch_size, limit // len(columns)))
        head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        tail = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""
        ids: list = []
        if connection.vendor == "postgresql":
            # One array a column, as Django's own bulk_create does there: a handful of
            # parameters a statement instead of tens of thousands bound one by one.
            fields = {f.column: f for f in model._meta.concrete_fields}
            arrays = ", ".join(f"%s::{fields[c].db_type(connection)}[]" for c in columns)
            head += f"SELECT * FROM UNNEST({arrays})"
            per = self.batch_size
        with connection.cursor() as cursor:
            for start in range(0, len(rows), per):
                batch = rows[start : start + per]
                if connection.vendor == "postgresql":
                    cursor.execute(
                        head + tail, [list(column) for column in zip(*batch, strict=True)]
                    )
                else:
                    sql = head + "VALUES " + ", ".join([row_sql] * len(batch)) + tail
                    cursor.execute(sql, [value for row in batch for value in row])
                if returning:
                    ids += [row[0] for row in cursor.fetchall()]
        return ids

    def fill_chunk(self, chunk, groups_of, others) -> None:
        planned_by_unit = [
            (unit, self.plan_members(unit, groups_of[unit.pk], others)) for unit in chunk
        ]
        members = [m for _unit, planned in planned_by_unit for m, _codes, _p in planned]
        self.insert_members(members)
        links = [
            (m.pk, self.categories[code])
            for _unit, planned in planned_by_unit
            for m, codes, _p in planned
            for code in codes
        ]
        self.insert(self.category_through, ["member_id", "recruitmentcategory_id"], links)
        posts, trainings, activities, profiles = [], [], [], []
        for unit, planned in planned_by_unit:
            posts += self.plan_posts(unit, planned, groups_of[unit.pk])
            active = [m for m, _codes, _p in planned if m.status == MemberStatus.ACTIVE]
            trainings += self.plan_village_trainings(unit, active)
            activities += self.plan_activities(unit, len(planned))
            if unit.category != Category.ENTERPRISE:
                profiles.append(self.plan_profile(unit))
            for member, _codes, _p in planned:
                self.counts.by_status[member.status] += 1
        Post.objects.bulk_create(posts, batch_size=self.batch_size)
        self.insert_trainings(trainings)
        ServiceActivity.objects.bulk_create(activities, batch_size=self.batch_size)
        AssociationProfile.objects.bulk_create(profiles, batch_size=self.batch_size)
        self.counts.units += len(chunk)
        self.counts.members += len(members)
        self.counts.category_links += len(links)
        self.counts.posts += len(posts)
        self.counts.activities += len(activities)
        self.counts.profiles += len(profiles)

    def insert_trainings(self, trainings: list[tuple[Training, list[int]]]) -> None:
        Training.objects.bulk_create([t for t, _ids in trainings], batch_size=self.batch_size)
        rows = [(t.pk, member_id) for t, ids in trainings for member_id in ids]
        self.insert(self.attendee_through, ["training_id", "member_id"], rows)
        self.counts.trainings += len(trainings)
        self.counts.attendances += len(rows)

    # Above the villages: county and township trainings and activities, 三纳入四同时.

    def fill_upper_levels(self, townships: list[OrgUnit]) -> None:
        rng = self.rng
        trainings = []
        leaders = defaultdict(list)
        for holder in self.holders:
            leaders[holder.kind].append(holder)
        audience_posts = {
            Audience.PRESIDENTS: [PostKind.PRESIDENT],
            Audience.SECRETARIES: [PostKind.SECRETARY_GENERAL],
            Audience.COUNCIL: [PostKind.COUNCIL_MEMBER, PostKind.VICE_PRESIDENT],
            Audience.GROUP_LEADERS: [PostKind.GROUP_LEADER],
        }

        def invited(audiences, township_id=None):
            ids = []
            for audience in audiences:
                for kind in audience_posts.get(audience, []):
                    ids += [
                        h.member_id
                        for h in leaders[kind]
                        if township_id is None or h.township_id == township_id
                    ]
            return sorted(set(ids))

        for title, audiences in rng.sample(words.COUNTY_TRAININGS, rng.randint(4, 6)):
            ids = invited(audiences)
            ids = rng.sample(ids, round(len(ids) * rng.uniform(0.8, 0.95)))
            training = Training(
                organiser=self.county,
                date=self.day_this_year(),
                title=f"{self.year}年{title}",
                audiences=audiences,
                hours=Decimal(rng.choice(("6.0", "8.0", "12.0", "16.0"))),
                location=f"{self.county.name}计生协会培训室",
            )
            trainings.append((training, ids))
        activities = []
        for township in townships:
            for title, audiences in rng.sample(words.TOWNSHIP_TRAININGS, rng.randint(2, 4)):
                ids = invited(audiences, township.pk)
                ids = rng.sample(ids, round(len(ids) * rng.uniform(0.7, 0.9)))
                trainings.append(
                    (
                        Training(
                            organiser=township,
                            date=self.day_this_year(),
                            title=title,
                            audiences=audiences,
                            hours=Decimal(rng.choice(("3.0", "4.0", "6.0"))),
                            location=f"{township.name}会议室",
                        ),
                        ids,
                    )
                )
            activities += self.plan_activities(township, 400)[: rng.randint(2, 5)]
        activities += self.plan_activities(self.county, 1000)[: rng.randint(4, 8)]
        self.insert_trainings(trainings)
        ServiceActivity.objects.bulk_create(activities, batch_size=self.batch_size)
        self.counts.activities += len(activities)
        records = []
        for township in townships:
            if township.category == Category.URBAN_BRANCH:
                continue
            weak = rng.random() < 0.2
            for item in InclusionItem:
                achieved = rng.random() < (0.55 if weak else 0.93)
                records.append(
                    InclusionRecord(
                        township=township,
                        year=self.year,
                        item=item,
                        achieved=achieved,
                        date=self.day_this_year() if achieved else None,
                        note=words.INCLUSION_NOTES.get(item, "") if achieved else "尚未落实",
                    )
                )
        InclusionRecord.objects.bulk_create(records, batch_size=self.batch_size)
        self.counts.inclusion_records += len(records)

    def run(self) -> _Counts:
        county = self.county
        units = list(
            OrgUnit.objects.filter(county=county, status=Status.ACTIVE)
            .filter(level__in=(Level.TOWNSHIP, Level.VILLAGE, Level.GROUP))
            .order_by("id")
        )
        townships = [u for u in units if u.level == Level.TOWNSHIP]
        holders = [
            u for u in units if u.level == Level.VILLAGE or u.category == Category.URBAN_BRANCH
        ]
        groups_of = defaultdict(list)
        for unit in units:
            if unit.level == Level.GROUP:
                groups_of[unit.parent_id].append(unit)
        others = [u for u in holders if u.category in (Category.VILLAGE, Category.COMMUNITY)]
        chunk, size = [], 0
        for unit in holders:
            chunk.append(unit)
            size += MEMBERS_MAX
            if size >= CHUNK_MEMBERS:
                self.fill_chunk(chunk, groups_of, others)
                chunk, size = [], 0
        if chunk:
            self.fill_chunk(chunk, groups_of, others)
        self.fill_upper_levels(townships)
        return self.counts


def build_demo_registers(
    county: OrgUnit,
    *,
    seed: int,
    today: date | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    command: str = "demo",
) -> dict:
    """Fill the registers of every association under `county`; returns the counts.

    Call it inside a transaction, on a county whose associations have no members yet.
    """
    builder = _Builder(county, seed, today or timezone.localdate(), batch_size)
    counts = builder.run().as_dict()
    record_event(
        actor=None,
        action=BULK_LOAD_ACTION,
        object_type="orgs.orgunit",
        object_id=county.pk,
        object_label=county.name,
        unit_id=county.pk,
        after={"registers": counts, "command": command, "seed": seed, "year": builder.year},
    )
    records_loaded.send(sender=BULK_LOAD_ACTION, unit_id=county.pk)
    return counts


def refresh_register_statistics() -> None:
    """ANALYZE the register tables on PostgreSQL after a bulk load (see orgs.bulk)."""
    if connection.vendor != "postgresql":
        return
    models = (Member, Member.categories.through, Post, Training, Training.attendees.through)
    models += (ServiceActivity, InclusionRecord, AssociationProfile)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
