"""The plan's rules as checks: pure functions over plain rows, returning findings with clear
messages. Errors stop a submission; warnings go to the county with the plan (docs/decisions.md).
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from campaigns import targets as t

ERROR = "error"
WARNING = "warning"

NONE = "none"
QUALIFIED = "qualified"
FIRST_CLASS = "first_class"

# A plan is "piled into the last year" when more than this share of the steps it plans
# (a village reaching qualified, a village reaching first-class) fall in the last year, and it
# plans at least PILEUP_MIN_STEPS steps: twice an even five-year spread (20 %), and too few steps
# say nothing about a spread.
PILEUP_SHARE = Decimal("40")
PILEUP_MIN_STEPS = 3


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    village_id: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PlanRow:
    """One village in a plan: its standing now and the years planned for each title."""

    village_id: int
    name: str
    standing: str = NONE
    qualified_year: int | None = None
    first_class_year: int | None = None

    def qualified_by(self, year: int) -> bool:
        if self.standing in (QUALIFIED, FIRST_CLASS):
            return True
        # A first-class title implies the qualified one (递次达标 is checked separately).
        planned = [y for y in (self.qualified_year, self.first_class_year) if y is not None]
        return bool(planned) and min(planned) <= year

    def first_class_by(self, year: int) -> bool:
        if self.standing == FIRST_CLASS:
            return True
        return self.first_class_year is not None and self.first_class_year <= year


@dataclass(frozen=True)
class YearTotal:
    year: int
    villages: int
    qualified_or_better: int
    first_class: int

    @property
    def counts(self) -> t.Counts:
        return t.Counts(
            villages=self.villages,
            qualified_villages=self.qualified_or_better - self.first_class,
            first_class_villages=self.first_class,
        )


def check_years(rows: Iterable[PlanRow], first_year: int, last_year: int) -> list[Finding]:
    findings = []
    for row in rows:
        for year in (row.qualified_year, row.first_class_year):
            if year is not None and not first_year <= year <= last_year:
                findings.append(
                    Finding(
                        ERROR,
                        "year_outside",
                        _(
                            "“%(village)s”: the year %(year)s is outside the campaign "
                            "(%(first)s–%(last)s)."
                        )
                        % {
                            "village": row.name,
                            "year": year,
                            "first": first_year,
                            "last": last_year,
                        },
                        row.village_id,
                    )
                )
    return findings


def check_progression(rows: Iterable[PlanRow]) -> list[Finding]:
    """递次达标: qualified first, then first-class (the same year is allowed, as the standards
    allow earning the prerequisite in the same round)."""
    findings = []
    for row in rows:
        if row.first_class_year is None or row.standing != NONE:
            continue
        if row.qualified_year is None:
            findings.append(
                Finding(
                    ERROR,
                    "skips_qualified",
                    _(
                        "“%(village)s” is planned to be first-class in %(year)s without being "
                        "planned to become qualified first: the standards are reached step by "
                        "step (递次达标)."
                    )
                    % {"village": row.name, "year": row.first_class_year},
                    row.village_id,
                )
            )
        elif row.first_class_year < row.qualified_year:
            findings.append(
                Finding(
                    ERROR,
                    "first_class_before_qualified",
                    _(
                        "“%(village)s” is planned to be first-class in %(first_class)s, before it "
                        "becomes qualified in %(qualified)s: the standards are reached step by "
                        "step (递次达标)."
                    )
                    % {
                        "village": row.name,
                        "first_class": row.first_class_year,
                        "qualified": row.qualified_year,
                    },
                    row.village_id,
                )
            )
    return findings


def yearly_totals(rows: Sequence[PlanRow], years: Iterable[int]) -> list[YearTotal]:
    """Cumulative villages qualified or better and first-class at the end of each year."""
    return [
        YearTotal(
            year,
            len(rows),
            sum(1 for r in rows if r.qualified_by(year)),
            sum(1 for r in rows if r.first_class_by(year)),
        )
        for year in years
    ]


def check_targets(rows: Sequence[PlanRow], last_year: int, targets: t.Targets) -> list[Finding]:
    """Whether the plan's totals in the last year reach the township's targets."""
    if not rows:
        return []
    counts = yearly_totals(rows, [last_year])[0].counts
    findings = []
    reached = t.qualified(counts, targets)
    if reached.met is False:
        findings.append(
            Finding(
                WARNING,
                "qualified_target",
                _(
                    "By %(year)s the plan makes %(count)s of %(villages)s villages qualified or "
                    "better (%(share)s%%); the target is %(target)s%%: plan at least "
                    "%(missing)s more."
                )
                % {
                    "year": last_year,
                    "count": reached.numerator,
                    "villages": counts.villages,
                    "share": reached.value,
                    "target": reached.target,
                    "missing": reached.still_needed,
                },
            )
        )
    best = t.first_class(counts, targets)
    if best.met is False or (best.met is None and targets.first_class_share > 0):
        findings.append(
            Finding(
                WARNING,
                "first_class_target",
                _(
                    "By %(year)s the plan makes %(count)s villages first-class (%(share)s%% "
                    "%(base)s); the target is %(target)s%% %(base)s: plan at least %(missing)s "
                    "more."
                )
                % {
                    "year": last_year,
                    "count": best.numerator,
                    "share": best.value if best.value is not None else 0,
                    "base": best.base_label,
                    "target": best.target,
                    "missing": best.still_needed if best.still_needed is not None else 1,
                },
            )
        )
    return findings


def planned_steps(rows: Iterable[PlanRow]) -> list[int]:
    """The year of every step the plan still has to take."""
    steps = []
    for row in rows:
        if row.standing == NONE and row.qualified_year is not None:
            steps.append(row.qualified_year)
        if row.standing != FIRST_CLASS and row.first_class_year is not None:
            steps.append(row.first_class_year)
    return steps


def check_pileup(rows: Iterable[PlanRow], last_year: int) -> list[Finding]:
    steps = planned_steps(rows)
    if len(steps) < PILEUP_MIN_STEPS:
        return []
    in_last = sum(1 for year in steps if year == last_year)
    share = t.percent(in_last, len(steps))
    if share is None or share <= PILEUP_SHARE:
        return []
    return [
        Finding(
            WARNING,
            "last_year_pileup",
            _(
                "%(count)s of the %(steps)s steps planned (%(share)s%%) fall in the last year, "
                "%(year)s; more than %(limit)s%% in the last year leaves no room to catch up: "
                "spread the creation over the years."
            )
            % {
                "count": in_last,
                "steps": len(steps),
                "share": share,
                "year": last_year,
                "limit": PILEUP_SHARE,
            },
        )
    ]


def check_rush(rows: Iterable[PlanRow], first_year: int) -> list[Finding]:
    """不搞一哄而上: most steps in the campaign's first year is the rush the plan warns against."""
    steps = planned_steps(rows)
    if len(steps) < PILEUP_MIN_STEPS:
        return []
    in_first = sum(1 for year in steps if year == first_year)
    share = t.percent(in_first, len(steps))
    if share is None or share <= PILEUP_SHARE:
        return []
    return [
        Finding(
            WARNING,
            "first_year_rush",
            _(
                "%(count)s of the %(steps)s steps planned (%(share)s%%) fall in the first year, "
                "%(year)s: the plan asks for a realistic pace, not everyone at once (不搞一哄而上)."
            )
            % {"count": in_first, "steps": len(steps), "share": share, "year": first_year},
        )
    ]


def check_every_village(
    rows: Iterable[PlanRow], group_steps: frozenset[int] | set[int] = frozenset()
) -> list[Finding]:
    """全面创立: every village not yet qualified has a planned step: a year to become qualified,
    or five-good groups (`group_steps`, the villages whose plan has some)."""
    missing = [
        row.name
        for row in rows
        if row.standing == NONE and row.qualified_year is None and row.village_id not in group_steps
    ]
    if not missing:
        return []
    return [
        Finding(
            WARNING,
            "village_without_step",
            _("No step is planned for %(count)s villages (全面创立): %(names)s.")
            % {"count": len(missing), "names": "、".join(missing[:10])},
        )
    ]


def check_plan(
    rows: Sequence[PlanRow],
    first_year: int,
    last_year: int,
    targets: t.Targets,
    group_steps: frozenset[int] | set[int] = frozenset(),
) -> list[Finding]:
    """Every check of a five-year creation plan, errors first."""
    findings = (
        check_years(rows, first_year, last_year)
        + check_progression(rows)
        + check_targets(rows, last_year, targets)
        + check_pileup(rows, last_year)
        + check_rush(rows, first_year)
        + check_every_village(rows, group_steps)
    )
    return sorted(findings, key=lambda f: f.severity != ERROR)


# Pilots


@dataclass(frozen=True)
class PilotRow:
    village_id: int
    name: str
    is_key_village: bool = False


MAX_PILOTS = 2


def pilots_required(population: int | None, large_population: int) -> int:
    """A township above the threshold runs at least two pilots, a smaller one at least one."""
    return 2 if population is not None and population > large_population else 1


def check_pilots(
    pilots: Sequence[PilotRow],
    *,
    population: int | None,
    large_population: int,
    has_key_village: bool,
    first_year: bool = True,
) -> list[Finding]:
    """The 1–2 pilots a township takes "this year" (今年): a rule of the campaign's first year;
    in later years pilots are optional and not capped."""
    findings = []
    count = len(pilots)
    required = pilots_required(population, large_population) if first_year else 0
    if first_year and count > MAX_PILOTS:
        findings.append(
            Finding(
                ERROR,
                "too_many_pilots",
                _("A township takes one or two pilot villages a year; this one has %(count)s.")
                % {"count": count},
            )
        )
    elif count < required:
        if required == 2:
            message = _(
                "A township of more than %(threshold)s people takes at least two pilot villages "
                "a year (population %(population)s); it has %(count)s."
            ) % {"threshold": large_population, "population": population, "count": count}
        else:
            message = _("A township takes at least one pilot village a year; none is chosen yet.")
        findings.append(Finding(ERROR, "too_few_pilots", message))
    if population is None:
        findings.append(
            Finding(
                WARNING,
                "population_unknown",
                _(
                    "The township's population is not recorded, so it counts as a small township "
                    "(at least one pilot). Record it on the unit's page."
                ),
            )
        )
    if has_key_village and pilots and not any(p.is_key_village for p in pilots):
        findings.append(
            Finding(
                WARNING,
                "no_key_village",
                _(
                    "No pilot is a key village of new-countryside construction, although the "
                    "township has one: the plan prefers them as pilots."
                ),
            )
        )
    return findings
