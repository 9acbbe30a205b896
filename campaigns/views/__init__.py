"""Pages of the campaign, its targets, the townships' surveys, plans and pilots.

Thin: every unit is reached through accounts.access (404 outside the user's subtree, 403 for a
forbidden action, each denial recorded); every write goes through campaigns.services.

The package: `frame` (the campaign, its targets, the overviews) and `townships` (a township's
survey, plan and pilots). campaigns/urls.py reaches the views through this package.
"""

from campaigns.views.frame import (
    NAV,
    campaign_create,
    campaign_detail,
    campaign_edit,
    home,
    pilots_overview,
    plans_overview,
    township_target_edit,
)
from campaigns.views.townships import (
    pilot_remove,
    pilots,
    plan,
    plan_check,
    plan_submit,
    plan_version,
    survey,
    survey_entry,
    survey_save,
    township,
)

__all__ = [
    "NAV",
    "campaign_create",
    "campaign_detail",
    "campaign_edit",
    "home",
    "pilot_remove",
    "pilots",
    "pilots_overview",
    "plan",
    "plan_check",
    "plan_submit",
    "plan_version",
    "plans_overview",
    "survey",
    "survey_entry",
    "survey_save",
    "township",
    "township_target_edit",
]
