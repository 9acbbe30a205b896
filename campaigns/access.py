"""Who reaches which campaign and which of its townships, on top of the one access helper
(accounts.access). The pages and the API both fetch through here: outside the user's subtrees
404, a forbidden action 403, each denial recorded.

A campaign's own pages are for those who see its organiser; keeping it (targets, settings) is for
the organising level. A township of a campaign is for anyone who sees the township; its survey,
plan and pilots are kept by its own township officer. The predicates `keeps_campaign`,
`keeps_township` and `approves_plans` are here too, and the services check them.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.access import (
    Action,
    acts_at_level,
    get_unit_for_user,
    missing,
    record_denial,
    require,
)
from campaigns.plan_models import Campaign
from campaigns.selectors import in_campaign, takes_plan
from orgs.models import Level, OrgUnit


def keeps_campaign(user, campaign_or_unit) -> bool:
    organiser = getattr(campaign_or_unit, "organiser", campaign_or_unit)
    if organiser.level > Level.COUNTY:
        return False
    if user is None:
        return True
    if getattr(user, "is_superuser", False):
        return True
    return acts_at_level(user, organiser, organiser.level)


def keeps_township(user, township: OrgUnit) -> bool:
    """The township officer of this township keeps its survey, plan and pilots."""
    return user is None or acts_at_level(user, township, Level.TOWNSHIP)


def approves_plans(user, township: OrgUnit) -> bool:
    """The county officer above the township; `user` None is the system (the demo)."""
    return user is None or acts_at_level(user, township, Level.COUNTY)


def forbidden(request, action: str, unit: OrgUnit) -> PermissionDenied:
    """An action the user's role does not allow here: the denial recorded, the 403 to raise."""
    record_denial(request, request.user, action, reason="forbidden", unit=unit)
    return PermissionDenied(_("Not allowed for your role."))


def get_campaign_for_user(request, pk, *, keep: bool = False) -> Campaign:
    campaign = Campaign.objects.select_related("organiser").filter(pk=pk).first()
    if campaign is None:
        raise missing(request, "campaigns.campaign", pk)
    require(request, Action.VIEW, campaign.organiser)
    if keep and not keeps_campaign(request.user, campaign):
        raise forbidden(request, "keep_campaign", campaign.organiser)
    return campaign


def get_township_for_user(request, campaign_pk, pk, *, edit: bool = False):
    """(campaign, township): the township must take a plan and lie in the campaign."""
    campaign = Campaign.objects.select_related("organiser").filter(pk=campaign_pk).first()
    if campaign is None:
        raise missing(request, "campaigns.campaign", campaign_pk)
    township = get_unit_for_user(request, pk)
    if not (takes_plan(township) and in_campaign(campaign, township)):
        raise missing(request, "orgs.orgunit", pk)
    if edit and not keeps_township(request.user, township):
        raise forbidden(request, "edit_plan", township)
    return campaign, township
