"""Working out a unit's figures for its years from the registers and the titles."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from assessments import standing
from assessments.models import AwardedTitle
from campaigns import targets as t
from campaigns.actions import CampaignAction
from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit, Status
from registers.models import Member, ServiceActivity, Training
from registers.selectors import on_register_in
from standards.models import TitleKind

FIELDS = (
    "groups",
    "five_good_groups",
    "villages",
    "qualified_villages",
    "first_class_villages",
    "townships",
    "advanced_townships",
    "enterprises",
    "qualified_enterprises",
    "first_class_enterprises",
    "active_members",
    "trainings",
    "service_activities",
    "people_served",
)
ANCESTORS = tuple(LEVEL_COLUMNS.values())  # province, city, county, township, village
STRUCTURE = {Level.GROUP: "groups", Level.VILLAGE: "villages", Level.TOWNSHIP: "townships"}
# Enterprise associations sit at village level but keep their own figures: whether they count
# among the 村(居) of the targets is the campaign's setting (campaigns.targets.Counts.of).
ENTERPRISE_FIELDS = t.ENTERPRISE_FIELDS


def _own_field(field: str, category: str) -> str:
    return ENTERPRISE_FIELDS.get(field, field) if category == Category.ENTERPRISE else field


REBUILD_ACTION = CampaignAction.ROLLUPS_REBUILD
REFRESH_ACTION = CampaignAction.ROLLUPS_REFRESH
BATCH = 5000

Values = dict[str, int]
Key = tuple[int, int]  # (unit id, year)


def stored_years() -> range:
    """The years that have stored rows; figures for other years are computed when asked."""
    first = int(getattr(settings, "SANLIAN_ROLLUP_FIRST_YEAR", 2021))
    last = int(getattr(settings, "SANLIAN_ROLLUP_LAST_YEAR", 2030))
    return range(first, last + 1)


def _zero() -> Values:
    return dict.fromkeys(FIELDS, 0)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclasses.dataclass(frozen=True)
class Figures:
    """One unit's figures for one year, over its whole subtree. Rates are fractions (0–1), None
    when there is nothing to divide by."""

    unit: OrgUnit
    year: int
    groups: int = 0
    five_good_groups: int = 0
    villages: int = 0
    qualified_villages: int = 0
    first_class_villages: int = 0
    townships: int = 0
    advanced_townships: int = 0
    enterprises: int = 0
    qualified_enterprises: int = 0
    first_class_enterprises: int = 0
    active_members: int = 0
    trainings: int = 0
    service_activities: int = 0
    people_served: int = 0

    @property
    def unit_id(self) -> int:
        return self.unit.pk

    @property
    def unrated_villages(self) -> int:
        """Villages without a title in force that year (standing "none")."""
        return self.villages - self.qualified_villages - self.first_class_villages

    @property
    def qualified_or_better(self) -> int:
        return self.qualified_villages + self.first_class_villages

    @property
    def five_good_rate(self) -> float | None:
        return _rate(self.five_good_groups, self.groups)

    @property
    def qualified_or_better_rate(self) -> float | None:
        return _rate(self.qualified_or_better, self.villages)

    @property
    def first_class_rate(self) -> float | None:
        """First-class villages of all villages (the plan's default base)."""
        return _rate(self.first_class_villages, self.villages)

    @property
    def first_class_rate_of_qualified(self) -> float | None:
        """First-class villages of the villages qualified or better (the other reading)."""
        return _rate(self.first_class_villages, self.qualified_or_better)

    @property
    def advanced_township_rate(self) -> float | None:
        return _rate(self.advanced_townships, self.townships)

    def values(self) -> Values:
        return {name: getattr(self, name) for name in FIELDS}


# --- computing from the raw rows -------------------------------------------------------------


def _prefixed(q: Q, prefix: str) -> Q:
    """The same condition on OrgUnit, seen from a model that points at it through `prefix`."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in q.children
    ]
    return clone


def _title_years(
    rows: Iterable[tuple], years: Sequence[int], closed: standing.ClosedRatings
) -> dict[int, tuple[int, set[int], set[int], set[int], set[int], tuple]]:
    """Per unit: (level, five-good years, qualified years, first-class years, advanced years,
    the unit's ancestor ids, its category) from rows (unit, level, category, title,
    *standing.ROW_FIELDS, *ancestor ids), by the one rule of assessments/standing.py."""
    width = len(standing.ROW_FIELDS)
    by_unit: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    info: dict[int, tuple[int, str, tuple]] = {}
    for unit_id, level, category, title, *rest in rows:
        by_unit[unit_id][title].append(standing.row_of(rest[:width]))
        info[unit_id] = (level, category, tuple(rest[width:]))
    result = {}
    for unit_id, titles in by_unit.items():
        level, category, ancestors = info[unit_id]
        chain = (*ancestors, unit_id)
        result[unit_id] = (
            level,
            *(
                standing.held_years(titles.get(kind, ()), years, closed.for_unit(kind, chain))
                for kind in (
                    TitleKind.FIVE_GOOD_GROUP,
                    TitleKind.QUALIFIED_VILLAGE,
                    TitleKind.FIRST_CLASS_VILLAGE,
                    TitleKind.ADVANCED_TOWNSHIP,
                )
            ),
            ancestors,
            category,
        )
    return result


def _closed_for(rows: list) -> standing.ClosedRatings:
    """The closed yearly ratings, read (one query) only when there are titles to judge."""
    return standing.closed_ratings() if rows else standing.ClosedRatings(())


def _title_fields(level: int, five_good, qualified, first_class, advanced, year: int) -> Values:
    """What one unit's titles add to the figures of a year (titles count at their own level)."""
    added: Values = {}
    if level == Level.GROUP and year in five_good:
        added["five_good_groups"] = 1
    elif level == Level.VILLAGE:
        if year in first_class:
            added["first_class_villages"] = 1
        elif year in qualified:
            added["qualified_villages"] = 1
    elif level == Level.TOWNSHIP and year in advanced:
        added["advanced_townships"] = 1
    return added


def _member_years(join_year, status: str, left_year, years: Sequence[int]) -> list[int]:
    return [year for year in years if on_register_in(join_year, status, left_year, year)]


def _year_bounds(years: Sequence[int]) -> dict:
    return {"date__gte": date(min(years), 1, 1), "date__lte": date(max(years), 12, 31)}


def compute(
    scope: Q | None, years: Sequence[int], targets: set[int] | None = None
) -> dict[Key, Values]:
    """Fresh figures from the raw rows of the active units matching `scope` (a condition on
    OrgUnit), added into every non-group ancestor of each row (itself included) that is in
    `targets` (all when None). Five queries (six with titles: the closed rounds), whatever the
    size of the scope."""
    years = sorted(set(years))
    year_set = set(years)
    out: dict[Key, Values] = defaultdict(_zero)

    def add(ancestors: Iterable[int | None], year: int, field: str, n: int) -> None:
        for unit_id in ancestors:
            if unit_id is not None and (targets is None or unit_id in targets):
                out[(unit_id, year)][field] += n

    units = Q(status=Status.ACTIVE) & (scope if scope is not None else Q())

    structure = (
        OrgUnit.objects.filter(units, level__in=list(STRUCTURE))
        .values_list(*ANCESTORS, "level", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    for *ancestors, level, category, n in structure:
        for year in years:
            add(ancestors, year, _own_field(STRUCTURE[level], category), n)

    titles = AwardedTitle.objects.filter(_prefixed(units, "unit__"), year__lte=years[-1])
    rows = titles.values_list(
        "unit_id",
        "unit__level",
        "unit__category",
        "title",
        *standing.ROW_FIELDS,
        *(f"unit__{c}" for c in ANCESTORS),
    ).order_by()
    rows = list(rows)
    for level, *held, ancestors, category in _title_years(rows, years, _closed_for(rows)).values():
        for year in years:
            for field, n in _title_fields(level, *held, year).items():
                add(ancestors, year, _own_field(field, category), n)

    members = (
        Member.objects.filter(_prefixed(units, "unit__"))
        .values_list(
            *(f"unit__{c}" for c in ANCESTORS),
            "status",
            ExtractYear("join_date"),
            ExtractYear("status_date"),
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    for *ancestors, status, joined, left, n in members:
        for year in _member_years(joined, status, left, years):
            add(ancestors, year, "active_members", n)

    trainings = (
        Training.objects.filter(_prefixed(units, "organiser__"), **_year_bounds(years))
        .values_list(*(f"organiser__{c}" for c in ANCESTORS), ExtractYear("date"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for *ancestors, year, n in trainings:
        if year in year_set:
            add(ancestors, year, "trainings", n)

    activities = (
        ServiceActivity.objects.filter(_prefixed(units, "unit__"), **_year_bounds(years))
        .values_list(*(f"unit__{c}" for c in ANCESTORS), ExtractYear("date"))
        .annotate(n=Count("id"), people=Sum("people_served"))
        .order_by()
    )
    for *ancestors, year, n, people in activities:
        if year in year_set:
            add(ancestors, year, "service_activities", n)
            add(ancestors, year, "people_served", people or 0)
    return out


def _children_of(unit_id: int) -> tuple[list[int], list[int]]:
    """(group children, stored children) of a unit, from the parent index."""
    groups, stored = [], []
    for pk, level in OrgUnit.objects.filter(parent_id=unit_id).values_list("pk", "level"):
        (groups if level == Level.GROUP else stored).append(pk)
    return groups, stored


def _group_values(groups: Sequence[OrgUnit], years: Sequence[int]) -> dict[Key, Values]:
    """Groups have no stored row: their figures are their own few rows, four queries for any
    number of groups. A group's members are those assigned to it."""
    out: dict[Key, Values] = defaultdict(_zero)
    ids = [g.pk for g in groups]
    if not ids:
        return out
    years = sorted(set(years))
    for group in groups:
        if group.status == Status.ACTIVE:
            for year in years:
                out[(group.pk, year)]["groups"] = 1
    active = [g.pk for g in groups if g.status == Status.ACTIVE]
    rows = (
        AwardedTitle.objects.filter(
            unit_id__in=active, title=TitleKind.FIVE_GOOD_GROUP, year__lte=years[-1]
        )
        .values_list(
            "unit_id",
            "unit__level",
            "unit__category",
            "title",
            *standing.ROW_FIELDS,
            *(f"unit__{c}" for c in ANCESTORS),
        )
        .order_by()
    )
    rows = list(rows)
    for unit_id, (_level, five_good, *_rest) in _title_years(
        rows, years, _closed_for(rows)
    ).items():
        for year in five_good:
            out[(unit_id, year)]["five_good_groups"] = 1
    members = (
        Member.objects.filter(group_id__in=active, unit__status=Status.ACTIVE)
        .values_list("group_id", "status", ExtractYear("join_date"), ExtractYear("status_date"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for group_id, status, joined, left, n in members:
        for year in _member_years(joined, status, left, years):
            out[(group_id, year)]["active_members"] += n
    trainings = (
        Training.objects.filter(organiser_id__in=active, **_year_bounds(years))
        .values_list("organiser_id", ExtractYear("date"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for group_id, year, n in trainings:
        if year in years:
            out[(group_id, year)]["trainings"] += n
    activities = (
        ServiceActivity.objects.filter(unit_id__in=active, **_year_bounds(years))
        .values_list("unit_id", ExtractYear("date"))
        .annotate(n=Count("id"), people=Sum("people_served"))
        .order_by()
    )
    for group_id, year, n, people in activities:
        if year in years:
            out[(group_id, year)]["service_activities"] += n
            out[(group_id, year)]["people_served"] += people or 0
    return out
