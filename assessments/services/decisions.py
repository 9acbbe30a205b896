"""The last stage's decision, one or many, awarding a title, withdrawing an application and
revoking a title.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import signals
from assessments.actions import AssessmentAction
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    RevocationCause,
    TitleStatus,
    TransitionAction,
)
from assessments.services.chain import (
    _locked,
    _move,
    _require_actor,
    _require_group_results,
    _require_not_a_selection,
    _require_pass_rule,
    _require_separation,
    can_act,
    is_last_stage,
    outcome_at,
    stages_of,
)
from audit.services import record_event
from core.errors import StateConflict
from orgs.models import Level, OrgUnit
from standards.models import TitleKind


def prerequisite_met(assessment: Assessment) -> bool:
    """递次达标: the unit held the prerequisite title in the year before the round's (under the
    one rule of assessments/standing.py; holding the title applied for, a re-rating, counts too),
    or (if the standard allows) earns it in the same round's year."""
    needed = assessment.standard.prerequisite
    if not needed:
        return True
    year = assessment.round.year
    titles = AwardedTitle.objects.filter(unit=assessment.unit, title__in=[needed, assessment.title])
    if titles.held_in(year - 1).exists():
        return True
    if not assessment.standard.prerequisite_same_round:
        return False
    return titles.filter(title=needed, year=year, status=TitleStatus.AWARDED).exists()


def do_decide(
    actor,
    assessment: Assessment,
    *,
    award: bool,
    reason: str = "",
    expected_version: int | None = None,
    unverified_groups: Iterable[int] = (),
) -> Assessment:
    """The last stage decides: award (pass rule and prerequisite met) or not award (with a
    reason)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        assessment = _locked(assessment, expected_version)
        _require_actor(actor, assessment)
        if not is_last_stage(assessment) or assessment.stage == 0:
            raise StateConflict(_("Only the last stage of the chain decides."))
        _require_separation(actor, assessment)
        if award:
            _require_not_a_selection(assessment)
            _require_pass_rule(assessment)
            _require_group_results(assessment)
            if holds_title_in(assessment.unit, assessment.title, assessment.round.year):
                raise ValidationError(
                    _("The unit already holds this title for %(year)s.")
                    % {"year": assessment.round.year}
                )
            if not prerequisite_met(assessment):
                raise ValidationError(
                    _("递次达标: the unit must first hold the title “%(title)s”.")
                    % {"title": TitleKind(assessment.standard.prerequisite).label}
                )
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
            if not reason:
                raise ValidationError({"reason": _("Say why the title is not awarded.")})
            _move(
                actor,
                assessment,
                TransitionAction.NOT_AWARD,
                assessment.stage,
                reason,
                state=AssessmentState.NOT_AWARDED,
            )
        if assessment.stage == 1:
            _settle_group_ratings(actor, assessment, unverified_groups)
    return assessment


def holds_title_in(unit: OrgUnit, title: str, year: int) -> bool:
    return AwardedTitle.objects.filter(
        unit=unit, title=title, year=year, status=TitleStatus.AWARDED
    ).exists()


# --- deciding several at once ---------------------------------------------------------------

BULK_DECISION_LIMIT = 200


@dataclass
class Refusal:
    """An assessment the bulk decision left as it was, with the service's own message."""

    assessment: Assessment
    message: str
    forbidden: bool = False


@dataclass
class BulkDecision:
    awarded: list[Assessment]
    refused: list[Refusal]


def can_decide(user, assessment: Assessment) -> bool:
    """Whether the user decides the assessment now: their level's turn (`can_act`) at the last
    stage of a chain that has a reviewing stage. The service's checks still apply on top."""
    return can_act(user, assessment) and is_last_stage(assessment) and assessment.stage > 0


def do_decide_many(
    actor,
    assessments_with_versions: Iterable[tuple[Assessment, int | None]],
    *,
    reason: str = "",
) -> BulkDecision:
    """Award each assessment through `do_decide` with the version the page read, each in its
    own transaction: one refused (changed meanwhile, not the actor's turn, pass rule or
    prerequisite not met, title already held) leaves the others to be awarded. Not awarding
    needs a reason per unit, so it is decided one by one."""
    pairs = list(assessments_with_versions)
    if len(pairs) > BULK_DECISION_LIMIT:
        raise ValidationError(
            _("At most %(limit)s assessments can be decided at once; %(count)s were selected.")
            % {"limit": BULK_DECISION_LIMIT, "count": len(pairs)}
        )
    result = BulkDecision(awarded=[], refused=[])
    for assessment, version in pairs:
        try:
            decided = do_decide(
                actor, assessment, award=True, reason=reason, expected_version=version
            )
        except PermissionDenied as error:
            message = " ".join(str(a) for a in error.args)
            result.refused.append(Refusal(assessment, message, forbidden=True))
        except ValidationError as error:
            result.refused.append(Refusal(assessment, " ".join(error.messages)))
        else:
            result.awarded.append(decided)
    return result


def _award(actor, assessment: Assessment) -> AwardedTitle:
    # A new award for the same unit, title and year replaces none (callers check
    # holds_title_in first); an earlier year's title is superseded by the newer one.
    superseded = AwardedTitle.objects.filter(
        unit=assessment.unit,
        title=assessment.title,
        status=TitleStatus.AWARDED,
        year__lt=assessment.round.year,
    ).update(status=TitleStatus.SUPERSEDED)
    if superseded:
        signals.titles_superseded.send(
            sender=AwardedTitle,
            unit=assessment.unit,
            title=assessment.title,
            year=assessment.round.year,
            count=superseded,
        )
    title = AwardedTitle.objects.create(
        unit=assessment.unit,
        title=assessment.title,
        year=assessment.round.year,
        assessment=assessment,
        awarded_by=actor,
        awarded_at=timezone.now(),
        valid_years=assessment.standard.validity_years,
    )
    record_event(
        actor=actor,
        action=AssessmentAction.TITLE_AWARD,
        obj=title,
        unit_id=assessment.unit_id,
        after={
            "title": assessment.title,
            "year": assessment.round.year,
            "assessment": assessment.pk,
        },
    )
    signals.title_awarded.send(sender=AwardedTitle, title=title)
    return title


def _settle_group_ratings(
    actor, village_assessment: Assessment, unverified: Iterable[int] = ()
) -> None:
    """The township verifies the groups with their village: each open rating is decided by
    the five-good standard on its scores, except those the township unticked on the
    confirmation page, which it does not verify."""
    unverified = set(unverified)
    for group in village_assessment.group_ratings.filter(state=AssessmentState.OPEN).select_related(
        "standard", "unit"
    ):
        outcome = outcome_at(group, group.stage)
        if group.pk in unverified:
            _move(
                actor,
                group,
                TransitionAction.NOT_AWARD,
                group.stage,
                _("Not verified with the village."),
                state=AssessmentState.NOT_AWARDED,
            )
        elif outcome.passes:
            _move(actor, group, TransitionAction.AWARD, group.stage, state=AssessmentState.AWARDED)
            # A group rated in two rounds of one year keeps the title it already holds rather
            # than failing its village's verification.
            if not holds_title_in(group.unit, group.title, village_assessment.round.year):
                _award(actor, group)
        else:
            reasons = "；".join(outcome.reasons(group.standard))
            _move(
                actor,
                group,
                TransitionAction.NOT_AWARD,
                group.stage,
                reasons,
                state=AssessmentState.NOT_AWARDED,
            )


def do_withdraw(actor, assessment: Assessment, *, reason: str = "") -> Assessment:
    with transaction.atomic():
        assessment = _locked(assessment, None)
        _require_actor(actor, assessment)
        if assessment.stage != 0:
            raise StateConflict(_("Only an application not yet submitted can be withdrawn."))
        _move(
            actor, assessment, TransitionAction.WITHDRAW, 0, reason, state=AssessmentState.WITHDRAWN
        )
        for group in assessment.group_ratings.filter(state=AssessmentState.OPEN):
            _move(
                actor, group, TransitionAction.WITHDRAW, 0, reason, state=AssessmentState.WITHDRAWN
            )
    return assessment


# --- titles and spot checks ----------------------------------------------------------------


def deciding_level(title: AwardedTitle) -> int:
    if title.assessment_id:
        return stages_of(title.assessment)[-1].level
    return Level.COUNTY


def can_revoke(user, title: AwardedTitle) -> bool:
    """The deciding level (or the county above a township's decision) may revoke."""
    level = min(deciding_level(title), Level.COUNTY)
    return acts_at_level(user, title.unit, level)


def do_revoke_title(
    actor, title: AwardedTitle, *, cause: str, reason: str, effective_year: int | None = None
) -> AwardedTitle:
    """摘牌: the title stops counting from `effective_year` (by default its own year: as if the
    year's rating had not awarded it), and no older title stands in for it."""
    reason = (reason or "").strip()
    effective_year = title.year if effective_year in (None, "") else effective_year
    try:
        effective_year = int(effective_year)
    except (TypeError, ValueError):
        effective_year = 0
    if not title.year <= effective_year <= title.year + 50:
        raise ValidationError(
            {"effective_year": _("The revocation takes effect in the title's year or later.")}
        )
    if not reason:
        raise ValidationError({"reason": _("Say why the title is revoked.")})
    if cause not in RevocationCause.values:
        raise ValidationError({"cause": _("Choose a cause.")})
    with transaction.atomic():
        title = AwardedTitle.objects.select_for_update(no_key=True).get(pk=title.pk)
        if not can_revoke(actor, title):
            raise PermissionDenied(_("Only the level that decides this title may revoke it."))
        if title.status != TitleStatus.AWARDED:
            raise StateConflict(_("Only a title in force can be revoked."))
        title.status = TitleStatus.REVOKED
        title.revoked_by = actor
        title.revoked_at = timezone.now()
        title.revocation_cause = cause
        title.revocation_reason = reason
        title.revoked_from = effective_year
        title.save()
        record_event(
            actor=actor,
            action=AssessmentAction.TITLE_REVOKE,
            obj=title,
            unit_id=title.unit_id,
            before={"status": TitleStatus.AWARDED},
            after={
                "status": TitleStatus.REVOKED,
                "cause": cause,
                "reason": reason,
                "from": effective_year,
            },
        )
        signals.title_revoked.send(sender=AwardedTitle, title=title)
    return title
