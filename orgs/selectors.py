"""Reads of the tree shared by pages, the API and reports."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

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


# --- groups in the order of their numbers ---------------------------------------------------

CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
CHINESE_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})


def number_in_name(name: str) -> int | None:
    """The number a group is named by: 第一小组 → 1, 第十二小组 → 12, 第二十组 → 20, 3组 → 3."""
    digits = "".join(c for c in name if c.isdigit())
    if digits:
        return int(digits)
    numerals = "".join(c for c in name if c in CHINESE_DIGITS or c == "十")
    if not numerals:
        return None
    if "十" not in numerals:
        value = 0
        for c in numerals:
            value = value * 10 + CHINESE_DIGITS[c]
        return value
    tens, _sep, ones = numerals.partition("十")
    return CHINESE_DIGITS.get(tens[-1:], 1) * 10 + CHINESE_DIGITS.get(ones[:1], 0)


def group_sort_key(name: str) -> tuple:
    """Groups by their number (第一、第二…第十二), not by character code; unnumbered ones last."""
    number = number_in_name(name)
    return (number is None, number or 0, name)


def in_number_order(groups):
    """The same groups as a queryset ordered by their numbers, for forms' select lists."""
    ordered = sorted(groups, key=lambda g: group_sort_key(g.name))
    if not ordered:
        return groups
    position = Case(
        *[When(pk=g.pk, then=Value(i)) for i, g in enumerate(ordered)],
        output_field=IntegerField(),
    )
    return groups.order_by(position)
