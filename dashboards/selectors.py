"""Reads the dashboards need beside the roll-ups: the campaign that frames a unit, the targets
that apply to it and its children, and the township plans in force below it. Each read is a
fixed number of queries, whatever the size of the subtree."""

from dataclasses import dataclass

from django.db.models import Q

from assessments import standing
from campaigns import checks, services
from campaigns.models import (
    Campaign,
    PlanEntry,
    PlanStatus,
    PlanVersion,
    SurveyEntry,
)
from campaigns.targets import Targets
from orgs.models import LEVEL_COLUMNS, Level, OrgUnit
from standards.models import TitleKind


def campaign_for(unit: OrgUnit) -> Campaign | None:
    """The campaign organised by the unit or its nearest ancestor; for a unit above every
    organiser (a city over its counties' campaigns), the latest campaign organised below it."""
    found = list(services.campaigns_for(unit))
    if found:
        # The nearest organiser's latest campaign.
        return max(found, key=lambda c: (c.organiser.level, c.first_year, c.pk))
    if unit.level >= Level.GROUP:
        return None
    column = LEVEL_COLUMNS[unit.level]
    return (
        Campaign.objects.filter(**{f"organiser__{column}_id": unit.pk})
        .order_by("-first_year", "-pk")
        .first()
    )


def township_targets(campaign: Campaign, township_ids: list[int]) -> dict[int, Targets]:
    """Targets per township, in one query (campaigns.services.townships_targets)."""
    return services.townships_targets(campaign, township_ids)


def targets_for(campaign: Campaign, unit: OrgUnit) -> Targets:
    """The targets that apply to the unit: its township's own below the county, else the
    campaign's (the advanced-township count only where there are townships below)."""
    if unit.level >= Level.TOWNSHIP:
        return township_targets(campaign, [unit.township_id])[unit.township_id]
    return services.campaign_targets(campaign)


@dataclass(frozen=True)
class PlannedVillage:
    row: checks.PlanRow
    child_id: int | None  # the unit's child the village lies in (the village itself, if a child)


def approved_versions(campaign: Campaign, unit: OrgUnit) -> list[int]:
    """The latest approved plan version of each township at or below the unit (a village's:
    its township's)."""
    if unit.level >= Level.GROUP:
        return []
    if unit.level >= Level.TOWNSHIP:
        townships = Q(plan__township_id=unit.township_id)
    else:
        townships = Q(**{f"plan__township__{LEVEL_COLUMNS[unit.level]}_id": unit.pk})
    approved: dict[int, tuple[int, int]] = {}
    for version_id, plan_id, number in PlanVersion.objects.filter(
        townships, plan__campaign=campaign, status=PlanStatus.APPROVED
    ).values_list("pk", "plan_id", "number"):
        if plan_id not in approved or number > approved[plan_id][1]:
            approved[plan_id] = (version_id, number)
    return [version_id for version_id, _ in approved.values()]


def planned_entries(unit: OrgUnit, versions: list[int]):
    """The entries of the versions (approved_versions of the unit) for the villages below it.

    Selected by version alone down to a township (a township's plan holds only its own
    villages): a filter on the villages' ancestor column makes SQLite walk every unit of a
    province and probe each against every version."""
    entries = PlanEntry.objects.filter(version_id__in=versions).order_by()
    return entries.filter(village_id=unit.pk) if unit.level == Level.VILLAGE else entries


def plan_rows(campaign: Campaign, unit: OrgUnit, versions: list[int]) -> list[PlannedVillage]:
    """The villages below the unit in the township plans the county approved (`versions`), with
    their standing at the baseline survey."""
    if unit.level >= Level.GROUP or not versions:
        return []
    child_column = LEVEL_COLUMNS.get(unit.level + 1)
    entries = list(
        planned_entries(unit, versions)
        .values_list(
            "village_id",
            "village__name",
            "qualified_year",
            "first_class_year",
            f"village__{child_column}_id" if child_column else "village_id",
        )
        .order_by("village_id")
    )
    standings = dict(
        SurveyEntry.objects.filter(
            campaign=campaign, village_id__in=planned_entries(unit, versions).values("village_id")
        ).values_list("village_id", "standing")
    )
    return [
        PlannedVillage(
            checks.PlanRow(
                village_id=village_id,
                name=name,
                standing=standings.get(village_id, checks.NONE),
                qualified_year=qualified_year,
                first_class_year=first_class_year,
            ),
            child_id if child_column else None,
        )
        for village_id, name, qualified_year, first_class_year, child_id in entries
    ]


def actual_standings(
    unit: OrgUnit, versions: list[int], years: list[int]
) -> dict[int, dict[int, str]]:
    """Each planned village's standing at the end of each year, by the one rule of
    assessments/standing.py, so that a plan is compared with the same villages' results and not
    with every village's."""
    if unit.level >= Level.GROUP or not versions or not years:
        return {}
    # A subquery, not a list of ids: a province's plans name tens of thousands of villages.
    held = standing.village_standings(planned_entries(unit, versions).values("village_id"), years)
    words = {
        TitleKind.FIRST_CLASS_VILLAGE: checks.FIRST_CLASS,
        TitleKind.QUALIFIED_VILLAGE: checks.QUALIFIED,
        "": checks.NONE,
    }
    return {
        village_id: {year: words[kind] for year, kind in by_year.items()}
        for village_id, by_year in held.items()
    }


def actual_totals(
    standings: dict[int, dict[int, str]], village_ids: list[int], year: int
) -> checks.YearTotal:
    """The villages' totals at the end of the year, in the plan's own terms."""
    held = [standings.get(v, {}).get(year, checks.NONE) for v in village_ids]
    return checks.YearTotal(
        year,
        len(village_ids),
        sum(1 for s in held if s != checks.NONE),
        sum(1 for s in held if s == checks.FIRST_CLASS),
    )
