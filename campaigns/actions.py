"""The audit actions of the campaigns and their roll-ups."""

from audit.actions import AuditAction


class CampaignAction(AuditAction):
    CAMPAIGN_CREATE = "campaigns.campaign.create"
    CAMPAIGN_UPDATE = "campaigns.campaign.update"
    TOWNSHIP_TARGET_SET = "campaigns.township_target.set"
    SURVEY_SAVE = "campaigns.survey.save"
    SURVEY_UPDATE = "campaigns.survey.update"
    PLAN_SAVE_DRAFT = "campaigns.plan.save_draft"
    PLAN_SUBMIT = "campaigns.plan.submit"
    PLAN_SAVE_LEVELS = "campaigns.plan.save_levels"
    PLAN_APPROVE = "campaigns.plan.approve"
    PLAN_RETURN = "campaigns.plan.return"
    PILOT_ADD = "campaigns.pilot.add"
    PILOT_REMOVE = "campaigns.pilot.remove"
    ROLLUPS_REBUILD = "campaigns.rollups.rebuild"
    ROLLUPS_REFRESH = "campaigns.rollups.refresh"
