"""Reads of the tree shared by pages, the API and reports."""

from django.db.models import Count, Q, QuerySet

from orgs.models import LEVEL_COLUMNS, Level, OrgUnit, Status


def subtree_counts(unit: OrgUnit) -> list[tuple[str, int]]:
    """Active units below `unit`, per level, as (level label, count): one query."""
    rows = (
        OrgUnit.objects.descendants_of(unit)
        .active()
        .values("level")
        .annotate(n=Count("id"))
        .order_by("level")
    )
    found = {row["level"]: row["n"] for row in rows}
    return [
        (Level(level).label, found.get(level, 0)) for level in Level.values if level > unit.level
    ]


def children_of(unit: OrgUnit, include_retired: bool = False) -> QuerySet:
    children = OrgUnit.objects.filter(parent=unit)
    if not include_retired:
        children = children.filter(status=Status.ACTIVE)
    return children.order_by("status", "division_code", "name", "id")


def descendant_counts_by_child(unit: OrgUnit, children: list[OrgUnit]) -> dict[int, dict[int, int]]:
    """For each child on the page: its active descendants per level, in one grouped query."""
    by_child: dict[int, dict[int, int]] = {child.pk: {} for child in children}
    child_ids = [c.pk for c in children if c.level in LEVEL_COLUMNS]
    if not child_ids:
        return by_child
    child_level = children[0].level
    column = f"{LEVEL_COLUMNS[child_level]}_id"
    rows = (
        OrgUnit.objects.filter(**{f"{column}__in": child_ids}, level__gt=child_level)
        .active()
        .values(column, "level")
        .annotate(n=Count("id"))
    )
    for row in rows:
        by_child[row[column]][row["level"]] = row["n"]
    return by_child


def search_units(visible: QuerySet, text: str) -> QuerySet:
    # NUL cannot be stored or compared by PostgreSQL; it is never part of a name.
    text = " ".join(text.replace("\x00", "").split())
    condition = Q(name__icontains=text)
    if text.isdigit():
        condition |= Q(division_code__startswith=text)
    return visible.filter(condition).order_by("level", "division_code", "name", "id")


def ancestor_names(units: list[OrgUnit], visible_ids: set[int] | None = None) -> dict[int, list]:
    """The chain of ancestors of each unit, fetched together in one query."""
    needed = {ancestor_id for unit in units for ancestor_id in unit.ancestor_ids()}
    if visible_ids is not None:
        needed &= visible_ids
    found = OrgUnit.objects.in_bulk(needed)
    return {unit.pk: [found[i] for i in unit.ancestor_ids() if i in found] for unit in units}
