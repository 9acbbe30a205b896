"""The campaign's targets against what is attained: pure functions over plain counts.

The counts come from anywhere (the roll-ups' figures, a plan's projected totals, a test), so the
same arithmetic serves the dashboards, the plan checks and the campaign page.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

# The base of the first-class share (FirstClassBase's values; the model is not imported so that
# this module stays free of the database).
ALL_VILLAGES = "all_villages"
QUALIFIED_OR_BETTER = "qualified_or_better"

FIVE_GOOD = "five_good_groups"
QUALIFIED = "qualified_villages"
FIRST_CLASS = "first_class_villages"
ADVANCED = "advanced_townships"

INDICATOR_LABELS = {
    FIVE_GOOD: _("Groups five-good"),
    QUALIFIED: _("Villages qualified or first-class"),
    FIRST_CLASS: _("Villages first-class"),
    ADVANCED: _("Advanced townships"),
}

BASE_LABELS = {
    ALL_VILLAGES: _("of all villages"),
    QUALIFIED_OR_BETTER: _("of villages qualified or better"),
}

ONE_DECIMAL = Decimal("0.1")

# The roll-ups' enterprise figures beside the village figures they may join (campaigns.rollups).
ENTERPRISE_FIELDS = {
    "villages": "enterprises",
    "qualified_villages": "qualified_enterprises",
    "first_class_villages": "first_class_enterprises",
}


@dataclass(frozen=True)
class Counts:
    """A unit's counts for one year; the names are the roll-up figures' own, so a
    `RollupFigure` (or anything with these attributes) converts with `Counts.of`.
    `qualified_villages` counts villages qualified but not first-class."""

    groups: int = 0
    five_good_groups: int = 0
    villages: int = 0
    qualified_villages: int = 0
    first_class_villages: int = 0
    townships: int = 0
    advanced_townships: int = 0

    @classmethod
    def of(cls, figures, *, with_enterprises: bool = False) -> "Counts":
        """The counts of `figures`; enterprise associations, kept apart by the roll-ups, join
        the villages only when the campaign counts them among 村(居) (`with_enterprises`)."""
        counts = {name: int(getattr(figures, name, 0) or 0) for name in cls.__annotations__}
        if with_enterprises:
            for village_field, enterprise_field in ENTERPRISE_FIELDS.items():
                counts[village_field] += int(getattr(figures, enterprise_field, 0) or 0)
        return cls(**counts)

    @property
    def qualified_or_better(self) -> int:
        return self.qualified_villages + self.first_class_villages


@dataclass(frozen=True)
class Targets:
    """Shares in percent; `advanced_townships` is a count, None when not set."""

    five_good_share: Decimal = Decimal("50")
    qualified_share: Decimal = Decimal("80")
    first_class_share: Decimal = Decimal("25")
    first_class_base: str = ALL_VILLAGES
    advanced_townships: int | None = None


@dataclass(frozen=True)
class Attainment:
    indicator: str
    numerator: int
    denominator: int | None  # None for a count target
    value: Decimal | None  # a percentage (or the count itself); None when nothing to count
    target: Decimal | None
    gap: Decimal | None  # how far below the target, 0 when met
    still_needed: int | None  # units still to reach it
    met: bool | None  # None: no target, or nothing to count
    base: str = ""

    @property
    def label(self):
        return INDICATOR_LABELS[self.indicator]

    @property
    def base_label(self):
        return BASE_LABELS.get(self.base, "")

    @property
    def is_share(self) -> bool:
        return self.denominator is not None


def percent(numerator: int, denominator: int) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def needed_for(share: Decimal, denominator: int) -> int:
    """The smallest count whose share of `denominator` reaches `share` percent."""
    # Exact in integers: ceil(share × denominator / 100) with the share as a fraction.
    fraction = Decimal(share) * denominator / 100
    return math.ceil(fraction)


def share_attainment(
    indicator: str, numerator: int, denominator: int, target: Decimal, base: str = ""
) -> Attainment:
    value = percent(numerator, denominator)
    if value is None:
        return Attainment(indicator, numerator, denominator, None, target, None, None, None, base)
    needed = needed_for(target, denominator)
    met = numerator >= needed
    gap = Decimal("0") if met else (Decimal(target) - value).quantize(ONE_DECIMAL)
    gap = max(gap, Decimal("0"))
    return Attainment(
        indicator, numerator, denominator, value, target, gap, max(needed - numerator, 0), met, base
    )


def five_good(counts: Counts, targets: Targets) -> Attainment:
    return share_attainment(
        FIVE_GOOD, counts.five_good_groups, counts.groups, targets.five_good_share
    )


def qualified(counts: Counts, targets: Targets) -> Attainment:
    return share_attainment(
        QUALIFIED, counts.qualified_or_better, counts.villages, targets.qualified_share
    )


def first_class(counts: Counts, targets: Targets) -> Attainment:
    """The first-class share, of all villages or of those qualified or better (the setting)."""
    if targets.first_class_base == QUALIFIED_OR_BETTER:
        denominator = counts.qualified_or_better
    else:
        denominator = counts.villages
    return share_attainment(
        FIRST_CLASS,
        counts.first_class_villages,
        denominator,
        targets.first_class_share,
        targets.first_class_base,
    )


def advanced(counts: Counts, targets: Targets) -> Attainment:
    count, target = counts.advanced_townships, targets.advanced_townships
    if target is None:
        return Attainment(ADVANCED, count, None, Decimal(count), None, None, None, None)
    met = count >= target
    missing = max(target - count, 0)
    return Attainment(
        ADVANCED, count, None, Decimal(count), Decimal(target), Decimal(missing), missing, met
    )


def attainments(counts: Counts, targets: Targets, *, townships: bool = True) -> list[Attainment]:
    """Every target against the counts; the advanced-township count only for a unit that has
    townships below it (`townships=False` for a township's own targets)."""
    rows = [five_good(counts, targets), qualified(counts, targets), first_class(counts, targets)]
    if townships:
        rows.append(advanced(counts, targets))
    return rows
