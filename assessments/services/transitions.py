"""Moving an assessment along the chain: submit, pass and return."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import (
    Assessment,
    TransitionAction,
)
from assessments.services.chain import (
    _locked,
    _move,
    _move_groups,
    _require_actor,
    _require_group_results,
    _require_not_a_selection,
    _require_pass_rule,
    _require_separation,
    is_last_stage,
    outcome_at,
)
from assessments.services.decisions import _settle_group_ratings
from core.errors import StateConflict
from standards.models import Item


def do_submit(actor, assessment: Assessment, *, expected_version: int | None = None) -> Assessment:
    """The applicant sends the self-assessment up: every item must be scored."""
    with transaction.atomic():
        assessment = _locked(assessment, expected_version)
        _require_actor(actor, assessment)
        if assessment.stage != 0:
            raise StateConflict(_("Only a self-assessment is submitted."))
        unscored = outcome_at(assessment).unscored
        if unscored:
            raise ValidationError(
                _("Score every item before submitting: %(numbers)s are missing.")
                % {"numbers": "、".join(i.number for i in unscored)}
            )
        unrated = [
            g.unit.name
            for g in assessment.group_ratings.select_related("unit", "standard")
            if g.is_open and outcome_at(g, 0).unscored
        ]
        if unrated:
            raise ValidationError(
                _("Rate every group before submitting: %(groups)s are not rated.")
                % {"groups": "、".join(unrated)}
            )
        _move(actor, assessment, TransitionAction.SUBMIT, 1)
        _move_groups(actor, assessment, TransitionAction.SUBMIT, 1)
    return assessment


def do_pass(
    actor,
    assessment: Assessment,
    *,
    reason: str = "",
    expected_version: int | None = None,
    unverified_groups: Iterable[int] = (),
) -> Assessment:
    """A reviewing level passes the assessment to the next stage; it must meet the pass rule
    on the scores as they stand at this stage. Leaving the first review, it verifies the
    village's groups, all but `unverified_groups`."""
    with transaction.atomic():
        assessment = _locked(assessment, expected_version)
        _require_actor(actor, assessment)
        if assessment.stage == 0:
            raise StateConflict(_("A self-assessment is submitted, not passed."))
        if is_last_stage(assessment):
            raise StateConflict(_("This is the last stage: decide instead."))
        _require_not_a_selection(assessment)
        _require_separation(actor, assessment)
        _require_pass_rule(assessment)
        _require_group_results(assessment)
        leaving = assessment.stage
        _move(actor, assessment, TransitionAction.PASS, leaving + 1, reason)
        if leaving == 1:
            _settle_group_ratings(actor, assessment, unverified_groups)
    return assessment


def do_return(
    actor,
    assessment: Assessment,
    *,
    reason: str,
    items: list[int] | None = None,
    expected_version: int | None = None,
) -> Assessment:
    """Send the assessment back one stage, whole or for chosen items (only those reopen)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the assessment goes back.")})
    with transaction.atomic():
        assessment = _locked(assessment, expected_version)
        _require_actor(actor, assessment)
        if assessment.stage == 0:
            raise StateConflict(_("A self-assessment cannot be returned; it is still yours."))
        chosen = sorted({int(i) for i in items or []})
        known = set(
            Item.objects.filter(section__standard=assessment.standard).values_list("pk", flat=True)
        )
        if not set(chosen) <= known:
            raise ValidationError(_("An item does not belong to this standard."))
        to_stage = assessment.stage - 1
        _move(actor, assessment, TransitionAction.RETURN, to_stage, reason, chosen)
        if not chosen and to_stage == 0:
            _move_groups(actor, assessment, TransitionAction.RETURN, 0, reason)
    return assessment
