"""The campaign's figures over the API: a unit's roll-ups for a year, its children's (the league
table), its trend over the campaign's years, its targets (attained, target, gap, with the
first-class base named) and each child's outlook.

Thin and read-only: every unit is reached through accounts.access (404 outside the caller's
subtrees, recorded), figures come from campaigns.rollups and the dashboards' own board, so an
answer holds exactly what the unit's dashboard page shows.
"""

from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from accounts.access import get_unit_for_user
from api.schemas import READ_ERRORS, AttainmentFields, PageParams, page_of
from campaigns import rollups
from campaigns import targets as t
from campaigns.plan_models import Campaign
from campaigns.years import board_year
from dashboards import board, selectors

router = Router(tags=["figures"])

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TREND_YEARS = 20


# --- shapes --------------------------------------------------------------------------------


class YearParams(Schema):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)


class OutlookParams(YearParams):
    indicator: str | None = Field(None, max_length=40)


class TrendParams(Schema):
    first_year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)
    last_year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)


class FiguresOut(Schema):
    unit_id: int
    unit_name: str
    level: int
    year: int
    groups: int
    five_good_groups: int
    villages: int
    qualified_villages: int
    first_class_villages: int
    unrated_villages: int
    qualified_or_better: int
    townships: int
    advanced_townships: int
    active_members: int
    trainings: int
    service_activities: int
    people_served: int
    five_good_rate: float | None
    qualified_or_better_rate: float | None
    first_class_rate: float | None
    first_class_rate_of_qualified: float | None


class CampaignRef(Schema):
    id: int
    name: str
    organiser_id: int
    first_year: int
    last_year: int


class AttainmentOutlookOut(AttainmentFields):
    projected_share: Decimal | None = None
    outlook: str | None = None
    outlook_label: str | None = None
    needed_per_year: float | None = None


class UnitTargetsOut(Schema):
    unit_id: int
    year: int
    campaign: CampaignRef | None
    first_class_base: str | None
    first_class_base_label: str | None
    attainments: list[AttainmentOutlookOut]


class TrendOut(Schema):
    unit_id: int
    campaign: CampaignRef | None
    years: list[FiguresOut]


class ChildOutlookOut(Schema):
    unit_id: int
    unit_name: str
    level: int
    rank: int
    attainment: AttainmentOutlookOut
    pace: float | None
    projected: float | None
    projected_share: Decimal | None
    needed_per_year: float | None
    years_left: int | None
    outlook: str | None
    outlook_label: str | None
    behind_plan: bool


class OutlookOut(Schema):
    unit_id: int
    year: int
    campaign: CampaignRef | None
    indicator: str | None
    indicator_label: str | None
    children: list[ChildOutlookOut]


# --- arranging ------------------------------------------------------------------------------


def _figures(fig: rollups.Figures) -> dict:
    return {
        **fig.values(),
        "unit_id": fig.unit.pk,
        "unit_name": fig.unit.name,
        "level": fig.unit.level,
        "year": fig.year,
        "unrated_villages": fig.unrated_villages,
        "qualified_or_better": fig.qualified_or_better,
        "five_good_rate": fig.five_good_rate,
        "qualified_or_better_rate": fig.qualified_or_better_rate,
        "first_class_rate": fig.first_class_rate,
        "first_class_rate_of_qualified": fig.first_class_rate_of_qualified,
    }


def _campaign(campaign: Campaign | None) -> dict | None:
    if campaign is None:
        return None
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "organiser_id": campaign.organiser_id,
        "first_year": campaign.first_year,
        "last_year": campaign.last_year,
    }


def _attainment(a: t.Attainment, projection=None, projected_share=None) -> dict:
    outlook = projection.outlook if projection else None
    return {
        "indicator": a.indicator,
        "label": str(a.label),
        "numerator": a.numerator,
        "denominator": a.denominator,
        "value": a.value,
        "target": a.target,
        "gap": a.gap,
        "still_needed": a.still_needed,
        "met": a.met,
        "base": a.base,
        "base_label": str(a.base_label),
        "projected_share": projected_share,
        "outlook": outlook.value if outlook else None,
        "outlook_label": outlook.label if outlook else None,
        "needed_per_year": projection.needed_per_year if projection else None,
    }


def _this_year() -> int:
    return timezone.localdate().year


# --- endpoints ------------------------------------------------------------------------------


@router.get("/units/{unit_id}", response={200: FiguresOut, **READ_ERRORS})
def unit_figures(request, unit_id: int, params: Query[YearParams]):
    """The unit's figures for the year (this year by default) over its whole subtree."""
    unit = get_unit_for_user(request, unit_id)
    return _figures(rollups.figures(unit, params.year or _this_year()))


class FiguresPage(Schema):
    count: int
    page: int
    pages: int
    items: list[FiguresOut]


class ChildrenParams(YearParams, PageParams):
    pass


@router.get("/units/{unit_id}/children", response={200: FiguresPage, **READ_ERRORS})
def children_figures(request, unit_id: int, params: Query[ChildrenParams]):
    """The figures of the unit's active children for the year: the league table's rows."""
    unit = get_unit_for_user(request, unit_id)
    rows = rollups.children_figures(unit, params.year or _this_year())
    body = page_of(rows, params)
    return {**body, "items": [_figures(f) for f in body["items"]]}


@router.get("/units/{unit_id}/trend", response={200: TrendOut, **READ_ERRORS})
def trend(request, unit_id: int, params: Query[TrendParams]):
    """The unit's figures year by year: by default the campaign's baseline year and its years
    (without a campaign, the last five years); `first_year`/`last_year` narrow or move it."""
    unit = get_unit_for_user(request, unit_id)
    campaign = selectors.campaign_for(unit)
    if campaign is not None:
        first, last = campaign.first_year - 1, campaign.last_year
    else:
        last = _this_year()
        first = last - 4
    first = params.first_year or first
    last = params.last_year or last
    last = max(min(last, first + MAX_TREND_YEARS - 1), first)
    years = list(range(first, last + 1))
    return {
        "unit_id": unit.pk,
        "campaign": _campaign(campaign),
        "years": [_figures(f) for f in rollups.trend(unit, years)],
    }


@router.get("/units/{unit_id}/targets", response={200: UnitTargetsOut, **READ_ERRORS})
def targets(request, unit_id: int, params: Query[YearParams]):
    """Each target of the unit's campaign as attained against target with the gap, where it is
    heading at the current pace, and the first-class share's base named."""
    unit = get_unit_for_user(request, unit_id)
    campaign = selectors.campaign_for(unit)
    if campaign is None:
        return {
            "unit_id": unit.pk,
            "year": params.year or _this_year(),
            "campaign": None,
            "first_class_base": None,
            "first_class_base_label": None,
            "attainments": [],
        }
    year = board_year(campaign, params.year)
    built = board.build(unit, year, campaign)
    return {
        "unit_id": unit.pk,
        "year": year,
        "campaign": _campaign(campaign),
        "first_class_base": built.targets.first_class_base,
        "first_class_base_label": str(t.BASE_LABELS[built.targets.first_class_base]),
        "attainments": [
            _attainment(row.attainment, row.projection, row.projected_share)
            for row in built.target_rows
        ],
    }


@router.get("/units/{unit_id}/outlook", response={200: OutlookOut, **READ_ERRORS})
def outlook(request, unit_id: int, params: Query[OutlookParams]):
    """Each child ranked by a share (`indicator`: five_good_groups, qualified_villages or
    first_class_villages; the dashboard's default otherwise), projected to the campaign's last
    year at its current pace: on track, at risk or off track, and the yearly increase (in groups
    or villages) it still needs."""
    unit = get_unit_for_user(request, unit_id)
    campaign = selectors.campaign_for(unit)
    if campaign is None:
        return {
            "unit_id": unit.pk,
            "year": params.year or _this_year(),
            "campaign": None,
            "indicator": None,
            "indicator_label": None,
            "children": [],
        }
    year = board_year(campaign, params.year)
    built = board.build(unit, year, campaign, params.indicator)
    children = []
    for row in built.children:
        projection = row.projection
        children.append(
            {
                "unit_id": row.unit.pk,
                "unit_name": row.unit.name,
                "level": row.unit.level,
                "rank": row.rank,
                "attainment": _attainment(row.attainment, projection, row.projected_share),
                "pace": projection.pace if projection else None,
                "projected": projection.projected if projection else None,
                "projected_share": row.projected_share,
                "needed_per_year": projection.needed_per_year if projection else None,
                "years_left": projection.years_left if projection else None,
                "outlook": row.outlook.value if row.outlook else None,
                "outlook_label": row.outlook.label if row.outlook else None,
                "behind_plan": row.behind_plan,
            }
        )
    return {
        "unit_id": unit.pk,
        "year": year,
        "campaign": _campaign(campaign),
        "indicator": built.indicator,
        "indicator_label": built.indicator_label,
        "children": children,
    }
