"""A township's baseline survey: saving it whole and correcting one entry."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from campaigns.access import keeps_township
from campaigns.actions import CampaignAction
from campaigns.plan_models import (
    Campaign,
    Standing,
    SurveyEntry,
)
from campaigns.selectors import in_campaign, prefilled_line, standings, survey_lines, takes_plan
from campaigns.services.who import _require
from orgs.models import Level, OrgUnit


def _survey_snapshot(entry: SurveyEntry) -> dict[str, Any]:
    return {
        "standing": entry.standing,
        "section_scores": entry.section_scores,
        "assessment": entry.assessment_id,
        "gaps": entry.gaps,
        "notes": entry.notes,
    }


def _require_township_of(campaign: Campaign, township: OrgUnit) -> None:
    if not (takes_plan(township) and in_campaign(campaign, township)):
        raise ValidationError(_("This unit is not a township of the campaign."))


def do_save_survey(actor, campaign: Campaign, township: OrgUnit) -> int:
    """Store the prefilled line of every village not yet surveyed; returns how many."""
    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("The survey is kept by the township."))
    with transaction.atomic():
        lines = [line for line in survey_lines(campaign, township) if line.stored is None]
        for line in lines:
            entry = SurveyEntry.objects.create(
                campaign=campaign,
                township=township,
                village=line.village,
                standing=line.standing,
                section_scores=line.section_scores,
                assessment=line.assessment,
                gaps=line.gaps,
                updated_by=actor,
            )
            line.stored = entry
        if lines:
            record_event(
                actor=actor,
                action=CampaignAction.SURVEY_SAVE,
                object_type="campaigns.surveyentry",
                object_id=f"{campaign.pk}:{township.pk}",
                object_label=f"{campaign.name} · {township.name}",
                unit_id=township.pk,
                after={str(line.village.pk): _survey_snapshot(line.stored) for line in lines},
            )
    return len(lines)


def do_update_survey_entry(
    actor,
    campaign: Campaign,
    village: OrgUnit,
    *,
    standing: str,
    section_scores: list[dict] | None = None,
    gaps: str = "",
    notes: str = "",
) -> SurveyEntry:
    """Save one village's line as the township reports it (created from the prefill if new)."""
    township = OrgUnit.objects.get(pk=village.township_id) if village.township_id else None
    if township is None or village.level != Level.VILLAGE:
        raise ValidationError(_("Only villages are surveyed."))
    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("The survey is kept by the township."))
    errors: dict[str, list[str]] = {}
    if standing not in Standing.values:
        errors["standing"] = [_("Choose the village's current standing.")]
    for name, text, limit in (("gaps", gaps, 2000), ("notes", notes, 2000)):
        if len(text or "") > limit:
            errors[name] = [_("At most %(limit)s characters.") % {"limit": limit}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = (
            SurveyEntry.objects.select_for_update(no_key=True)
            .filter(campaign=campaign, village=village)
            .first()
        )
        created = entry is None
        if created:
            prefill = prefilled_line(village, standings([village])[village.pk])
            entry = SurveyEntry(
                campaign=campaign,
                township=township,
                village=village,
                section_scores=prefill.section_scores,
                assessment=prefill.assessment,
            )
        before = {} if created else _survey_snapshot(entry)
        entry.standing = standing
        if section_scores is not None:
            entry.section_scores = section_scores
        entry.gaps = (gaps or "").strip()
        entry.notes = (notes or "").strip()
        entry.updated_by = actor
        entry.save()
        record_change(
            actor=actor,
            action=CampaignAction.SURVEY_UPDATE,
            obj=entry,
            unit_id=village.pk,
            before=before,
            after=_survey_snapshot(entry),
        )
    return entry
