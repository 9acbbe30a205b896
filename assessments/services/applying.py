"""Applying for a title in a round, with the groups rated alongside the village."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import group_rules
from assessments.actions import AssessmentAction
from assessments.models import (
    Assessment,
    Round,
    RoundStatus,
    RoundTitle,
    Transition,
    TransitionAction,
)
from assessments.services.chain import VILLAGE_TITLES
from audit.services import record_event
from core.errors import StateConflict
from orgs.models import Category, Level, OrgUnit
from standards.models import TITLE_LEVELS, TitleKind

# --- applying ------------------------------------------------------------------------------


def _migrant_groups(village: OrgUnit):
    """Urban-branch groups whose home village this is: assessed together with it."""
    return OrgUnit.objects.filter(
        level=Level.GROUP,
        home_village=village,
        status="active",
        parent__category=(Category.URBAN_BRANCH),
    )


groups_rated_with = group_rules.groups_rated_with


def do_apply(actor, round_: Round, title: str, unit: OrgUnit) -> Assessment:
    """Open an application. A village's opens its groups' five-good ratings too (its migrant
    groups included) when the round rates groups and they are not open yet: they are rated and
    decided on their own (assessments/group_rules.py), not with the application."""
    if round_.status != RoundStatus.OPEN:
        raise StateConflict(_("This round is closed: it takes no more applications."))
    round_title = RoundTitle.objects.filter(round=round_, title=title).first()
    if round_title is None:
        raise ValidationError(_("This round does not assess that title."))
    if TITLE_LEVELS[title] != unit.level:
        raise ValidationError(
            _("A %(level)s cannot apply for this title.") % {"level": unit.get_level_display()}
        )
    if not unit.is_active:
        raise ValidationError(_("A retired unit cannot apply."))
    if not round_.organiser.contains(unit):
        raise ValidationError(_("The unit is outside the round's organiser."))
    if title == TitleKind.FIVE_GOOD_GROUP:
        raise ValidationError(_("Groups are rated with their village's assessment."))
    standard = round_title.standard
    first = standard.ordered_stages()[0]
    if not acts_at_level(actor, unit, first.level):
        raise PermissionDenied(_("Only the unit itself applies for its title."))
    if Assessment.objects.filter(round=round_, title=title, unit=unit).exists():
        raise StateConflict(_("This unit has already applied for this title in this round."))
    with transaction.atomic():
        try:
            # Two clicks (or two operators) at once: the unique constraint decides, and the
            # loser hears why instead of a server error.
            with transaction.atomic():
                assessment = Assessment.objects.create(
                    round=round_,
                    title=title,
                    standard=standard,
                    unit=unit,
                    access_unit=unit,
                    created_by=actor,
                )
        except IntegrityError:
            raise StateConflict(
                _("This unit has already applied for this title in this round.")
            ) from None
        Transition.objects.create(
            assessment=assessment,
            action=TransitionAction.APPLY,
            from_stage=0,
            to_stage=0,
            actor=actor,
        )
        created_groups = []
        if title in VILLAGE_TITLES:
            created_groups = _open_group_ratings(actor, round_, assessment)
        record_event(
            actor=actor,
            action=AssessmentAction.ASSESSMENT_APPLY,
            obj=assessment,
            unit_id=unit.pk,
            after={
                "round": round_.pk,
                "title": title,
                "standard": standard.pk,
                "group_ratings": [a.unit_id for a in created_groups],
            },
        )
    return assessment


def _open_group_ratings(actor, round_: Round, village_assessment: Assessment) -> list[Assessment]:
    return open_group_ratings(actor, round_, village_assessment.unit)


def open_group_ratings(actor, round_: Round, village: OrgUnit) -> list[Assessment]:
    """Open the round's rating of every group the village rates that has none yet; each stands
    on its own (no parent). The caller checks who acts and records the event."""
    group_title = RoundTitle.objects.filter(round=round_, title=TitleKind.FIVE_GOOD_GROUP).first()
    if group_title is None:
        return []
    rated = set(
        Assessment.objects.filter(round=round_, title=TitleKind.FIVE_GOOD_GROUP).values_list(
            "unit_id", flat=True
        )
    )
    created = []
    for group in groups_rated_with(village):
        if group.pk in rated:
            continue
        created.append(
            Assessment.objects.create(
                round=round_,
                title=TitleKind.FIVE_GOOD_GROUP,
                standard=group_title.standard,
                unit=group,
                access_unit=village,
                created_by=actor,
            )
        )
        Transition.objects.create(
            assessment=created[-1],
            action=TransitionAction.APPLY,
            from_stage=0,
            to_stage=0,
            actor=actor,
        )
    return created
