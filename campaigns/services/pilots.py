"""A campaign's pilot units: adding and removing them."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from campaigns import checks
from campaigns.access import keeps_township
from campaigns.actions import CampaignAction
from campaigns.plan_models import (
    Campaign,
    Pilot,
)
from campaigns.selectors import pilots_of
from campaigns.services.surveys import _require_township_of
from campaigns.services.who import _require
from orgs.models import Level, OrgUnit


def _pilot_snapshot(pilot: Pilot) -> dict[str, Any]:
    return {"year": pilot.year, "village": pilot.village_id, "note": pilot.note}


def do_add_pilot(
    actor, campaign: Campaign, township: OrgUnit, *, year: int, village: OrgUnit, note: str = ""
) -> Pilot:
    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("Pilots are chosen by the township."))
    errors: dict[str, list[str]] = {}
    if year not in campaign.years:
        errors["year"] = [
            _("Choose a year of the campaign (%(first)s–%(last)s).")
            % {"first": campaign.first_year, "last": campaign.last_year}
        ]
    if not (
        village.level == Level.VILLAGE and village.township_id == township.pk and village.is_active
    ):
        errors["village"] = [_("Choose a village of this township.")]
    if len(note or "") > 200:
        errors["note"] = [_("At most %(limit)s characters.") % {"limit": 200}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Serialise additions per township so two officers cannot both add the second pilot.
        OrgUnit.objects.select_for_update(no_key=True).filter(pk=township.pk).first()
        existing = list(pilots_of(campaign, township, year))
        if any(p.village_id == village.pk for p in existing):
            raise ValidationError(
                {
                    "village": [
                        _("“%(village)s” is already a pilot this year.") % {"village": village}
                    ]
                }
            )
        if year == campaign.first_year and len(existing) >= checks.MAX_PILOTS:
            raise ValidationError(
                {
                    "village": [
                        _(
                            "A township takes one or two pilot villages a year; remove one "
                            "before adding another."
                        )
                    ]
                }
            )
        pilot = Pilot.objects.create(
            campaign=campaign,
            township=township,
            year=year,
            village=village,
            note=(note or "").strip(),
            created_by=actor,
        )
        record_event(
            actor=actor,
            action=CampaignAction.PILOT_ADD,
            obj=pilot,
            unit_id=township.pk,
            after=_pilot_snapshot(pilot),
        )
    return pilot


def do_remove_pilot(actor, pilot: Pilot) -> None:
    township = pilot.township
    _require(keeps_township(actor, township), _("Pilots are chosen by the township."))
    with transaction.atomic():
        record_event(
            actor=actor,
            action=CampaignAction.PILOT_REMOVE,
            obj=pilot,
            unit_id=township.pk,
            before=_pilot_snapshot(pilot),
        )
        pilot.delete()
