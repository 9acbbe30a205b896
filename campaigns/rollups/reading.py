"""Reading the stored figures: a unit's, its children's, and a trend over the years."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Q

from campaigns.rollup_models import RollupFigure
from campaigns.rollups.compute import FIELDS, Figures, Key, Values, _group_values, _zero, compute
from orgs.models import LEVEL_COLUMNS, Level, OrgUnit, Status

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
