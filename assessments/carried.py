"""Titles carried in: those a county's units already hold from 双创 or an earlier campaign,
recorded with their issuing body and document number (文号). They count under the one rule of
assessments/standing.py like any award, can be revoked, and satisfy 递次达标."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import signals
from assessments.actions import AssessmentAction
from assessments.models import AwardedTitle, TitleStatus
from audit.services import record_event
from orgs.models import Level, OrgUnit
from standards.models import TITLE_LEVELS, TitleKind

CARRY_IN_ACTION = AssessmentAction.TITLE_CARRY_IN
FIRST_YEAR = 1990


def can_carry_in(user, unit: OrgUnit) -> bool:
    """The county (or a level above it) records its units' existing titles."""
    return getattr(user, "is_superuser", False) or acts_at_level(
        user, unit, min(Level.COUNTY, unit.level)
    )


def check_title(unit: OrgUnit, title: str, year) -> list[tuple[str, str]]:
    """What is wrong with carrying in this title, as (field, Chinese reason) pairs."""
    errors: list[tuple[str, str]] = []
    if title not in TitleKind.values:
        return [("title", _("Unknown title."))]
    if TITLE_LEVELS[title] != unit.level:
        errors.append(
            (
                "title",
                _("A %(level)s cannot hold the title “%(title)s”.")
                % {"level": unit.get_level_display(), "title": TitleKind(title).label},
            )
        )
    if not unit.is_active:
        errors.append(("unit", _("The unit is retired.")))
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year:
        errors.append(
            (
                "year",
                _("Enter a year from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": this_year},
            )
        )
    return errors


def do_carry_in_title(
    actor,
    unit: OrgUnit,
    *,
    title: str,
    year: int,
    issuer: str = "",
    document_number: str = "",
) -> tuple[AwardedTitle, bool]:
    """Record a title the unit already holds; returns it and whether it was new. Recording a
    title the unit already has for that year (carried in or awarded) changes nothing, so that
    a file imports twice, and an export imports back, unchanged."""
    issuer, document_number = (issuer or "").strip(), (document_number or "").strip()
    errors = check_title(unit, title, year)
    if errors:
        raise ValidationError({field: [message] for field, message in errors})
    if actor is not None and not can_carry_in(actor, unit):
        raise PermissionDenied(_("Existing titles are recorded by the county."))
    with transaction.atomic():
        same = (
            AwardedTitle.objects.select_for_update()
            .filter(unit=unit, title=title, year=year)
            .exclude(status=TitleStatus.REVOKED)
            .first()
        )
        if same is not None:
            return same, False
        newer = AwardedTitle.objects.filter(
            unit=unit,
            title=title,
            year__gt=year,
            status__in=[TitleStatus.AWARDED, TitleStatus.SUPERSEDED],
        ).exists()
        if not newer:
            AwardedTitle.objects.filter(
                unit=unit, title=title, status=TitleStatus.AWARDED, year__lt=year
            ).update(status=TitleStatus.SUPERSEDED)
        carried = AwardedTitle.objects.create(
            unit=unit,
            title=title,
            year=year,
            status=TitleStatus.SUPERSEDED if newer else TitleStatus.AWARDED,
            carried_in=True,
            issuer=issuer,
            document_number=document_number,
            awarded_by=actor,
            awarded_at=timezone.now(),
        )
        record_event(
            actor=actor,
            action=CARRY_IN_ACTION,
            obj=carried,
            unit_id=unit.pk,
            after={
                "title": title,
                "year": year,
                "issuer": issuer,
                "document_number": document_number,
            },
        )
        signals.title_awarded.send(sender=AwardedTitle, title=carried)
    return carried, True
