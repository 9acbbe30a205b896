"""Campaigns and their targets over the API, and a township's own targets."""

from ninja import Query

from accounts.access import root_units
from api.campaigns.common import _targets, _township, router
from api.campaigns.schemas import (
    CampaignOut,
    CampaignPage,
    CampaignTargetsOut,
    CampaignYearParams,
    TownshipOut,
    TownshipTargetIn,
)
from api.errors import acting
from api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    PageParams,
    page_of,
)
from campaigns import services
from campaigns import targets as t
from campaigns.access import get_campaign_for_user, get_township_for_user
from campaigns.plan_models import (
    Campaign,
    TownshipTarget,
)
from campaigns.years import plan_year
from dashboards import selectors
from orgs.models import OrgUnit


@router.get("/", response={200: CampaignPage, **READ_ERRORS})
def list_campaigns(request, params: Query[PageParams]):
    """The caller's campaigns: those organised at or below their units, and those above them
    (a township officer's county campaign: read it through its township)."""
    rows, seen = [], set()
    for root in root_units(request.user):
        below = Campaign.objects.filter(organiser__in=OrgUnit.objects.subtree_of(root))
        for campaign in [*below.select_related("organiser"), *services.campaigns_for(root)]:
            if campaign.pk not in seen:
                seen.add(campaign.pk)
                rows.append(campaign)
    return page_of(rows, params)


@router.get("/{campaign_id}", response={200: CampaignOut, **READ_ERRORS})
def get_campaign(request, campaign_id: int):
    return get_campaign_for_user(request, campaign_id)


@router.get("/{campaign_id}/targets", response={200: CampaignTargetsOut, **READ_ERRORS})
def campaign_targets(request, campaign_id: int, params: Query[CampaignYearParams]):
    """The campaign's targets attained at the organiser in the year, with the first-class
    share's base named, and each township's own targets (blank: the campaign's)."""
    campaign = get_campaign_for_user(request, campaign_id)
    year = plan_year(campaign, params.year)
    counts = services.current_counts(campaign.organiser, year, campaign)
    townships = list(services.townships_of(campaign))
    own = {
        target.township_id: target
        for target in TownshipTarget.objects.filter(campaign=campaign, township__in=townships)
    }
    plans = {
        p.township_id: p.status
        for p in campaign.plans.filter(township__in=townships).only("township_id", "status")
    }
    base = services.campaign_targets(campaign)
    effective = selectors.township_targets(campaign, [u.pk for u in townships])
    rows = []
    for township in townships:
        mine = own.get(township.pk)
        rows.append(
            {
                "township_id": township.pk,
                "township_name": township.name,
                "own_five_good_share": mine.five_good_share if mine else None,
                "own_qualified_share": mine.qualified_share if mine else None,
                "own_first_class_share": mine.first_class_share if mine else None,
                "targets": _targets(effective[township.pk]),
                "plan_status": plans.get(township.pk),
            }
        )
    return {
        "campaign": campaign,
        "year": year,
        "attainments": t.attainments(counts, base),
        "townships": rows,
    }


@router.put(
    "/{campaign_id}/townships/{township_id}/targets", response={200: TownshipOut, **WRITE_ERRORS}
)
def set_township_targets(request, campaign_id: int, township_id: int, payload: TownshipTargetIn):
    """The organising level sets a township's own targets; blank figures inherit the
    campaign's."""
    campaign = get_campaign_for_user(request, campaign_id, keep=True)
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    acting(
        request,
        township,
        "set_township_target",
        lambda: services.do_set_township_target(request.user, campaign, township, **payload.dict()),
    )
    return _township(request, campaign, township, None)


@router.get("/{campaign_id}/townships/{township_id}", response={200: TownshipOut, **READ_ERRORS})
def get_township(request, campaign_id: int, township_id: int, params: Query[CampaignYearParams]):
    """A township of the campaign: its targets (its own, else the campaign's) attained in the
    year, and where its plan stands."""
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    return _township(request, campaign, township, params.year)
