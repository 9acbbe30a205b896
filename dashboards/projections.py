"""Where a unit will stand at the campaign's last year if it keeps its current pace.

Pure functions over numbers (a count or a rate per year), so that any indicator of the roll-ups
can be projected and the rules are tested without a database. The rules (docs/decisions.md):

- the pace is the average yearly change from the first observed year (the baseline) to the
  latest one — what an office checks by hand from two numbers;
- the figure of a year is its standing at the end of that year, so the years still ahead are
  `last_year - year`;
- on track: the projection reaches the target; at risk: it closes at least half of the remaining
  gap; off track: less than half (or no years left and the target missed).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

# At risk down to a projection that closes this share of the remaining gap.
AT_RISK_SHARE = 0.5


class Outlook(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return str(OUTLOOK_LABELS[self])


OUTLOOK_LABELS = {
    Outlook.ON_TRACK: _("On track"),
    Outlook.AT_RISK: _("At risk"),
    Outlook.OFF_TRACK: _("Off track"),
}


@dataclass(frozen=True)
class Point:
    year: int
    value: float


@dataclass(frozen=True)
class Projection:
    year: int  # the latest observed year
    current: float
    target: float
    pace: float | None  # change per year; None with fewer than two observed years
    projected: float  # at the last year
    needed_per_year: float  # increase per remaining year to reach the target; 0 once reached
    years_left: int
    outlook: Outlook


def pace(points: Sequence[Point]) -> float | None:
    """Average yearly change between the first and the latest point."""
    ordered = sorted(points, key=lambda p: p.year)
    if len(ordered) < 2 or ordered[-1].year == ordered[0].year:
        return None
    first, latest = ordered[0], ordered[-1]
    return (latest.value - first.value) / (latest.year - first.year)


def years_left(year: int, last_year: int) -> int:
    return max(last_year - year, 0)


def project(points: Sequence[Point], last_year: int, *, ceiling: float | None = None) -> float:
    """The value at `last_year` at the current pace, kept within 0 and `ceiling`.

    Without a pace (one observed year) the unit is assumed to stay where it is.
    """
    if not points:
        raise ValueError("A projection needs at least one observed year.")
    latest = max(points, key=lambda p: p.year)
    step = pace(points) or 0.0
    value = latest.value + step * years_left(latest.year, last_year)
    value = max(value, 0.0)
    return min(value, ceiling) if ceiling is not None else value


def yearly_increase_needed(current: float, target: float, year: int, last_year: int) -> float:
    """The increase per remaining year that reaches the target by the last year.

    In the last year itself (or after it) the whole gap is needed at once.
    """
    gap = target - current
    if gap <= 0:
        return 0.0
    return gap / max(years_left(year, last_year), 1)


def outlook(current: float, target: float, projected: float) -> Outlook:
    if current >= target or projected >= target:
        return Outlook.ON_TRACK
    closed = (projected - current) / (target - current)
    return Outlook.AT_RISK if closed >= AT_RISK_SHARE else Outlook.OFF_TRACK


def assess(
    points: Sequence[Point], target: float, last_year: int, *, ceiling: float | None = None
) -> Projection:
    """Everything the dashboard shows about one unit's path to one target."""
    latest = max(points, key=lambda p: p.year)
    projected = project(points, last_year, ceiling=ceiling)
    return Projection(
        year=latest.year,
        current=latest.value,
        target=target,
        pace=pace(points),
        projected=projected,
        needed_per_year=yearly_increase_needed(latest.value, target, latest.year, last_year),
        years_left=years_left(latest.year, last_year),
        outlook=outlook(latest.value, target, projected),
    )
