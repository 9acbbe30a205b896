"""Checking the stored figures against a fresh computation."""

from __future__ import annotations

import dataclasses

from campaigns.rollup_models import RollupFigure
from campaigns.rollups.compute import FIELDS, _zero, compute, stored_years
from campaigns.rollups.maintenance import _stored_unit_ids


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
