"""What the demo registers' builder (sanlian/demo/registers.py) is made of: its sizes, the people
and posts it plans, and the mixins that make up a person and plan a unit's records.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from orgs.demo_names import GIVEN_NAMES, SURNAMES
from orgs.models import Category, OrgUnit
from registers.actions import RegisterAction
from registers.identity import id_check_char
from registers.models import (
    AssociationProfile,
    Audience,
    Education,
    Member,
    MemberStatus,
    Post,
    PostKind,
    ProfileItem,
    ServiceActivity,
    Sex,
    Training,
)
from sanlian.demo import register_words as words

BULK_LOAD_ACTION = RegisterAction.BULK_LOAD
DEFAULT_BATCH_SIZE = 2000
# Associations per chunk: members, posts, trainings and activities of a chunk are planned,
# inserted and dropped together.
CHUNK_MEMBERS = 6000
MEMBERS_MIN, MEMBERS_MAX = 100, 400
FIRST_JOIN_YEAR = 2010
# The village committees' (and so the associations') last general election.
ELECTION_YEAR = 2021
SURNAME_SET = set(SURNAMES)


@dataclass(slots=True)
class _Person:
    """A planned member: the columns of its `Member` row, and its pk once inserted."""

    unit_id: int
    group_id: int | None
    name: str
    sex: str
    birth_date: date
    id_number_encrypted: str
    id_number_hash: str
    id_number_masked: str
    phone_encrypted: str
    phone_hash: str
    phone_masked: str
    education: str
    occupation: str
    join_date: date
    status: str = MemberStatus.ACTIVE
    status_date: date | None = None
    status_reason: str = ""
    moved_to_id: int | None = None
    pk: int | None = None


MEMBER_COLUMNS = [
    "unit_id",
    "group_id",
    "name",
    "sex",
    "birth_date",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "phone_encrypted",
    "phone_hash",
    "phone_masked",
    "education",
    "occupation",
    "join_date",
    "status",
    "status_date",
    "status_reason",
    "moved_to_id",
    "version",
    "created_at",
    "updated_at",
]


@dataclass
class _Holder:
    """A current post holder, remembered for the county's and townships' trainings."""

    member_id: int
    township_id: int | None
    kind: str


@dataclass
class _Counts:
    units: int = 0
    members: int = 0
    category_links: int = 0
    posts: int = 0
    trainings: int = 0
    attendances: int = 0
    activities: int = 0
    inclusion_records: int = 0
    profiles: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MemberStatus.values, 0))

    def as_dict(self) -> dict:
        return {
            "units": self.units,
            "members": self.members,
            "members_by_status": dict(self.by_status),
            "category_links": self.category_links,
            "posts": self.posts,
            "trainings": self.trainings,
            "attendances": self.attendances,
            "activities": self.activities,
            "inclusion_records": self.inclusion_records,
            "profiles": self.profiles,
        }


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _association(unit: OrgUnit) -> str:
    return unit.name if unit.name.endswith("会") else f"{unit.name}计生协会"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _PersonMaker:
    """The builder's people: a name, an ID number and phone, education, occupation and
    categories, drawn from the seed."""

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def day_this_year(self) -> date:
        return self.day_between(self.year_start, self.today)

    def money(self, low: int, high: int, step: int = 50) -> Decimal:
        return Decimal(self.rng.randrange(low, high + 1, step))

    def name(self, sex: str, clan: str | None, used: set[str]) -> str:
        rng = self.rng
        for _attempt in range(8):
            surname = clan if clan and rng.random() < 0.4 else rng.choice(SURNAMES)
            draw = rng.random()
            if draw < 0.1:
                given = rng.choice(GIVEN_NAMES)
            else:
                chars = words.MALE_CHARS if sex == Sex.MALE else words.FEMALE_CHARS
                given = rng.choice(chars)
                if draw < 0.75:
                    given += rng.choice(chars)
            name = surname + given
            if name not in used:
                break
        used.add(name)
        return name

    def id_number(self, birth: date, sex: str) -> str:
        while True:
            order = self.rng.randrange(0, 100) * 10 + self.rng.randrange(0, 10, 2)
            if sex == Sex.MALE:
                order += 1
            first17 = f"{self.region}{birth:%Y%m%d}{order:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + id_check_char(first17)

    def phone(self, age: int) -> str:
        rng = self.rng
        draw = rng.random()
        if age >= 60 and draw < 0.12:
            return ""
        if age >= 55 and draw < 0.2:
            return f"{words.AREA_CODE}-{rng.randint(5, 8)}{rng.randrange(10**6):06d}"
        return rng.choice(words.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"

    def education(self, profile: str) -> str:
        if profile == "elder":
            pairs = [(Education.PRIMARY, 45), (Education.JUNIOR, 35), (Education.SENIOR, 15)]
            pairs.append((Education.COLLEGE, 5))
        elif profile == "young":
            pairs = [(Education.JUNIOR, 10), (Education.SENIOR, 35), (Education.COLLEGE, 35)]
            pairs.append((Education.UNIVERSITY, 20))
        else:
            pairs = [(Education.PRIMARY, 20), (Education.JUNIOR, 50), (Education.SENIOR, 22)]
            pairs.append((Education.COLLEGE, 8))
        return _weighted(self.rng, pairs)

    def occupation(self, unit: OrgUnit, profile: str) -> str:
        if unit.category == Category.ENTERPRISE:
            return _weighted(self.rng, words.ENTERPRISE_OCCUPATIONS)
        if unit.category == Category.URBAN_BRANCH:
            return _weighted(self.rng, words.URBAN_OCCUPATIONS)
        if profile == "elder":
            if unit.category == Category.COMMUNITY and self.rng.random() < 0.6:
                return "退休职工"
            return _weighted(self.rng, words.ELDER_OCCUPATIONS)
        if unit.category == Category.COMMUNITY:
            return _weighted(self.rng, words.COMMUNITY_OCCUPATIONS)
        if profile == "young":
            return _weighted(self.rng, words.YOUNG_OCCUPATIONS)
        return _weighted(self.rng, words.VILLAGE_OCCUPATIONS)

    def member_categories(self, profile: str, education: str, occupation: str) -> list[str]:
        rng = self.rng
        codes = []
        # Retired cadres, veterans, experts, teachers, model workers: a few percent of members.
        if profile == "elder" and rng.random() < 0.3:
            codes.append("five_elders")
        educated = education in (Education.SENIOR, Education.COLLEGE, Education.UNIVERSITY)
        if profile == "young" and educated and rng.random() < 0.75:
            codes.append("young_educated")
        if occupation in words.WEALTH_OCCUPATIONS and rng.random() < 0.6:
            codes.append("wealth_creator")
        if occupation in words.ENTREPRENEUR_OCCUPATIONS and rng.random() < 0.85:
            codes.append("entrepreneur")
        figure = 0.45 if occupation in words.FIGURE_OCCUPATIONS else 0.06
        if rng.random() < figure:
            codes.append("community_figure")
        return [code for code in codes if code in self.categories]


class _RecordPlanner:
    """The builder's records of a unit: its posts and their terms, trainings, service activities
    and profile."""

    def plan_posts(self, unit: OrgUnit, planned, groups: list[OrgUnit]) -> list[Post]:
        rng = self.rng
        township_id = unit.township_id
        active = [m for m, _codes, _p in planned if m.status == MemberStatus.ACTIVE]
        adults = [m for m in active if 28 <= self.today.year - m.birth_date.year <= 68]
        pool = adults or active
        cadres = [m for m in pool if m.occupation in words.CADRE_OCCUPATIONS]
        taken: set[int] = set()
        posts: list[Post] = []
        term_start = date(ELECTION_YEAR, rng.randint(3, 6), rng.randint(1, 28))

        def pick(candidates):
            free = [m for m in candidates if m.pk not in taken] or [
                m for m in pool if m.pk not in taken
            ]
            if not free:
                return None
            member = rng.choice(free)
            taken.add(member.pk)
            return member

        def hold(kind, member, unit=unit, start=None, end=None, note=""):
            start = start or term_start
            if member is not None and member.join_date and start < member.join_date:
                start = member.join_date
            if end is not None and end <= start:
                return  # the holder joined after the term would have ended: no past term
            posts.append(
                Post(
                    unit=unit,
                    kind=kind,
                    member_id=member.pk if member else None,
                    holder_name=member.name if member else self.name(Sex.FEMALE, None, set()),
                    start_date=start,
                    end_date=end,
                    note=note,
                )
            )
            if end is None and member is not None:
                self.holders.append(_Holder(member.pk, township_id, kind))

        # Some presidents were elected later than the general election, after a change.
        president = pick(cadres)
        if president is not None:
            later = rng.random() < 0.15
            start = self.day_between(term_start, self.today) if later else term_start
            hold(PostKind.PRESIDENT, president, start=start)
            if later or rng.random() < 0.2:
                everyone = [m for m, _codes, _p in planned if m.pk not in taken]
                if everyone:
                    former = rng.choice(everyone)
                    taken.add(former.pk)
                    hold(
                        PostKind.PRESIDENT,
                        former,
                        start=date(ELECTION_YEAR - 5, rng.randint(3, 6), rng.randint(1, 28)),
                        end=start - timedelta(days=1),
                        note="换届卸任" if not later else "工作调整",
                    )
        if rng.random() < 0.9:  # a few associations have no secretary-general
            hold(PostKind.SECRETARY_GENERAL, pick(cadres))
            if rng.random() < 0.1:
                former = pick(pool)
                if former is not None:
                    hold(
                        PostKind.SECRETARY_GENERAL,
                        former,
                        start=date(ELECTION_YEAR - 5, 4, 1),
                        end=term_start - timedelta(days=1),
                        note="换届卸任",
                    )
        # The council after the Sichuan "5, 3, 3" model, loosely: 五老 (one of them the
        # executive vice-president), notables and wealth creators, village cadres.
        elders, notables = [], []
        for member, codes, _p in planned:
            if member.status == MemberStatus.ACTIVE:
                if "five_elders" in codes:
                    elders.append(member)
                elif {"wealth_creator", "entrepreneur", "community_figure"} & set(codes):
                    notables.append(member)
        for candidates in (elders, pool)[: rng.choice((1, 1, 2))]:
            member = pick(candidates)
            if member is not None:
                hold(PostKind.VICE_PRESIDENT, member)
        council = [elders] * rng.randint(1, 3) + [notables] * rng.randint(1, 2)
        council += [cadres] * rng.randint(1, 2)
        for candidates in council:
            member = pick(candidates)
            if member is not None:
                hold(PostKind.COUNCIL_MEMBER, member)
        if rng.random() < 0.3:
            member = pick(pool) if rng.random() < 0.7 else None
            hold(PostKind.STAFF, member, start=self.day_between(term_start, self.today))
        by_group = defaultdict(list)
        for member in active:
            by_group[member.group_id].append(member)
        for group in groups:
            if rng.random() < 0.12:  # some groups have no leader
                continue
            leader = pick(by_group.get(group.pk, []))
            if leader is None or leader.group_id != group.pk:
                continue
            if rng.random() < 0.1:  # a leader changed this year
                changed = self.day_between(self.year_start + timedelta(days=1), self.today)
                hold(PostKind.GROUP_LEADER, leader, unit=group, start=changed)
                former = [m for m in by_group[group.pk] if m.pk not in taken]
                if former:
                    member = rng.choice(former)
                    taken.add(member.pk)
                    hold(
                        PostKind.GROUP_LEADER,
                        member,
                        unit=group,
                        start=term_start,
                        end=changed - timedelta(days=1),
                        note="调整",
                    )
            else:
                hold(PostKind.GROUP_LEADER, leader, unit=group)
        return posts

    def plan_village_trainings(self, unit: OrgUnit, active: list[Member]):
        rng = self.rng
        count = rng.randint(0, 1) if rng.random() < 0.1 else rng.randint(2, 6)
        trainings = []
        for _n in range(count):
            audiences = [Audience.MEMBERS]
            if rng.random() < 0.3:
                audiences.insert(0, Audience.GROUP_LEADERS)
            training = Training(
                organiser=unit,
                date=self.day_this_year(),
                title=rng.choice(words.VILLAGE_TRAININGS),
                audiences=audiences,
                hours=Decimal(rng.choice(("1.5", "2.0", "2.0", "3.0", "4.0"))),
                location=rng.choice(words.TRAINING_LOCATIONS),
            )
            joined = [m for m in active if m.join_date <= training.date]
            attendees = rng.sample(joined, min(len(joined), rng.randint(15, 60)))
            trainings.append((training, [m.pk for m in attendees]))
        return trainings

    def plan_activities(self, unit: OrgUnit, size: int) -> list[ServiceActivity]:
        rng = self.rng
        if not self.carriers:
            return []
        months = self.today.month
        if rng.random() < 0.8:  # most hold at least one activity in most months
            dates = []
            for month in range(1, months + 1):
                if rng.random() < 0.9:
                    last = self.today if month == months else date(self.year, month + 1, 1)
                    dates.append(self.day_between(date(self.year, month, 1), last))
            dates += [self.day_this_year() for _n in range(rng.randint(0, 4))]
        else:
            dates = [self.day_this_year() for _n in range(rng.randint(2, 6))]
        activities = []
        for day in sorted(dates):
            if day > self.today:
                day = self.today
            carrier = rng.choices(self.carriers, weights=self.carrier_weights)[0]
            titles = words.ACTIVITY_TITLES.get(carrier.name) or [f"{carrier.name}活动"]
            needs = list(words.CARRIER_NEEDS.get(carrier.name, ["three_lives"]))
            if rng.random() < 0.15 and "reproductive_health" not in needs:
                needs.append("reproductive_health")
            title = rng.choice(titles)
            served = rng.randint(10, max(20, size // 2))
            funds = Decimal(0) if rng.random() < 0.4 else self.money(200, 8000)
            if carrier.name == "幸福工程":
                funds = self.money(3000, 30000, 500)
            activities.append(
                ServiceActivity(
                    unit=unit,
                    date=day,
                    carrier=carrier,
                    needs=needs,
                    title=title,
                    description=f"{_association(unit)}组织开展{title}，服务群众{served}人次。",
                    people_served=served,
                    funds=funds,
                )
            )
        return activities

    def plan_profile(self, unit: OrgUnit) -> AssociationProfile:
        rng = self.rng
        lacking = rng.random() < 0.15
        has_venue = rng.random() < (0.4 if lacking else 0.9)
        checklist = {item: rng.random() < (0.6 if lacking else 0.93) for item in ProfileItem}
        checklist[ProfileItem.ROSTER] = True
        checklist[ProfileItem.VENUE] = has_venue
        committee = Decimal(0) if lacking else self.money(2000, 20000, 500)
        township = self.money(0, 5000, 500) if not lacking else Decimal(0)
        county = self.money(0, 3000, 500) if rng.random() < 0.5 else Decimal(0)
        donations = self.money(0, 5000, 100) if rng.random() < 0.4 else Decimal(0)
        happiness = self.money(2000, 10000, 500) if rng.random() < 0.15 else Decimal(0)
        income = committee + township + county + donations + happiness
        spending = (income * Decimal(rng.randint(60, 100)) / 100).quantize(Decimal("1"))
        building = "社区服务中心" if unit.category == Category.COMMUNITY else "村部"
        return AssociationProfile(
            unit=unit,
            year=self.year,
            has_venue=has_venue,
            venue_area=Decimal(rng.randrange(30, 200, 5)) if has_venue else None,
            venue_address=f"{unit.name}{building}{rng.choice('一二三')}楼" if has_venue else "",
            funds_village_committee=committee,
            funds_township=township,
            funds_county=county,
            funds_donations=donations,
            funds_happiness_project=happiness,
            spending=spending,
            president_paid=not lacking and rng.random() < 0.8,
            leaders_paid=not lacking and rng.random() < 0.55,
            checklist={str(k): {"present": v, "note": ""} for k, v in checklist.items()},
        )
