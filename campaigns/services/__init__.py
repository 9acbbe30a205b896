"""Campaigns, targets, baseline surveys, five-year creation plans and pilots: every write, each
with its audit event in the same transaction. The reads the pages share are in
campaigns/selectors.py (re-exported here so that the old names still import).

Who acts: the organising level keeps the campaign and its targets (a county officer for a
county's campaign); a township officer keeps their township's survey, plan and pilots; the
county officer above the township approves or returns its plan.

The package: `who` (who may act), `campaign` (campaigns and their targets), `surveys`, `plans` and
`pilots`. Patch a name in the module that uses it.
"""

from campaigns.access import approves_plans, keeps_campaign, keeps_township
from campaigns.selectors import (
    NEXT_TITLE,
    SHARE_FIELDS,
    VILLAGE_TITLES,
    SurveyLine,
    approved_version,
    campaign_targets,
    campaigns_for,
    current_counts,
    draft_years,
    gaps_to,
    in_campaign,
    last_assessment,
    number,
    pilot_findings,
    pilots_of,
    plan_findings,
    plan_for,
    plan_rows,
    prefilled_line,
    standings,
    survey_line,
    survey_lines,
    takes_plan,
    township_targets,
    townships_of,
    townships_targets,
    version_years,
    villages_of,
)
from campaigns.services.campaign import (
    do_create_campaign,
    do_set_township_target,
    do_update_campaign,
)
from campaigns.services.pilots import do_add_pilot, do_remove_pilot
from campaigns.services.plans import (
    do_approve_plan,
    do_return_plan,
    do_save_plan_draft,
    do_submit_plan,
)
from campaigns.services.surveys import do_save_survey, do_update_survey_entry
from campaigns.services.who import CAMPAIGN_FIELDS, DEFAULT_YEARS

__all__ = [
    "CAMPAIGN_FIELDS",
    "DEFAULT_YEARS",
    "NEXT_TITLE",
    "SHARE_FIELDS",
    "SurveyLine",
    "VILLAGE_TITLES",
    "approved_version",
    "approves_plans",
    "campaign_targets",
    "campaigns_for",
    "current_counts",
    "do_add_pilot",
    "do_approve_plan",
    "do_create_campaign",
    "do_remove_pilot",
    "do_return_plan",
    "do_save_plan_draft",
    "do_save_survey",
    "do_set_township_target",
    "do_submit_plan",
    "do_update_campaign",
    "do_update_survey_entry",
    "draft_years",
    "gaps_to",
    "in_campaign",
    "keeps_campaign",
    "keeps_township",
    "last_assessment",
    "number",
    "pilot_findings",
    "pilots_of",
    "plan_findings",
    "plan_for",
    "plan_rows",
    "prefilled_line",
    "standings",
    "survey_line",
    "survey_lines",
    "takes_plan",
    "township_targets",
    "townships_of",
    "townships_targets",
    "version_years",
    "villages_of",
]
