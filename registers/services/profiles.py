"""An association's profile and its checklist: reading and saving it."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import add_error, check_fields
from orgs.models import Level, OrgUnit
from registers.actions import RegisterAction
from registers.models import (
    AssociationProfile,
    ProfileItem,
)
from registers.services.fields import (
    MAX_FUNDS,
    PROFILE_FIELDS,
    PROFILE_MONEY_FIELDS,
    _decimal,
    _decimal_text,
    _merge_model_errors,
    _text,
)
from registers.services.inclusion import _conflict, check_year

# Association profiles


def takes_profile(unit: OrgUnit) -> bool:
    """Village-level associations (villages, communities, enterprise associations) and
    township-level ones (townships, streets, urban branches) keep a profile."""
    return unit.level in (Level.TOWNSHIP, Level.VILLAGE)


def _require_profile_unit(unit: OrgUnit) -> None:
    if not takes_profile(unit):
        raise ValidationError(
            _("Profiles are kept by township-level and village-level associations."),
            code="not_profile_unit",
        )


def empty_checklist() -> dict[str, dict[str, Any]]:
    return {code: {"present": False, "note": ""} for code in ProfileItem.values}


def profile_snapshot(profile: AssociationProfile) -> dict[str, Any]:
    snapshot: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        value = getattr(profile, name)
        snapshot[name] = _decimal_text(profile, name) if isinstance(value, Decimal) else value
    snapshot["checklist"] = profile.checklist
    return snapshot


def _clean_checklist(raw, errors: dict) -> dict[str, dict[str, Any]]:
    checklist = empty_checklist()
    for code, entry in (raw or {}).items():
        if code not in checklist:
            add_error(errors, "checklist", _("Choose a checklist item."))
            continue
        note = _text((entry or {}).get("note", ""))
        if len(note) > 300:
            add_error(errors, f"checklist.{code}", _("The note is longer than 300 characters."))
        checklist[code] = {"present": bool((entry or {}).get("present")), "note": note[:300]}
    return checklist


def _apply_profile(profile: AssociationProfile, fields: dict[str, Any], checklist) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("has_venue", "president_paid", "leaders_paid"):
        if name in fields:
            setattr(profile, name, bool(fields[name]))
    if "venue_address" in fields:
        profile.venue_address = _text(fields["venue_address"])
    if "venue_area" in fields:
        profile.venue_area = _decimal(
            errors,
            "venue_area",
            fields["venue_area"],
            Decimal(0),
            Decimal("9999999.9"),
            _("The area cannot be negative."),
        )
    for name in PROFILE_MONEY_FIELDS:
        if name in fields:
            value = _decimal(
                errors,
                name,
                Decimal(0) if fields[name] in (None, "") else fields[name],
                Decimal(0),
                MAX_FUNDS,
                _("Funds cannot be negative or above 9,999,999,999.99 yuan."),
            )
            setattr(profile, name, value if value is not None else Decimal(0))
    if checklist is not None:
        profile.checklist = _clean_checklist(checklist, errors)
    _merge_model_errors(profile, errors, exclude=["unit", "checklist", *PROFILE_MONEY_FIELDS])
    if errors:
        raise ValidationError(errors)


def get_profile(unit: OrgUnit, year: int) -> AssociationProfile:
    """The saved profile, or an unsaved blank one (version 0) to fill."""
    profile = AssociationProfile.objects.filter(unit=unit, year=year).first()
    if profile is None:
        profile = AssociationProfile(unit=unit, year=year, checklist=empty_checklist(), version=0)
    else:
        profile.checklist = {**empty_checklist(), **(profile.checklist or {})}
    return profile


def do_save_profile(
    actor,
    unit: OrgUnit,
    year: int,
    expected_version: int,
    checklist: dict | None = None,
    **fields: Any,
) -> AssociationProfile:
    """Save the profile if nobody saved it since `expected_version` was read (0: not yet saved);
    otherwise raise ConflictError and change nothing."""
    check_fields(fields, PROFILE_FIELDS)
    _require_profile_unit(unit)
    check_year(year)
    try:
        with transaction.atomic():
            profile = (
                AssociationProfile.objects.select_for_update(no_key=True)
                .filter(unit=unit, year=year)
                .first()
            )
            current = profile.version if profile is not None else 0
            if current != expected_version:
                raise _conflict()
            if profile is None:
                profile = AssociationProfile(
                    unit=unit, year=year, checklist=empty_checklist(), version=0
                )
                before = None
            else:
                before = profile_snapshot(profile)
            _apply_profile(profile, fields, checklist)
            after = profile_snapshot(profile)
            if before == after:
                return profile
            profile.version = current + 1
            profile.save()
            record_event(
                actor=actor,
                action=RegisterAction.PROFILE_SAVE,
                obj=profile,
                unit_id=unit.pk,
                before={k: v for k, v in before.items() if after[k] != v} if before else None,
                after={k: v for k, v in after.items() if not before or before[k] != v},
            )
    except IntegrityError:
        # Two first saves at once: the other one won the unique (unit, year) row.
        raise _conflict() from None
    return profile


def do_get_or_create_profile(actor, unit: OrgUnit, year: int) -> AssociationProfile:
    """The profile row, created blank (and audited) when evidence arrives before the first save."""
    _require_profile_unit(unit)
    check_year(year)
    profile = AssociationProfile.objects.filter(unit=unit, year=year).first()
    if profile is not None:
        return profile
    try:
        with transaction.atomic():
            # Version 0, as an unsaved profile: a form opened before the upload still saves.
            profile = AssociationProfile.objects.create(
                unit=unit, year=year, checklist=empty_checklist(), version=0
            )
            record_event(
                actor=actor,
                action=RegisterAction.PROFILE_SAVE,
                obj=profile,
                unit_id=unit.pk,
                after=profile_snapshot(profile),
            )
    except IntegrityError:
        profile = AssociationProfile.objects.get(unit=unit, year=year)
    return profile
