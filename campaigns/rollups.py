"""Roll-ups: the campaign's figures per unit and year over the unit's whole subtree.

Stored in `RollupFigure`, one row per non-group unit and year of `stored_years()`, and kept current
in the transaction of every change that moves them (campaigns/signals.py calls `refresh`,
`refresh_subtree` and `retired`). The dashboards read them through `figures`, `children_figures`
and `trend`; `rebuild` and `verify` recompute everything from the raw rows.

What counts (docs/decisions.md, Roll-ups):
- only active units, and only the records and titles of active units;
- a unit holds a title in a year by the one rule of assessments/standing.py (动态管理: kept or
  awarded by the year's rating, carried on while that rating is open, lapsed when it closes
  without keeping it, ended by a revocation);
- a village's standing is first-class, else qualified, else none;
- an active member counts in a year when they joined by then (or the join date is unknown) and
  were still on the register at its end; trainings and activities count in the year of their date.

Incremental maintenance is local: a change at a unit re-derives that unit's *own* share (its own
rows and its groups', which have no stored row) from the raw rows, compares it with what the
stored rows imply (the unit's row minus its stored children's rows), and adds the difference to the
unit and each of its ancestors: O(depth) rows, a constant number of queries.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear

from assessments import standing
from assessments.models import AwardedTitle
from audit.services import lock_head, record_event
from campaigns import targets as t
from campaigns.rollup_models import RollupFigure
from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit, Status, subtree_q
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


REBUILD_ACTION = "campaigns.rollups.rebuild"
REFRESH_ACTION = "campaigns.rollups.refresh"
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


# --- reading (the dashboards' selectors) -----------------------------------------------------


def _stored(unit_ids: Sequence[int], years: Sequence[int]) -> dict[Key, Values]:
    # The dashboards' hot path: plain SQL on the (unit, year) index, since building the same
    # query through the ORM took most of the time of a league table.
    if not unit_ids or not years:
        return {}
    quote = connection.ops.quote_name
    sql = (
        f"SELECT unit_id, year, {', '.join(quote(f) for f in FIELDS)} "
        f"FROM {quote(RollupFigure._meta.db_table)} "
        f"WHERE unit_id IN ({', '.join(['%s'] * len(unit_ids))}) "
        f"AND year IN ({', '.join(['%s'] * len(years))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*unit_ids, *years])
        rows = cursor.fetchall()
    return {(row[0], row[1]): dict(zip(FIELDS, row[2:], strict=True)) for row in rows}


def _read(units: Sequence[OrgUnit], years: Sequence[int]) -> dict[Key, Values]:
    """Stored rows where they exist; the rest (years outside the stored range, a unit whose rows
    were never built) computed from the raw rows, one level at a time."""
    groups = [u for u in units if u.level == Level.GROUP]
    others = [u for u in units if u.level != Level.GROUP]
    found = _stored([u.pk for u in others], years) if others else {}
    missing = [u for u in others if any((u.pk, y) not in found for y in years)]
    for level in sorted({u.level for u in missing}):
        ids = [u.pk for u in missing if u.level == level]
        column = f"{LEVEL_COLUMNS[level]}_id"
        fresh = compute(Q(**{f"{column}__in": ids}), years, set(ids))
        for unit_id in ids:
            for year in years:
                found.setdefault((unit_id, year), fresh.get((unit_id, year), _zero()))
    if groups:
        found.update(_group_values(groups, years))
    return found


def figures(unit: OrgUnit, year: int) -> Figures:
    """The unit's figures for the year: one query."""
    values = _read([unit], [year])
    return Figures(unit=unit, year=year, **values.get((unit.pk, year), _zero()))


def children_figures(unit: OrgUnit, year: int) -> list[Figures]:
    """The figures of the unit's active children (the league table), in the tree's order: two
    queries for stored children, five when they are groups, whatever their number."""
    children = list(OrgUnit.objects.filter(parent=unit, status=Status.ACTIVE))
    values = _read(children, [year])
    return [
        Figures(unit=child, year=year, **values.get((child.pk, year), _zero()))
        for child in children
    ]


def trend(unit: OrgUnit, years: Iterable[int]) -> list[Figures]:
    """The unit's figures for each of the years, in order: one query within the stored years."""
    years = sorted(set(years))
    values = _read([unit], years)
    return [Figures(unit=unit, year=year, **values.get((unit.pk, year), _zero())) for year in years]


# --- keeping the stored rows current ---------------------------------------------------------


def _lock(unit_ids: Sequence[int]) -> dict[Key, Values]:
    """Lock the rows of a chain of units in one global order (unit id, year), so that two
    changes under the same ancestors queue instead of deadlocking, and return them. The audit
    chain head comes first (audit.services.lock_head: the one lock order of every writing
    transaction), whether the caller has written its event yet or not."""
    lock_head()
    rows = (
        RollupFigure.objects.select_for_update()
        .filter(unit_id__in=unit_ids)
        .order_by("unit_id", "year")
        .values_list("unit_id", "year", *FIELDS)
    )
    return {(row[0], row[1]): dict(zip(FIELDS, row[2:], strict=True)) for row in rows}


def _ensure_rows(unit_id: int, years: Sequence[int], present: dict[Key, Values]) -> None:
    missing = [year for year in years if (unit_id, year) not in present]
    if missing:
        RollupFigure.objects.bulk_create(
            [RollupFigure(unit_id=unit_id, year=year) for year in missing],
            ignore_conflicts=True,
        )
        for year in missing:
            present[(unit_id, year)] = _zero()


def _add_along(unit_ids: Sequence[int], deltas: dict[int, Values]) -> None:
    """Add each year's differences to the rows of `unit_ids`: one UPDATE per distinct change."""
    by_change: dict[tuple, list[int]] = defaultdict(list)
    for year, delta in deltas.items():
        change = tuple(sorted((f, n) for f, n in delta.items() if n))
        if change:
            by_change[change].append(year)
    for change, years in by_change.items():
        RollupFigure.objects.filter(unit_id__in=unit_ids, year__in=years).update(
            **{field: F(field) + n for field, n in change}
        )


def _anchor(unit_id: int) -> OrgUnit | None:
    """The stored unit whose own figures a change at `unit_id` moves: the unit, or a group's
    parent."""
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is not None and unit.level == Level.GROUP:
        unit = OrgUnit.objects.filter(pk=unit.parent_id).first()
    return unit


@contextmanager
def deferred() -> Iterator[None]:
    """Collect the units that `refresh` is asked for inside the block and refresh each once at
    its end (in unit order), in the caller's transaction: a long run (an import saving row by
    row) then locks the head and the roll-up rows only for its final step, and a unit touched by
    a thousand rows is recomputed once. An exception inside the block refreshes nothing (its
    transaction is rolled back); so does `discard_deferred()` (a dry run)."""
    outer = getattr(connection, "sanlian_deferred_rollups", None)
    pending: set[int] = set()
    connection.sanlian_deferred_rollups = pending
    try:
        yield
    finally:
        connection.sanlian_deferred_rollups = outer
    if outer is not None:
        outer.update(pending)
        return
    for unit_id in sorted(_anchors(pending)):
        refresh(unit_id)


def _anchors(unit_ids: set[int]) -> set[int]:
    """The stored units whose share the changes at `unit_ids` move (a group's is its parent's):
    two hundred groups created under one village refresh the village once."""
    rows = OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "level", "parent_id")
    found = {pk: (parent if level == Level.GROUP else pk) for pk, level, parent in rows}
    return set(found.values()) | (unit_ids - set(found))


def discard_deferred() -> None:
    """Forget the refreshes collected so far by the enclosing `deferred` block."""
    pending = getattr(connection, "sanlian_deferred_rollups", None)
    if pending is not None:
        pending.clear()


def refresh(unit_id: int, exclude: int | None = None) -> None:
    """Bring the unit's own share of the figures (or, for a group, its parent's) up to date and
    carry the difference up its ancestors, in the caller's transaction (or at the end of the
    enclosing `deferred` block)."""
    pending = getattr(connection, "sanlian_deferred_rollups", None)
    if pending is not None and exclude is None and unit_id is not None:
        pending.add(unit_id)
        return
    with transaction.atomic(savepoint=False):
        unit = _anchor(unit_id)
        if unit is None:
            return
        chain = [*unit.ancestor_ids(), unit.pk]
        years = list(stored_years())
        stored = _lock(chain)
        _ensure_rows(unit.pk, years, stored)
        groups, stored_children = _children_of(unit.pk)
        # Ids, not a condition on the parent: every table is then read through its unit index
        # (an OR over pk and parent made SQLite scan the titles of a whole province).
        own = [pk for pk in (unit.pk, *groups) if pk != exclude]
        fresh = compute(Q(pk__in=own), years, {unit.pk})
        children = (
            RollupFigure.objects.filter(unit_id__in=stored_children, year__in=years)
            .values_list("year")
            .annotate(*(Sum(f) for f in FIELDS))
            .order_by()
        )
        below = {row[0]: dict(zip(FIELDS, row[1:], strict=True)) for row in children}
        deltas = {}
        for year in years:
            mine, under = stored[(unit.pk, year)], below.get(year, {})
            now = fresh.get((unit.pk, year), _zero())
            deltas[year] = {f: now[f] - (mine[f] - (under.get(f) or 0)) for f in FIELDS}
        _add_along(chain, deltas)


def refresh_subtree(unit: OrgUnit) -> None:
    """Recompute every stored row of the unit's subtree and carry the difference up its
    ancestors: for changes that touch many units at once (bulk loads, member imports)."""
    with transaction.atomic(savepoint=False):
        unit = _anchor(unit.pk)
        if unit is None:
            return
        ancestors = unit.ancestor_ids()
        years = list(stored_years())
        stored = _lock([*ancestors, unit.pk])
        ids = list(
            OrgUnit.objects.filter(subtree_q(unit), level__lt=Level.GROUP).values_list(
                "pk", flat=True
            )
        )
        fresh = compute(subtree_q(unit), years, set(ids))
        RollupFigure.objects.filter(unit_id__in=OrgUnit.objects.filter(subtree_q(unit))).delete()
        _insert(ids, years, fresh)
        _add_along(
            ancestors,
            {
                year: {
                    f: fresh.get((unit.pk, year), _zero())[f]
                    - stored.get((unit.pk, year), _zero())[f]
                    for f in FIELDS
                }
                for year in years
            },
        )


def retired(unit: OrgUnit) -> None:
    """The unit and its subtree were retired: their rows fall to zero and the parent's chain
    loses what they held."""
    with transaction.atomic(savepoint=False):
        lock_head()
        if unit.level != Level.GROUP:
            subtree = OrgUnit.objects.filter(subtree_q(unit)).values("pk")
            RollupFigure.objects.filter(unit_id__in=subtree).update(**dict.fromkeys(FIELDS, 0))
        if unit.parent_id:
            refresh(unit.parent_id)


def deleting(unit: OrgUnit) -> None:
    """The unit (without children or records) is about to be deleted: its rows go now and its
    parent's chain loses its count."""
    with transaction.atomic(savepoint=False):
        lock_head()
        RollupFigure.objects.filter(unit_id=unit.pk).delete()
        if unit.parent_id:
            refresh(unit.parent_id, exclude=unit.pk)


def _insert(unit_ids: Iterable[int], years: Sequence[int], values: dict[Key, Values]) -> int:
    count, batch = 0, []
    for unit_id in unit_ids:
        for year in years:
            batch.append(
                RollupFigure(unit_id=unit_id, year=year, **values.get((unit_id, year), {}))
            )
            if len(batch) >= BATCH:
                RollupFigure.objects.bulk_create(batch)
                count, batch = count + len(batch), []
    if batch:
        RollupFigure.objects.bulk_create(batch)
        count += len(batch)
    return count


# --- rebuilding and verifying ----------------------------------------------------------------


def _stored_unit_ids() -> list[int]:
    return list(
        OrgUnit.objects.filter(level__lt=Level.GROUP).order_by("pk").values_list("pk", flat=True)
    )


def refresh_all() -> int:
    """Recompute every stored row from the raw rows, in the caller's transaction; returns how
    many rows were written."""
    years = list(stored_years())
    with transaction.atomic(savepoint=False):
        lock_head()
        fresh = compute(None, years)
        RollupFigure.objects.all().delete()
        return _insert(_stored_unit_ids(), years, fresh)


def rebuild(actor=None) -> int:
    """`sanlian rollups rebuild`: every stored row from the raw rows, with its audit event."""
    years = list(stored_years())
    with transaction.atomic():
        written = refresh_all()
        record_event(
            actor=actor,
            action=REBUILD_ACTION,
            object_type=RollupFigure._meta.label_lower,
            after={"rows": written, "years": [years[0], years[-1]]},
        )
    return written


def refresh_unit(unit: OrgUnit, actor=None) -> None:
    """`sanlian rollups refresh --unit CODE`: recompute one subtree (after a bulk change made
    outside the services), with its audit event."""
    with transaction.atomic():
        refresh_subtree(unit)
        record_event(actor=actor, action=REFRESH_ACTION, obj=unit, unit_id=unit.pk)


@dataclasses.dataclass(frozen=True)
class Difference:
    unit_id: int
    year: int
    field: str
    stored: int | None
    fresh: int | None

    def __str__(self) -> str:
        return (
            f"unit {self.unit_id} · {self.year} · {self.field}: "
            f"stored {self.stored}, fresh {self.fresh}"
        )


def verify() -> list[Difference]:
    """Compare every stored row with a fresh computation; an empty list means they agree."""
    years = list(stored_years())
    fresh = compute(None, years)
    stored = {
        (row[0], row[1]): dict(zip(FIELDS, row[2:], strict=True))
        for row in RollupFigure.objects.values_list("unit_id", "year", *FIELDS)
    }
    differences = []
    for unit_id in _stored_unit_ids():
        for year in years:
            expected = fresh.get((unit_id, year), _zero())
            have = stored.pop((unit_id, year), None)
            if have is None:
                differences.append(Difference(unit_id, year, "row", None, 1))
                continue
            differences.extend(
                Difference(unit_id, year, f, have[f], expected[f])
                for f in FIELDS
                if have[f] != expected[f]
            )
    differences.extend(Difference(u, y, "row", 1, None) for u, y in sorted(stored))
    return differences
