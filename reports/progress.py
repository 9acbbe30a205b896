"""The progress report of a node and year: its standing against the campaign's targets, its
children ranked and projected (the dashboard's own board), and one table per level below it.

Figures come from campaigns.rollups, targets from campaigns.targets, outlooks and projections from
dashboards.board: this module only arranges them for paper (xlsx and PDF) and draws the bar
charts as SVG, since WeasyPrint cannot run the dashboards' ECharts script.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _

from campaigns import rollups
from campaigns import targets as t
from campaigns.models import Campaign
from dashboards import board as boards
from dashboards.charts import NOW_COLOUR, OUTLOOK_COLOURS, TARGET_COLOUR
from dashboards.selectors import campaign_for
from orgs.models import LEVEL_COLUMNS, Level, OrgUnit, Status
from reports.pdf import render_pdf

# Above this many units in its tables a report is built by the background worker. Measured on
# the demo county (321 units): its workbook takes 0.1 s, its PDF 18 s (WeasyPrint lays out about
# 20 table rows a second), so a PDF of more than a township or two goes to the worker.
BACKGROUND_ABOVE_UNITS = {"pdf": 100, "xlsx": 2000}

Progress = Callable[[int, int], None]


@dataclass
class LevelRow:
    figures: rollups.Figures
    parent: OrgUnit | None
    attainments: dict[str, t.Attainment]
    outlook: str = ""  # only for the node's own children: the dashboard's projection

    @property
    def unit(self) -> OrgUnit:
        return self.figures.unit


@dataclass
class LevelTable:
    level: int
    rows: list[LevelRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Level(self.level).label)

    @property
    def cells(self) -> list[list]:
        return [level_cells(row) for row in self.rows]


@dataclass
class Bar:
    label: str
    value: Decimal | None
    colour: str
    y: float
    width: float


@dataclass
class BarChart:
    """A horizontal bar chart laid out for an SVG template: one row of bars per category."""

    caption: str
    rows: list[tuple[str, list[Bar], float]]  # label, bars, the row's top
    legend: list[tuple[str, str]]
    target_x: float | None
    target_label: str
    height: float
    label_width: float = 150
    plot_width: float = 480
    bar_height: float = 12


@dataclass
class ProgressReport:
    unit: OrgUnit
    year: int
    campaign: Campaign
    board: boards.Board
    levels: list[LevelTable]
    charts: list[BarChart]


def levels_below(unit: OrgUnit) -> list[int]:
    """The levels the report tabulates: down to the villages, and a township's or village's
    groups too (a county's 3,000 groups would bury its villages)."""
    last = Level.GROUP if unit.level >= Level.TOWNSHIP else Level.VILLAGE
    return [level for level in Level.values if unit.level < level <= last]


def size_of(unit: OrgUnit) -> int:
    """How many units the report's tables hold: decides whether it runs in the background."""
    levels = levels_below(unit)
    if not levels:
        return 0
    column = f"{LEVEL_COLUMNS[unit.level]}_id"
    return OrgUnit.objects.filter(
        **{column: unit.pk}, status=Status.ACTIVE, level__in=levels
    ).count()


def runs_in_background(unit: OrgUnit, kind: str, size: int | None = None) -> bool:
    return (size_of(unit) if size is None else size) > BACKGROUND_ABOVE_UNITS[kind]


def _attainments(
    figures: rollups.Figures, targets: t.Targets, campaign: Campaign
) -> dict[str, t.Attainment]:
    counts = campaign.counts_of(figures)
    return {a.indicator: a for a in t.attainments(counts, targets, townships=False)}


def build(
    unit: OrgUnit, year: int, campaign: Campaign, progress: Progress | None = None
) -> ProgressReport:
    board = boards.build(unit, year, campaign)
    outlooks = {row.unit.pk: row.outlook for row in board.children}
    targets = board.targets
    tables: dict[int, LevelTable] = {}
    wanted = set(levels_below(unit))
    deepest = max(wanted, default=unit.level)
    parents: list[OrgUnit] = [unit]
    done = 0
    while parents:
        below: list[OrgUnit] = []
        for index, parent in enumerate(parents):
            for figures in rollups.children_figures(parent, year):
                child = figures.unit
                if child.level not in wanted:
                    continue
                table = tables.setdefault(child.level, LevelTable(child.level))
                table.rows.append(
                    LevelRow(
                        figures=figures,
                        parent=parent if parent.pk != unit.pk else None,
                        attainments=_attainments(figures, targets, campaign),
                        outlook=str(outlooks[child.pk].label)
                        if outlooks.get(child.pk) is not None
                        else "",
                    )
                )
                if child.level < deepest:
                    below.append(child)
            done += 1
            if progress is not None:
                # Units still to read: the rest of this level and the next level found so far.
                progress(done, done + len(parents) - index - 1 + len(below))
        parents = below
    levels = [tables[level] for level in sorted(tables)]
    report = ProgressReport(unit, year, campaign, board, levels, charts=[])
    report.charts = charts_of(report)
    return report


def build_for(unit: OrgUnit, year: int, progress: Progress | None = None) -> ProgressReport | None:
    campaign = campaign_for(unit)
    if campaign is None:
        return None
    return build(unit, year, campaign, progress)


# --- charts ----------------------------------------------------------------------------------


def _bar_chart(
    caption: str,
    categories: list[str],
    series: list[tuple[str, list[Decimal | None], list[str]]],
    target: Decimal | None = None,
    target_label: str = "",
) -> BarChart:
    chart = BarChart(caption, [], [], None, target_label, 0)
    step = chart.bar_height * len(series) + 8
    top = 8.0
    for index, label in enumerate(categories):
        bars = []
        for number, (_name, values, colours) in enumerate(series):
            value = values[index]
            width = float(min(max(value or 0, 0), 100)) / 100 * chart.plot_width
            bars.append(Bar(label, value, colours[index], top + number * chart.bar_height, width))
        chart.rows.append((label, bars, top))
        top += step
    chart.legend = [(name, colours[0] if colours else NOW_COLOUR) for name, _v, colours in series]
    if target is not None:
        chart.target_x = chart.label_width + float(target) / 100 * chart.plot_width
    chart.height = top + 24
    return chart


def charts_of(report: ProgressReport) -> list[BarChart]:
    """The targets (attained against target) and the children ranked with their outlook."""
    b = report.board
    shares = [a for a in b.attainments if a.is_share]
    charts = [
        _bar_chart(
            _("Attained against target"),
            [str(a.label) for a in shares],
            [
                (_("Attained"), [a.value for a in shares], [NOW_COLOUR] * len(shares)),
                (_("Target"), [a.target for a in shares], [TARGET_COLOUR] * len(shares)),
            ],
        )
    ]
    if b.children:
        target = {
            t.FIVE_GOOD: b.targets.five_good_share,
            t.QUALIFIED: b.targets.qualified_share,
            t.FIRST_CLASS: b.targets.first_class_share,
        }.get(b.indicator)
        charts.append(
            _bar_chart(
                _("Subordinate units ranked: %(indicator)s") % {"indicator": b.indicator_label},
                [r.unit.name for r in b.children],
                [
                    (
                        b.indicator_label,
                        [r.attainment.value for r in b.children],
                        [OUTLOOK_COLOURS.get(r.outlook, NOW_COLOUR) for r in b.children],
                    )
                ],
                target=target,
                target_label=f"{_('Target')} {target}%" if target is not None else "",
            )
        )
    return charts


# --- the workbook ----------------------------------------------------------------------------


def _share(a: t.Attainment | None) -> str:
    return "—" if a is None or a.value is None else f"{a.value}%"


def level_headers() -> list[str]:
    return [
        _("Unit"),
        _("Belongs to"),
        _("Division code"),
        _("Groups"),
        _("Five-good groups"),
        _("Five-good share"),
        _("Villages"),
        _("Qualified villages"),
        _("First-class villages"),
        _("Qualified or better share"),
        _("First-class share"),
        _("Active members"),
        _("Trainings"),
        _("Service activities"),
        _("People served"),
        _("Outlook"),
    ]


def level_cells(row: LevelRow) -> list:
    f = row.figures
    a = row.attainments
    return [
        f.unit.name,
        row.parent.name if row.parent else "",
        f.unit.division_code or "",
        f.groups,
        f.five_good_groups,
        _share(a.get(t.FIVE_GOOD)),
        f.villages,
        f.qualified_villages,
        f.first_class_villages,
        _share(a.get(t.QUALIFIED)),
        _share(a.get(t.FIRST_CLASS)),
        f.active_members,
        f.trainings,
        f.service_activities,
        f.people_served,
        row.outlook,
    ]


def summary_rows(report: ProgressReport) -> list[list]:
    rows = []
    for target_row in report.board.target_rows:
        a = target_row.attainment
        label = str(a.label)
        if a.base_label:
            label += f" ({a.base_label})"
        rows.append(
            [
                label,
                f"{a.numerator}/{a.denominator}" if a.is_share else a.numerator,
                _share(a) if a.is_share else "",
                f"{a.target}%" if a.is_share and a.target is not None else (a.target or "—"),
                # A count target's gap is a count (先进乡镇: 1), not a share.
                ("" if a.gap is None else f"{a.gap}%" if a.is_share else a.gap),
                a.still_needed if a.still_needed is not None else "",
                str(target_row.outlook.label) if target_row.outlook else "",
            ]
        )
    return rows


def summary_headers() -> list[str]:
    return [
        _("Indicator"),
        _("Attained"),
        _("Share"),
        _("Target"),
        _("Gap"),
        _("Still needed"),
        _("Outlook"),
    ]


def print_sheet(workbook, name: str, title: str, headers: list[str], rows: list[list], widths):
    sheet = workbook.add_worksheet(name[:31])
    heading = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    cell = workbook.add_format({"border": 1})
    sheet.write(0, 0, title, heading)
    for column, text in enumerate(headers):
        sheet.write_string(1, column, text, header)
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(number, column, value, cell)
            else:
                sheet.write_string(number, column, str(value), cell)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    # For printing: landscape A4, the header row on every page, as wide as one page.
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.repeat_rows(1)
    sheet.fit_to_pages(1, 0)
    sheet.freeze_panes(2, 1)
    sheet.set_footer("&C&P / &N")
    return sheet


def workbook(report: ProgressReport) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False, "strings_to_formulas": False})
    title = _("%(unit)s: progress of the campaign in %(year)s") % {
        "unit": report.unit.name,
        "year": report.year,
    }
    print_sheet(
        book,
        _("Summary"),
        title,
        summary_headers(),
        summary_rows(report),
        [34, 12, 10, 10, 10, 12, 12],
    )
    widths = [20, 14, 15] + [9] * 12 + [10]
    for table in report.levels:
        print_sheet(
            book,
            table.label.replace("/", "-"),
            f"{title} · {table.label}",
            level_headers(),
            [level_cells(row) for row in table.rows],
            widths,
        )
    book.close()
    return buffer.getvalue()


# --- the PDF ---------------------------------------------------------------------------------


def pdf_context(report: ProgressReport) -> dict:
    return {
        "report": report,
        "unit": report.unit,
        "title": _("%(unit)s: progress of the campaign in %(year)s")
        % {"unit": report.unit.name, "year": report.year},
        "summary_headers": summary_headers(),
        "summary_rows": summary_rows(report),
        "level_headers": level_headers(),
    }


def render(report: ProgressReport, kind: str) -> bytes:
    """The report's file; raises FontsMissing for a PDF without the Chinese fonts."""
    if kind == "xlsx":
        return workbook(report)
    return render_pdf("reports/progress_pdf.html", pdf_context(report))


def file_name(report: ProgressReport, extension: str) -> tuple[str, str]:
    return (
        f"{report.unit.name}-{_('progress report')}-{report.year}.{extension}",
        f"progress-{report.unit.pk}-{report.year}.{extension}",
    )
