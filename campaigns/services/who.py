"""Who may act on a campaign, a township's survey and plan, and the fields a campaign keeps."""

from django.core.exceptions import PermissionDenied

from accounts.access import acts_at_level
from campaigns.selectors import SHARE_FIELDS
from orgs.models import Category, Level, OrgUnit

DEFAULT_YEARS = 5
CAMPAIGN_FIELDS = (
    "name",
    "first_year",
    "last_year",
    *SHARE_FIELDS,
    "first_class_base",
    "advanced_townships",
    "enterprises_count_as_villages",
    "large_township_population",
)


# --- who may act -----------------------------------------------------------------------------


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


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- reading ---------------------------------------------------------------------------------


def takes_plan(unit: OrgUnit) -> bool:
    """Townships, towns and streets; an urban branch has no villages of its own (its groups are
    assessed with their home villages)."""
    return unit.level == Level.TOWNSHIP and unit.category != Category.URBAN_BRANCH
