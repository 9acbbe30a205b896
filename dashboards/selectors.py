"""Reads the dashboards need beside the roll-ups: the campaign that frames a unit, the targets
that apply to it and its children, and the township plans in force below it. Each read is a
fixed number of queries, whatever the size of the subtree."""

from dataclasses import dataclass

from django.db.models import Q

from campaigns import checks, services
from campaigns.models import (
    Campaign,
    PlanEntry,
    PlanStatus,
    PlanVersion,
    SurveyEntry,
    TownshipTarget,
)
from campaigns.targets import Targets
from orgs.models import LEVEL_COLUMNS, Level, OrgUnit


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


def _with_override(base: Targets, override: TownshipTarget | None) -> Targets:
    """A township's own targets; a blank figure inherits the campaign's. (The same rule as
    campaigns.services.township_targets, which reads one township per query; the league table
    needs all its townships in one.)"""
    if override is None:
        return base
    return Targets(
        five_good_share=override.five_good_share
        if override.five_good_share is not None
        else base.five_good_share,
        qualified_share=override.qualified_share
        if override.qualified_share is not None
        else base.qualified_share,
        first_class_share=override.first_class_share
        if override.first_class_share is not None
        else base.first_class_share,
        first_class_base=base.first_class_base,
        advanced_townships=None,
    )


def township_targets(campaign: Campaign, township_ids: list[int]) -> dict[int, Targets]:
    """Targets per township, in one query."""
    base = services.campaign_targets(campaign)
    overrides = {
        t.township_id: t
        for t in TownshipTarget.objects.filter(campaign=campaign, township_id__in=township_ids)
    }
    return {pk: _with_override(base, overrides.get(pk)) for pk in township_ids}


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


def plan_rows(campaign: Campaign, unit: OrgUnit) -> list[PlannedVillage]:
    """The villages below the unit in the township plans the county approved (each township's
    latest approved version), with their standing at the baseline survey."""
    if unit.level >= Level.GROUP:
        return []
    in_subtree = Q(**{f"village__{LEVEL_COLUMNS[unit.level]}_id": unit.pk})
    approved = {}
    for version_id, plan_id, number in PlanVersion.objects.filter(
        plan__campaign=campaign, status=PlanStatus.APPROVED
    ).values_list("pk", "plan_id", "number"):
        if plan_id not in approved or number > approved[plan_id][1]:
            approved[plan_id] = (version_id, number)
    if not approved:
        return []
    child_column = LEVEL_COLUMNS.get(unit.level + 1)
    entries = list(
        PlanEntry.objects.filter(in_subtree, version_id__in=[v for v, _ in approved.values()])
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
        SurveyEntry.objects.filter(in_subtree, campaign=campaign).values_list(
            "village_id", "standing"
        )
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
