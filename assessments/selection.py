"""评先: selecting advanced townships against a number of places (名额), not passing a mark.

The organising county sets the places, sees the recommended townships (those at the chain's
selection stage) ranked by their score with their evidence, and marks each 入选 (passed on to the
city) or 未入选 (not awarded), each with its reason; it can never select more than the places.
The city then confirms the selected with its document number (文号): the titles it confirms name
the city association as issuer. The draft standard's pass mark is shown beside the ranking as a
guide, not enforced: a selection ranks, it does not pass a mark.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import selectors
from assessments.actions import AssessmentAction
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    Round,
    Selection,
    SelectionMark,
    TransitionAction,
)
from assessments.services.chain import _locked, _move, is_last_stage, outcome_at, stages_of
from assessments.services.decisions import _award, holds_title_in
from audit.services import record_event
from core.errors import StateConflict
from orgs.models import OrgUnit
from registers.models import Evidence
from standards.models import StageKind, TitleKind

SELECTED_TITLE = TitleKind.ADVANCED_TOWNSHIP


@dataclass
class Candidate:
    """A recommended township as the county ranks it."""

    assessment: Assessment
    rank: int
    score: Decimal
    meets_pass_mark: bool
    evidence_files: int
    mark: SelectionMark | None


def selection_stage(assessment: Assessment) -> int | None:
    """The index of the chain's selection stage (评先), if the chain has one."""
    for index, stage in enumerate(stages_of(assessment)):
        if stage.kind == StageKind.SELECTION:
            return index
    return None


def is_at_selection(assessment: Assessment) -> bool:
    return assessment.is_open and selection_stage(assessment) == assessment.stage


def decided_on_selection_page(assessment: Assessment) -> bool:
    """The chain has reached its selection stage: the places and the city's confirmation are
    decided on the round's selection page, not on the sheet
    (assessments.services.chain._require_not_a_selection)."""
    index = selection_stage(assessment)
    return index is not None and assessment.stage >= index


def went_through_selection(assessment: Assessment) -> bool:
    index = selection_stage(assessment)
    return index is not None and assessment.stage > index


def selects_in(round_: Round) -> bool:
    return round_.titles.filter(
        title=SELECTED_TITLE, standard__stages__kind=StageKind.SELECTION
    ).exists()


def can_select(user, round_: Round) -> bool:
    """The organising level selects (由县级协会负责评选)."""
    return getattr(user, "is_superuser", False) or acts_at_level(
        user, round_.organiser, round_.organiser.level
    )


def confirming_unit(round_: Round) -> OrgUnit:
    """The level that confirms: the organiser's city (报市协会审核认定), else the organiser."""
    return round_.organiser.city or round_.organiser


def can_confirm(user, round_: Round) -> bool:
    unit = confirming_unit(round_)
    return getattr(user, "is_superuser", False) or acts_at_level(user, round_.organiser, unit.level)


def association_name(unit: OrgUnit) -> str:
    """The formal name of the unit's association, as certificates and lists print it: stored
    on the title, so in the site's language whatever the confirming user reads in."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(unit)s Family Planning Association") % {"unit": unit.name}


def _assessments(round_: Round):
    return Assessment.objects.filter(round=round_, title=SELECTED_TITLE).select_related(
        "unit", "standard", "round"
    )


def candidates(round_: Round) -> list[Candidate]:
    """The townships recommended for selection and those already marked, best score first (ties
    by division code), with their evidence count and the mark if any."""
    marks = {m.assessment_id: m for m in SelectionMark.objects.filter(selection__round=round_)}
    rows = [a for a in _assessments(round_) if a.pk in marks or is_at_selection(a)]
    outcomes = selectors.outcomes_of(rows)
    evidence = dict(
        Evidence.objects.filter(
            content_type__app_label="assessments",
            content_type__model="assessment",
            object_id__in=[a.pk for a in rows],
        )
        .values_list("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    )

    def score_of(assessment: Assessment) -> Decimal:
        mark = marks.get(assessment.pk)
        return mark.score if mark is not None else outcomes[assessment.pk].total

    rows.sort(key=lambda a: (-score_of(a), a.unit.division_code or "", a.unit.name))
    return [
        Candidate(
            assessment=a,
            rank=rank,
            score=score_of(a),
            meets_pass_mark=outcomes[a.pk].passes,
            evidence_files=evidence.get(a.pk, 0),
            mark=marks.get(a.pk),
        )
        for rank, a in enumerate(rows, start=1)
    ]


def selected_count(selection: Selection) -> int:
    return selection.marks.filter(selected=True).count()


def do_set_places(actor, round_: Round, places: int) -> Selection:
    """The county sets (or changes) the number of places; never below those already selected."""
    if not selects_in(round_):
        raise ValidationError(_("This round selects no advanced townships."))
    if actor is not None and not can_select(actor, round_):
        raise PermissionDenied(_("The places are set by the organising level."))
    if places is None or int(places) < 1:
        raise ValidationError({"places": [_("Give at least one place.")]})
    places = int(places)
    with transaction.atomic():
        selection = Selection.objects.select_for_update().filter(round=round_).first()
        before = {"places": selection.places} if selection else {}
        if selection is None:
            selection = Selection(round=round_, places=places, set_by=actor)
        elif selection.confirmed_at:
            raise StateConflict(_("The city has confirmed this selection; it is closed."))
        chosen = selected_count(selection) if selection.pk else 0
        if places < chosen:
            raise ValidationError(
                {
                    "places": [
                        _("%(count)s townships are already selected; the places cannot be fewer.")
                        % {"count": chosen}
                    ]
                }
            )
        selection.places, selection.set_by = places, actor
        selection.save()
        record_event(
            actor=actor,
            action=AssessmentAction.SELECTION_PLACES,
            obj=selection,
            unit_id=round_.organiser_id,
            before=before,
            after={"places": places, "round": round_.pk},
        )
    return selection


def do_mark(
    actor,
    assessment: Assessment,
    *,
    selected: bool,
    reason: str,
    expected_version: int | None = None,
) -> SelectionMark:
    """入选 passes the township on to the city's confirmation (or awards it where the selection
    is the chain's last stage); 未入选 ends its application. Each needs its reason, and 入选
    never exceeds the places."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the township is or is not selected.")]})
    round_ = assessment.round
    if actor is not None and not can_select(actor, round_):
        raise PermissionDenied(_("Townships are selected by the organising level."))
    with transaction.atomic():
        selection = Selection.objects.select_for_update().filter(round=round_).first()
        if selection is None:
            raise StateConflict(_("Set the number of places before selecting."))
        if selection.confirmed_at:
            raise StateConflict(_("The city has confirmed this selection; it is closed."))
        assessment = _locked(assessment, expected_version)
        if not is_at_selection(assessment):
            raise StateConflict(_("This township is not waiting for the selection."))
        taken = selected_count(selection)
        if selected and taken >= selection.places:
            raise StateConflict(
                _(
                    "All %(places)s places are taken (%(count)s selected): mark another township "
                    "未入选 first, or ask the county to set more places."
                )
                % {"places": selection.places, "count": taken}
            )
        score = outcome_at(assessment).total
        if not selected:
            _move(
                actor,
                assessment,
                TransitionAction.NOT_AWARD,
                assessment.stage,
                _("Not selected: %(reason)s") % {"reason": reason},
                state=AssessmentState.NOT_AWARDED,
            )
        elif is_last_stage(assessment):
            _move(
                actor,
                assessment,
                TransitionAction.AWARD,
                assessment.stage,
                reason,
                state=AssessmentState.AWARDED,
            )
            _award(actor, assessment)
        else:
            _move(actor, assessment, TransitionAction.PASS, assessment.stage + 1, reason)
        mark = SelectionMark.objects.create(
            selection=selection,
            assessment=assessment,
            selected=selected,
            reason=reason,
            score=score,
            marked_by=actor,
        )
        record_event(
            actor=actor,
            action=AssessmentAction.SELECTION_MARK,
            obj=mark,
            unit_id=assessment.unit_id,
            after={
                "selected": selected,
                "reason": reason,
                "score": str(score),
                "places": selection.places,
            },
        )
    return mark


def awaiting_confirmation(round_: Round) -> list[Assessment]:
    return [
        a
        for a in _assessments(round_).filter(
            state=AssessmentState.OPEN, selection_mark__selected=True
        )
        if is_last_stage(a)
    ]


def do_confirm(actor, round_: Round, *, document_number: str) -> list[AwardedTitle]:
    """The city confirms every selected township with its document number: each is awarded, the
    city association named as issuer. A township the city does not accept is returned to the
    county before confirming."""
    document_number = (document_number or "").strip()
    if not document_number:
        raise ValidationError({"document_number": [_("Give the city's document number (文号).")]})
    if actor is not None and not can_confirm(actor, round_):
        raise PermissionDenied(_("The selection is confirmed by the city association."))
    issuer = association_name(confirming_unit(round_))
    with transaction.atomic():
        selection = Selection.objects.select_for_update().filter(round=round_).first()
        waiting = awaiting_confirmation(round_)
        if selection is None or not waiting:
            raise StateConflict(_("No selected township is waiting for confirmation."))
        unmarked = [c.assessment.unit.name for c in candidates(round_) if c.mark is None]
        if unmarked:
            raise StateConflict(
                _("The county has not yet marked %(units)s 入选 or 未入选.")
                % {"units": "、".join(unmarked)}
            )
        titles = []
        for assessment in waiting:
            assessment = _locked(assessment, None)
            if holds_title_in(assessment.unit, assessment.title, round_.year):
                raise StateConflict(
                    _("%(unit)s already holds this title for %(year)s.")
                    % {"unit": assessment.unit.name, "year": round_.year}
                )
            _move(
                actor,
                assessment,
                TransitionAction.AWARD,
                assessment.stage,
                _("Confirmed by %(issuer)s, %(document)s")
                % {"issuer": issuer, "document": document_number},
                state=AssessmentState.AWARDED,
            )
            title = _award(actor, assessment)
            title.issuer, title.document_number = issuer, document_number
            title.save(update_fields=["issuer", "document_number"])
            titles.append(title)
        selection.confirmed_document = document_number
        selection.confirmed_by, selection.confirmed_at = actor, timezone.now()
        selection.save()
        record_event(
            actor=actor,
            action=AssessmentAction.SELECTION_CONFIRM,
            obj=selection,
            unit_id=round_.organiser_id,
            after={
                "document_number": document_number,
                "issuer": issuer,
                "awarded": [t.unit_id for t in titles],
            },
        )
    return titles


# How many years before a campaign's end a missing selection is worth a warning: a selection
# needs a year to run, and two must be two to three years apart.
SHORTFALL_YEARS = 2


def selections_between(organiser: OrgUnit, first_year: int, last_year: int) -> list[int]:
    """The years of the organiser's rounds that select advanced townships, one per round."""
    return sorted(
        Round.objects.filter(
            organiser=organiser,
            year__range=(first_year, last_year),
            titles__title=SELECTED_TITLE,
        ).values_list("year", flat=True)
    )


def shortfall_warning(organiser: OrgUnit, first_year: int, last_year: int, year: int) -> str:
    """The plan selects advanced townships twice in five years (五年评两次): warn when the
    campaign is within its last two years and fewer than two selections were organised."""
    if year < last_year - SHORTFALL_YEARS + 1:
        return ""
    held = selections_between(organiser, first_year, last_year)
    if len(held) >= 2:
        return ""
    return _(
        "The campaign ends in %(last)s and advanced townships have been selected %(count)s "
        "times since %(first)s: the plan asks for two selections in five years."
    ) % {"last": last_year, "count": len(held), "first": first_year}
