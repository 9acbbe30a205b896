"""Creating and editing a campaign, and setting a township's targets."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from campaigns.access import keeps_campaign
from campaigns.actions import CampaignAction
from campaigns.plan_models import (
    Campaign,
    FirstClassBase,
    TownshipTarget,
)
from campaigns.selectors import SHARE_FIELDS, in_campaign, takes_plan
from campaigns.services.who import CAMPAIGN_FIELDS, DEFAULT_YEARS, _require
from orgs.models import Level, OrgUnit

# --- campaigns and targets -------------------------------------------------------------------


def _clean_campaign(values: dict[str, Any], organiser: OrgUnit, exclude: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if not (values.get("name") or "").strip():
        errors.setdefault("name", []).append(_("Give the campaign a name."))
    first, last = values.get("first_year"), values.get("last_year")
    if not isinstance(first, int) or not 2000 <= first <= 2100:
        errors.setdefault("first_year", []).append(_("Enter a year between 2000 and 2100."))
    elif not isinstance(last, int) or not first <= last <= first + 9:
        errors.setdefault("last_year", []).append(
            _("The last year is the first year or up to nine years after it (five years: %(y)s).")
            % {"y": first + DEFAULT_YEARS - 1}
        )
    for name in SHARE_FIELDS:
        value = values.get(name)
        if value is None or not Decimal("0") <= Decimal(value) <= Decimal("100"):
            errors.setdefault(name, []).append(_("Enter a percentage from 0 to 100."))
    if values.get("first_class_base") not in FirstClassBase.values:
        errors.setdefault("first_class_base", []).append(_("Choose what the share is counted of."))
    population = values.get("large_township_population")
    if not isinstance(population, int) or population < 1:
        errors.setdefault("large_township_population", []).append(
            _("Enter the population above which a township counts as large.")
        )
    if organiser.level > Level.COUNTY:
        errors.setdefault("organiser", []).append(
            _("A campaign is organised by a county or a higher level.")
        )
    same_name = Campaign.objects.filter(
        organiser=organiser, name=(values.get("name") or "").strip()
    )
    if same_name.exclude(pk=exclude).exists():
        errors.setdefault("name", []).append(_("This unit already has a campaign of that name."))
    if isinstance(first, int) and isinstance(last, int) and "last_year" not in errors:
        overlapping = Campaign.objects.filter(
            organiser=organiser, first_year__lte=last, last_year__gte=first
        ).exclude(pk=exclude)
        for other in overlapping[:1]:
            errors.setdefault("first_year", []).append(
                _("The years overlap the campaign “%(name)s” (%(first)s–%(last)s).")
                % {"name": other.name, "first": other.first_year, "last": other.last_year}
            )
    if errors:
        raise ValidationError(errors)


def _campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    return {
        name: str(v) if isinstance(v := getattr(campaign, name), Decimal) else v
        for name in CAMPAIGN_FIELDS
    }


def do_create_campaign(
    actor, organiser: OrgUnit, *, name: str, first_year: int, last_year: int | None = None, **extra
) -> Campaign:
    """Open a five-year campaign (the plan's targets unless given). `actor` None is the system."""
    _require(keeps_campaign(actor, organiser), _("Campaigns are kept by the organising level."))
    unknown = set(extra) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"Unknown campaign fields: {sorted(unknown)}")
    campaign = Campaign(organiser=organiser, name=(name or "").strip(), created_by=actor)
    campaign.first_year = first_year
    campaign.last_year = (
        last_year if last_year is not None else (first_year or 0) + DEFAULT_YEARS - 1
    )
    for key, value in extra.items():
        if value is not None or key == "advanced_townships":
            setattr(campaign, key, value)
    _clean_campaign(_campaign_snapshot_raw(campaign), organiser, None)
    with transaction.atomic():
        # The organiser's row serialises its campaigns' checks: two submits of the same name (or
        # of overlapping years) at once answer a form error, not a 500 (issue 14, H6).
        _lock_organiser(organiser)
        _clean_campaign(_campaign_snapshot_raw(campaign), organiser, None)
        _save_campaign(campaign)
        record_event(
            actor=actor,
            action=CampaignAction.CAMPAIGN_CREATE,
            obj=campaign,
            unit_id=organiser.pk,
            after=_campaign_snapshot(campaign),
        )
    return campaign


def _lock_organiser(organiser: OrgUnit) -> None:
    list(OrgUnit.objects.select_for_update(no_key=True).filter(pk=organiser.pk).values_list("pk"))


def _save_campaign(campaign: Campaign) -> None:
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as error:  # the unique name, should a writer bypass the lock
        raise ValidationError(
            {"name": [_("This unit already has a campaign of that name.")]}
        ) from error


def _campaign_snapshot_raw(campaign: Campaign) -> dict[str, Any]:
    return {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}


def do_update_campaign(actor, campaign: Campaign, **changes: Any) -> Campaign:
    _require(keeps_campaign(actor, campaign), _("Campaigns are kept by the organising level."))
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"Unknown campaign fields: {sorted(unknown)}")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
        before = _campaign_snapshot(campaign)
        for key, value in changes.items():
            setattr(campaign, key, value.strip() if isinstance(value, str) else value)
        _lock_organiser(campaign.organiser)
        _clean_campaign(_campaign_snapshot_raw(campaign), campaign.organiser, campaign.pk)
        _save_campaign(campaign)
        record_change(
            actor=actor,
            action=CampaignAction.CAMPAIGN_UPDATE,
            obj=campaign,
            unit_id=campaign.organiser_id,
            before=before,
            after=_campaign_snapshot(campaign),
        )
    return campaign


def do_set_township_target(
    actor,
    campaign: Campaign,
    township: OrgUnit,
    *,
    five_good_share: Decimal | None = None,
    qualified_share: Decimal | None = None,
    first_class_share: Decimal | None = None,
) -> TownshipTarget | None:
    """Set a township's own targets; blank figures inherit the campaign's (all blank: none)."""
    _require(keeps_campaign(actor, campaign), _("Targets are set by the organising level."))
    if not (takes_plan(township) and in_campaign(campaign, township)):
        raise ValidationError(_("Targets are set for the townships of the campaign."))
    values = {
        "five_good_share": five_good_share,
        "qualified_share": qualified_share,
        "first_class_share": first_class_share,
    }
    errors = {
        name: [_("Enter a percentage from 0 to 100.")]
        for name, value in values.items()
        if value is not None and not Decimal("0") <= Decimal(value) <= Decimal("100")
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        own = (
            TownshipTarget.objects.select_for_update(no_key=True)
            .filter(campaign=campaign, township=township)
            .first()
        )
        before = {
            k: str(getattr(own, k)) if own and getattr(own, k) is not None else None for k in values
        }
        after = {k: str(v) if v is not None else None for k, v in values.items()}
        if all(v is None for v in values.values()):
            if own is not None:
                own.delete()
            own = None
        else:
            own = own or TownshipTarget(campaign=campaign, township=township)
            for key, value in values.items():
                setattr(own, key, value)
            own.save()
        record_change(
            actor=actor,
            action=CampaignAction.TOWNSHIP_TARGET_SET,
            obj=own or campaign,
            unit_id=township.pk,
            before=before,
            after=after,
        )
    return own
