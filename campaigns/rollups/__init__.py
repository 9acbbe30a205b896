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

The package: `compute` (a unit's figures from the raw rows), `reading` (the stored figures),
`maintenance` (refresh, deferred, rebuild) and `verify`. Names are re-exported here; patch a name
in the module that uses it (refresh is also called through this package by campaigns/signals.py).
"""

from campaigns.rollups.compute import (
    ANCESTORS,
    BATCH,
    FIELDS,
    REBUILD_ACTION,
    REFRESH_ACTION,
    STRUCTURE,
    Figures,
    Key,
    Values,
    compute,
    stored_years,
)
from campaigns.rollups.maintenance import (
    deferred,
    deleting,
    discard_deferred,
    rebuild,
    refresh,
    refresh_all,
    refresh_subtree,
    refresh_unit,
    retired,
)
from campaigns.rollups.reading import children_figures, figures, trend
from campaigns.rollups.verify import Difference, verify

__all__ = [
    "ANCESTORS",
    "BATCH",
    "Difference",
    "FIELDS",
    "Figures",
    "Key",
    "REBUILD_ACTION",
    "REFRESH_ACTION",
    "STRUCTURE",
    "Values",
    "children_figures",
    "compute",
    "deferred",
    "deleting",
    "discard_deferred",
    "figures",
    "rebuild",
    "refresh",
    "refresh_all",
    "refresh_subtree",
    "refresh_unit",
    "retired",
    "stored_years",
    "trend",
    "verify",
]
