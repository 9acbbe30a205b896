"""Who reaches which campaign and which of its townships, on top of the one access helper
(accounts.access). The pages and the API both fetch through here: outside the user's subtrees
404, a forbidden action 403, each denial recorded.

A campaign's own pages are for those who see its organiser; keeping it (targets, settings) is for
the organising level. A township of a campaign is for anyone who sees the township; its survey,
plan and pilots are kept by its own township officer. (The predicates themselves, `keeps_*` and
`approves_plans`, are still in campaigns.services.)
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.access import Action, get_unit_for_user, missing, record_denial, require
from campaigns import services
from campaigns.plan_models import Campaign
from orgs.models import OrgUnit


def forbidden(request, action: str, unit: OrgUnit) -> PermissionDenied:
    """An action the user's role does not allow here: the denial recorded, the 403 to raise."""
    record_denial(request, request.user, action, reason="forbidden", unit=unit)
    return PermissionDenied(_("Not allowed for your role."))


def get_campaign_for_user(request, pk, *, keep: bool = False) -> Campaign:
    campaign = Campaign.objects.select_related("organiser").filter(pk=pk).first()
    if campaign is None:
        raise missing(request, "campaigns.campaign", pk)
    require(request, Action.VIEW, campaign.organiser)
    if keep and not services.keeps_campaign(request.user, campaign):
        raise forbidden(request, "keep_campaign", campaign.organiser)
    return campaign


def get_township_for_user(request, campaign_pk, pk, *, edit: bool = False):
    """(campaign, township): the township must take a plan and lie in the campaign."""
    campaign = Campaign.objects.select_related("organiser").filter(pk=campaign_pk).first()
    if campaign is None:
        raise missing(request, "campaigns.campaign", campaign_pk)
    township = get_unit_for_user(request, pk)
    if not (services.takes_plan(township) and services.in_campaign(campaign, township)):
        raise missing(request, "orgs.orgunit", pk)
    if edit and not services.keeps_township(request.user, township):
        raise forbidden(request, "edit_plan", township)
    return campaign, township
