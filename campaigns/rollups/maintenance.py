"""Keeping the stored figures current: the refresh after a write, the deferred refresh of a bulk
load, the rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import F, Q, Sum

from audit.services import lock_head, record_event
from campaigns.rollup_models import RollupFigure
from campaigns.rollups.compute import (
    BATCH,
    FIELDS,
    REBUILD_ACTION,
    REFRESH_ACTION,
    Key,
    Values,
    _children_of,
    _zero,
    compute,
    stored_years,
)
from orgs.models import Level, OrgUnit, subtree_q

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
