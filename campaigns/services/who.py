"""The fields a campaign keeps, and the refusal of an action the user may not take (the
predicates of who may act are in campaigns/access.py, re-exported here for the services)."""

from django.core.exceptions import PermissionDenied

from campaigns.selectors import SHARE_FIELDS

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


# --- refusing ---------------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
