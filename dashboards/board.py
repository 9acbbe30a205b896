"""One dashboard: a unit's standing against the campaign's targets in a year, its children
ranked and projected, its trend and its plan. Figures come from the roll-ups, targets from
campaigns.targets, projections from dashboards.projections; this module only arranges them.

Queries: a fixed number, whatever the number of children or units below (a test asserts it).
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from campaigns import checks, rollups
from campaigns import targets as t
from campaigns.models import Campaign
from dashboards import selectors
from dashboards.charts import NOW_COLOUR, OUTLOOK_COLOURS, Chart, Series
from dashboards.projections import Outlook, Point, Projection, assess
from orgs.models import Level, OrgUnit

SHARE_INDICATORS = [t.FIVE_GOOD, t.QUALIFIED, t.FIRST_CLASS]


def default_indicator(unit: OrgUnit) -> str:
    """Townships and above are ranked by their villages; a township's villages and a village's
    groups by their five-good groups, the share that moves from year to year at that level."""
    return t.QUALIFIED if unit.level <= Level.COUNTY else t.FIVE_GOOD


def attainment_of(indicator: str, counts: t.Counts, targets: t.Targets) -> t.Attainment:
    return {
        t.FIVE_GOOD: t.five_good,
        t.QUALIFIED: t.qualified,
        t.FIRST_CLASS: t.first_class,
        t.ADVANCED: t.advanced,
    }[indicator](counts, targets)


def whole(count: float) -> int:
    """Units fully reached: a projected 2.5 villages is 2 (the tolerance absorbs float error)."""
    return math.floor(count + 1e-9)


def projected_share(projection: Projection | None, denominator: int | None) -> Decimal | None:
    if projection is None or not denominator:
        return None
    return t.percent(whole(projection.projected), denominator)


@dataclass
class TargetRow:
    """One of the unit's own targets, with where it is heading."""

    attainment: t.Attainment
    projection: Projection | None

    @property
    def projected_share(self) -> Decimal | None:
        return projected_share(self.projection, self.attainment.denominator)

    @property
    def outlook(self) -> Outlook | None:
        return self.projection.outlook if self.projection else None


@dataclass
class ChildRow:
    unit: OrgUnit
    url: str
    attainment: t.Attainment
    start: t.Attainment  # at the year the pace is measured from
    projection: Projection | None
    counts: t.Counts = field(default_factory=t.Counts)
    planned: checks.YearTotal | None = None  # from the approved plans, at the selected year
    planned_actual: checks.YearTotal | None = None  # the same villages' actual standing
    plan_row: checks.PlanRow | None = None  # a village child's own line of its plan
    rank: int = 0

    @property
    def behind_plan(self) -> bool:
        planned, actual = self.planned, self.planned_actual
        return (
            planned is not None
            and actual is not None
            and (
                actual.qualified_or_better < planned.qualified_or_better
                or actual.first_class < planned.first_class
            )
        )

    @property
    def outlook(self) -> Outlook | None:
        return self.projection.outlook if self.projection else None

    @property
    def colour(self) -> str | None:
        return OUTLOOK_COLOURS.get(self.outlook) if self.outlook else None

    @property
    def projected_share(self) -> Decimal | None:
        return projected_share(self.projection, self.attainment.denominator)


@dataclass
class MatrixCell:
    """One subordinate unit on one indicator: its share and where it is heading, or, for a
    single village on a village indicator, its standing (a share of one says nothing)."""

    indicator: str
    attainment: t.Attainment
    outlook: Outlook | None
    status: str = ""


@dataclass
class MatrixRow:
    unit: OrgUnit
    url: str
    cells: list[MatrixCell]

    @property
    def behind_on(self) -> list[str]:
        """The indicators on which the unit is off track."""
        return [
            str(t.INDICATOR_LABELS[c.indicator])
            for c in self.cells
            if c.outlook == Outlook.OFF_TRACK
        ]


def village_status(counts: t.Counts) -> str:
    if counts.first_class_villages:
        return _("First-class")
    if counts.qualified_villages:
        return _("Qualified")
    return _("Not yet qualified")


@dataclass
class TrendRow:
    year: int
    counts: t.Counts
    attainments: list[t.Attainment]
    is_baseline: bool = False


@dataclass
class PlanYear:
    year: int
    planned: checks.YearTotal
    actual: checks.YearTotal | None  # the planned villages' standing; None for a year ahead


@dataclass
class Board:
    unit: OrgUnit
    year: int
    campaign: Campaign
    targets: t.Targets
    indicator: str
    attainments: list[t.Attainment]
    children: list[ChildRow]
    trend: list[TrendRow]
    plan: list[PlanYear]
    target_rows: list[TargetRow] = field(default_factory=list)
    projection_path: dict[int, Decimal | None] = field(default_factory=dict)
    charts: list[Chart] = field(default_factory=list)
    matrix: list[MatrixRow] = field(default_factory=list)

    @property
    def behind(self) -> list[MatrixRow]:
        """Subordinate units off track on any indicator: the one list instead of a switch."""
        return [row for row in self.matrix if row.behind_on]

    @property
    def matrix_indicators(self) -> list[str]:
        return [str(t.INDICATOR_LABELS[i]) for i in SHARE_INDICATORS]

    @property
    def baseline_year(self) -> int:
        return self.campaign.first_year - 1

    @property
    def indicator_label(self) -> str:
        return str(t.INDICATOR_LABELS[self.indicator])

    @property
    def pace_from(self) -> int:
        return pace_from(self.campaign, self.year)

    @property
    def years(self) -> list[int]:
        """The baseline and the campaign's years: the trend's axis."""
        return [self.baseline_year, *self.campaign.years]

    @property
    def trend_table(self) -> list[tuple[int, TrendRow | None, Decimal | None]]:
        """Each year with its figures (up to the selected year) and the selected share at the
        current pace (from the selected year on)."""
        by_year = {r.year: r for r in self.trend}
        return [(y, by_year.get(y), self.projection_path.get(y)) for y in self.years]

    @property
    def chart(self) -> dict[str, Chart]:
        """The charts by their short name (targets, league, projection, trend, plan)."""
        return {c.id.removeprefix("chart-"): c for c in self.charts}

    @property
    def outlook_counts(self) -> list[tuple[Outlook, int]]:
        return [(o, sum(1 for c in self.children if c.outlook == o)) for o in Outlook]


def pace_from(campaign: Campaign, year: int) -> int:
    """The pace is measured from the campaign's first year, or from the baseline while the first
    year is the one selected: the first year's awards include titles carried over from 双创 (or
    first recorded here), and counting them as one year's progress would flatter every unit."""
    return campaign.first_year if year > campaign.first_year else campaign.first_year - 1


def _project(now: t.Attainment, before: t.Attainment, year: int, last_year: int, start: int):
    """The unit's path in units (villages or groups) to the count its target asks for now."""
    if now.denominator in (None, 0) or now.still_needed is None:
        return None
    return assess(
        [Point(start, before.numerator), Point(year, now.numerator)],
        now.numerator + now.still_needed,
        last_year,
        ceiling=now.denominator,
    )


def _child_targets(campaign: Campaign, unit: OrgUnit, children: list[OrgUnit]) -> dict:
    if children and children[0].level == Level.TOWNSHIP:
        return selectors.township_targets(campaign, [c.pk for c in children])
    shared = selectors.targets_for(campaign, unit)
    return {c.pk: shared for c in children}


def build(unit: OrgUnit, year: int, campaign: Campaign, indicator: str | None = None) -> Board:
    targets = selectors.targets_for(campaign, unit)
    indicator = indicator if indicator in SHARE_INDICATORS else default_indicator(unit)
    has_townships = unit.level <= Level.COUNTY
    counts = campaign.counts_of(rollups.figures(unit, year))
    baseline = campaign.first_year - 1
    start = pace_from(campaign, year)

    versions = selectors.approved_versions(campaign, unit)
    planned_villages = selectors.plan_rows(campaign, unit, versions)
    by_child: dict[int, list[checks.PlanRow]] = {}
    for planned_village in planned_villages:
        if planned_village.child_id is not None:
            by_child.setdefault(planned_village.child_id, []).append(planned_village.row)
    past_years = [y for y in campaign.years if y <= year]
    standings = selectors.actual_standings(unit, versions, past_years) if planned_villages else {}

    now = rollups.children_figures(unit, year)
    before = {f.unit.pk: f for f in rollups.children_figures(unit, start)}
    child_units = [f.unit for f in now]
    child_targets = _child_targets(campaign, unit, child_units)
    rows = []
    for fig in now:
        child = fig.unit
        target = child_targets[child.pk]
        attained = attainment_of(indicator, campaign.counts_of(fig), target)
        earlier = attainment_of(indicator, campaign.counts_of(before.get(child.pk)), target)
        rows.append(
            ChildRow(
                unit=child,
                url=reverse("dashboards:unit", args=[child.pk]) + f"?year={year}",
                attainment=attained,
                start=earlier,
                projection=_project(attained, earlier, year, campaign.last_year, start),
                counts=campaign.counts_of(fig),
                planned=checks.yearly_totals(by_child[child.pk], [year])[0]
                if child.pk in by_child
                else None,
                planned_actual=selectors.actual_totals(
                    standings, [r.village_id for r in by_child[child.pk]], year
                )
                if child.pk in by_child
                else None,
                plan_row=by_child[child.pk][0]
                if child.level == Level.VILLAGE and child.pk in by_child
                else None,
            )
        )
    matrix = _matrix(now, before, child_targets, year, campaign, start)
    # League order: the share reached, then the count, then the name (stable for equal shares).
    rows.sort(
        key=lambda r: (
            -(r.attainment.value if r.attainment.value is not None else Decimal(-1)),
            -r.attainment.numerator,
            r.unit.name,
        )
    )
    for position, row in enumerate(rows, start=1):
        row.rank = position

    years = [y for y in range(baseline, campaign.last_year + 1) if y <= year]
    planned = _planned_totals(campaign, [p.row for p in planned_villages])
    trend = [
        TrendRow(
            year=fig_year,
            counts=(year_counts := campaign.counts_of(fig)),
            attainments=t.attainments(year_counts, targets, townships=False),
            is_baseline=fig_year == baseline,
        )
        for fig_year, fig in zip(years, rollups.trend(unit, years), strict=True)
    ]
    board = Board(
        unit=unit,
        year=year,
        campaign=campaign,
        targets=targets,
        indicator=indicator,
        attainments=t.attainments(counts, targets, townships=has_townships),
        children=rows,
        trend=trend,
        plan=[],
    )
    at_start = {a.indicator: a for r in trend if r.year == start for a in r.attainments}
    board.target_rows = [
        TargetRow(
            a,
            _project(a, at_start[a.indicator], year, campaign.last_year, start)
            if a.indicator in at_start
            else None,
        )
        for a in board.attainments
    ]
    board.matrix = matrix
    board.projection_path = _projection_path(board)
    if planned:
        ids = [p.row.village_id for p in planned_villages]
        board.plan = [
            PlanYear(
                y,
                planned[y],
                selectors.actual_totals(standings, ids, y) if y in past_years else None,
            )
            for y in campaign.years
        ]
    board.charts = charts_of(board)
    return board


def _matrix(
    now, before, child_targets, year: int, campaign: Campaign, start: int
) -> list[MatrixRow]:
    """Every subordinate unit on every indicator, from the figures the league already read."""
    last_year = campaign.last_year
    rows = []
    for fig in now:
        child = fig.unit
        counts = campaign.counts_of(fig)
        cells = []
        for indicator in SHARE_INDICATORS:
            target = child_targets[child.pk]
            attained = attainment_of(indicator, counts, target)
            then = attainment_of(indicator, campaign.counts_of(before.get(child.pk)), target)
            single_village = child.level == Level.VILLAGE and indicator != t.FIVE_GOOD
            cells.append(
                MatrixCell(
                    indicator,
                    attained,
                    None if single_village else _outlook(attained, then, year, last_year, start),
                    village_status(counts) if single_village else "",
                )
            )
        rows.append(
            MatrixRow(child, reverse("dashboards:unit", args=[child.pk]) + f"?year={year}", cells)
        )
    return sorted(rows, key=lambda r: r.unit.name)


def _outlook(attained, then, year: int, last_year: int, start: int) -> Outlook | None:
    projection = _project(attained, then, year, last_year, start)
    return projection.outlook if projection else None


def _planned_totals(campaign: Campaign, rows: list[checks.PlanRow]) -> dict[int, checks.YearTotal]:
    if not rows:
        return {}
    return {total.year: total for total in checks.yearly_totals(rows, campaign.years)}


def _share_target(board: Board, indicator: str) -> Decimal | None:
    return {
        t.FIVE_GOOD: board.targets.five_good_share,
        t.QUALIFIED: board.targets.qualified_share,
        t.FIRST_CLASS: board.targets.first_class_share,
    }.get(indicator)


def _projection_path(board: Board) -> dict[int, Decimal | None]:
    """The selected share from the selected year to the last, at the current pace."""
    row = next((r for r in board.target_rows if r.attainment.indicator == board.indicator), None)
    if row is None or row.projection is None or not row.attainment.denominator:
        return {}
    projection, denominator = row.projection, row.attainment.denominator
    step = projection.pace or 0.0
    path = {}
    for year in range(board.year, board.campaign.last_year + 1):
        count = min(max(projection.current + step * (year - board.year), 0.0), denominator)
        path[year] = t.percent(whole(count), denominator)
    return path


def _filename(board: Board, what: str) -> str:
    return f"{board.unit.name}-{board.year}-{what}"


def charts_of(board: Board) -> list[Chart]:
    target_word = _("Target")
    shares = [a for a in board.attainments if a.is_share]
    charts = [
        Chart(
            id="chart-targets",
            caption=_("Attained against target"),
            kind="bar",
            categories=[str(a.label) for a in shares],
            series=[
                Series(_("Attained"), [a.value for a in shares]),
                Series(target_word, [a.target for a in shares]),
            ],
            unit="%",
            max=100,
            filename=_filename(board, _("targets")),
        )
    ]
    indicator_target = _share_target(board, board.indicator)
    target_label = f"{target_word} {indicator_target}%"
    if board.children:
        charts.append(
            Chart(
                id="chart-league",
                caption=_("Subordinate units ranked: %(indicator)s")
                % {"indicator": board.indicator_label},
                kind="hbar",
                categories=[r.unit.name for r in board.children],
                series=[
                    Series(
                        board.indicator_label,
                        [r.attainment.value for r in board.children],
                        colors=[r.colour for r in board.children],
                        hatched=[r.outlook == Outlook.OFF_TRACK for r in board.children],
                    )
                ],
                unit="%",
                max=100,
                target=indicator_target,
                target_label=target_label,
                links=[r.url for r in board.children],
                filename=_filename(board, _("ranking")),
            )
        )
        charts.append(
            Chart(
                id="chart-projection",
                caption=_("Projection to %(year)s at the current pace: %(indicator)s")
                % {"year": board.campaign.last_year, "indicator": board.indicator_label},
                kind="hbar",
                categories=[r.unit.name for r in board.children],
                series=[
                    Series(
                        str(board.year),
                        [r.attainment.value for r in board.children],
                        # Grey, so that the outlook colours belong to the projected bars only.
                        color=NOW_COLOUR,
                    ),
                    Series(
                        str(board.campaign.last_year),
                        [r.projected_share for r in board.children],
                        colors=[r.colour for r in board.children],
                        hatched=[r.outlook == Outlook.OFF_TRACK for r in board.children],
                    ),
                ],
                unit="%",
                max=100,
                target=indicator_target,
                target_label=target_label,
                links=[r.url for r in board.children],
                filename=_filename(board, _("projection")),
            )
        )
    all_years = board.years
    by_year = {r.year: r for r in board.trend}

    def share(year: int, indicator: str) -> Decimal | None:
        row = by_year.get(year)
        if row is None:
            return None
        return next(a.value for a in row.attainments if a.indicator == indicator)

    trend_series = [
        Series(
            str(t.INDICATOR_LABELS[indicator]),
            [share(y, indicator) for y in all_years],
            target=_share_target(board, indicator),
            target_label=f"{target_word} {_share_target(board, indicator)}%",
        )
        for indicator in SHARE_INDICATORS
    ]
    path = board.projection_path
    if path:
        trend_series.append(
            Series(
                _("%(indicator)s at the current pace") % {"indicator": board.indicator_label},
                [path.get(y) for y in all_years],
                dashed=True,
            )
        )
    charts.append(
        Chart(
            id="chart-trend",
            caption=_("Trend over the campaign's years"),
            kind="line",
            categories=[str(y) for y in all_years],
            series=trend_series,
            unit="%",
            max=100,
            filename=_filename(board, _("trend")),
        )
    )
    if board.plan:
        charts.append(
            Chart(
                id="chart-plan",
                caption=_("Plan against actual: villages"),
                kind="line",
                categories=[str(p.year) for p in board.plan],
                series=[
                    Series(
                        _("Qualified or better, planned"),
                        [p.planned.qualified_or_better for p in board.plan],
                        dashed=True,
                    ),
                    Series(
                        _("Qualified or better, actual"),
                        [p.actual.qualified_or_better if p.actual else None for p in board.plan],
                    ),
                    Series(
                        _("First-class, planned"),
                        [p.planned.first_class for p in board.plan],
                        dashed=True,
                    ),
                    Series(
                        _("First-class, actual"),
                        [p.actual.first_class if p.actual else None for p in board.plan],
                    ),
                ],
                filename=_filename(board, _("plan")),
            )
        )
    return charts


def standing(unit: OrgUnit, year: int) -> list:
    """The unit's attainments against its targets in the year, for the home page's three or four
    numbers; empty when no campaign covers the unit. The same figures as the dashboard's tiles."""
    campaign = selectors.campaign_for(unit)
    if campaign is None:
        return []
    year = min(max(year, campaign.first_year - 1), campaign.last_year)
    counts = campaign.counts_of(rollups.figures(unit, year))
    targets = selectors.targets_for(campaign, unit)
    return t.attainments(counts, targets, townships=unit.level <= Level.COUNTY)
