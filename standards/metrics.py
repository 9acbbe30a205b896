"""Metrics computed from the registers for a unit and a year, bound to standard items.

A bound item shows its metric's reading and the score its bands suggest; the reviewer confirms
it or overrides it with a reason (assessments.services.do_save_scores).
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from orgs.models import OrgUnit


@dataclass(frozen=True)
class Reading:
    value: Decimal | None
    display: str
    suggested: Decimal | None = None


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    compute: Callable[[OrgUnit, int], tuple[Decimal | None, str]]


METRICS: dict[str, Metric] = {}


def register(key: str, label: str):
    def wrap(function):
        METRICS[key] = Metric(key=key, label=label, compute=function)
        return function

    return wrap


def suggest(bands: list[dict], value: Decimal | None) -> Decimal | None:
    """The score of the highest band whose minimum the value reaches; None without bands."""
    if value is None or not bands:
        return None
    reached = [b for b in bands if value >= Decimal(str(b["min"]))]
    if not reached:
        return Decimal("0")
    best = max(reached, key=lambda b: Decimal(str(b["min"])))
    return Decimal(str(best["score"]))


def reading_for(item, unit: OrgUnit, year: int) -> Reading | None:
    metric = METRICS.get(item.metric)
    if metric is None:
        return None
    value, display = metric.compute(unit, year)
    return Reading(value=value, display=display, suggested=suggest(item.metric_bands, value))
