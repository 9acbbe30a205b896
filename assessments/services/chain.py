"""The chain's stages, who may act at one, and the marks an assessment holds there."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import group_rules, signals
from assessments.actions import AssessmentAction
from assessments.models import (
    Assessment,
    AssessmentState,
    Score,
    Transition,
    TransitionAction,
)
from audit.services import record_event
from core.errors import OutOfTurn, StateConflict
from standards.models import Item, Stage, StageKind, TitleKind
from standards.scoring import ItemMark, Outcome, evaluate

VILLAGE_TITLES = (TitleKind.QUALIFIED_VILLAGE, TitleKind.FIRST_CLASS_VILLAGE)


class ScoreConflict(StateConflict):
    """Someone saved these items since the page was read; nothing was written."""

    def __init__(self, items: list[Item]):
        self.items = items
        numbers = "、".join(item.number for item in items)
        super().__init__(
            _(
                "Someone else saved item(s) %(numbers)s after you opened the page. Nothing was "
                "saved: your entries are kept below beside theirs; check them and save again."
            )
            % {"numbers": numbers},
            code="conflict",
        )


@dataclass
class ScoreInput:
    item_id: int
    points: Any = None
    veto_violated: bool | None = None
    current_state: str = ""
    measures: str = ""
    override_reason: str = ""
    # The id of the current score the page showed (0: none); None skips the conflict check.
    base: int | None = None


# --- reading the chain ---------------------------------------------------------------------


def stages_of(assessment: Assessment) -> list[Stage]:
    cached = getattr(assessment, "_stages", None)
    if cached is None:
        cached = assessment.standard.ordered_stages()
        assessment._stages = cached
    return cached


def with_stages(assessments) -> list[Assessment]:
    """The assessments, each with its chain read into `stages_of`'s cache by one query for
    all of them rather than one per assessment."""
    assessments = list(assessments)
    chains: dict[int, list[Stage]] = {a.standard_id: [] for a in assessments}
    for stage in Stage.objects.filter(standard_id__in=chains).order_by("position"):
        chains[stage.standard_id].append(stage)
    for a in assessments:
        a._stages = chains[a.standard_id]
    return assessments


def current_stage(assessment: Assessment) -> Stage:
    return stages_of(assessment)[assessment.stage]


def is_last_stage(assessment: Assessment) -> bool:
    return assessment.stage == len(stages_of(assessment)) - 1


def can_act(user, assessment: Assessment) -> bool:
    """Whether the user acts at the assessment's current stage (level and subtree)."""
    if not assessment.is_open or assessment.parent_id:
        return False
    return group_rules.acts_for(user, assessment, current_stage(assessment).level)


def _require_actor(actor, assessment: Assessment) -> None:
    if not assessment.is_open:
        raise StateConflict(
            _("This assessment is closed: %(state)s.") % {"state": assessment.get_state_display()}
        )
    if assessment.parent_id:
        raise ValidationError(
            _("A group's rating moves with its village's assessment; act on that one.")
        )
    if not group_rules.acts_for(actor, assessment, current_stage(assessment).level):
        message = _("It is not your level's turn to act on this assessment.")
        # A level of the chain acting out of turn meets the assessment's state (409 on the
        # API); a level outside the chain may never act on it (403).
        unit = assessment.access_unit
        if any(acts_at_level(actor, unit, stage.level) for stage in stages_of(assessment)):
            raise OutOfTurn(message)
        raise PermissionDenied(message)


def participants(assessment: Assessment, stage: int) -> set[int]:
    """Who scored at a stage (the assessment or the group ratings it carries) or moved the
    assessment on from it."""
    scorers = Score.objects.filter(
        Q(assessment=assessment) | Q(assessment__parent=assessment), stage=stage
    ).values_list("author_id", flat=True)
    movers = Transition.objects.filter(
        assessment=assessment,
        from_stage=stage,
        action__in=[TransitionAction.SUBMIT, TransitionAction.PASS],
    ).values_list("actor_id", flat=True)
    return {pk for pk in [*scorers, *movers] if pk}


def _require_separation(actor, assessment: Assessment) -> None:
    if assessment.stage > 0 and actor.pk in participants(assessment, assessment.stage - 1):
        raise PermissionDenied(
            _(
                "You scored or submitted this assessment at the previous stage, so you cannot "
                "approve it at this one: another person must."
            )
        )


def effective_marks(assessment: Assessment, stage: int) -> dict[int, ItemMark]:
    """Each item's mark as it stands at `stage`: the latest stage up to it that scored the item."""
    marks: dict[int, tuple[int, ItemMark]] = {}
    rows = Score.objects.filter(assessment=assessment, is_current=True, stage__lte=stage)
    for row in rows.values("item_id", "stage", "points", "veto_violated"):
        seen = marks.get(row["item_id"])
        if seen is None or row["stage"] > seen[0]:
            mark = ItemMark(points=row["points"], veto_violated=row["veto_violated"])
            marks[row["item_id"]] = (row["stage"], mark)
    return {item_id: mark for item_id, (_stage, mark) in marks.items()}


def outcome_at(assessment: Assessment, stage: int | None = None) -> Outcome:
    stage = assessment.stage if stage is None else stage
    return evaluate(assessment.standard, effective_marks(assessment, stage))


def _current_scores(assessment: Assessment, stage: int) -> dict[int, Score]:
    rows = Score.objects.filter(assessment=assessment, stage=stage, is_current=True)
    return {score.item_id: score for score in rows}


# --- moving along the chain ----------------------------------------------------------------


def _locked(assessment: Assessment, expected_version: int | None) -> Assessment:
    locked = (
        Assessment.objects.select_for_update(no_key=True, of=("self",))
        .select_related("standard", "round")
        .get(pk=assessment.pk)
    )
    if expected_version is not None and locked.version != int(expected_version):
        raise ValidationError(
            _(
                "Someone changed this assessment after you opened it. Reload the page to see "
                "what changed, then act again."
            ),
            code="conflict",
        )
    return locked


def _move(
    actor,
    assessment: Assessment,
    action: str,
    to_stage: int,
    reason: str = "",
    items: list[int] | None = None,
    state: str = AssessmentState.OPEN,
) -> Transition:
    from_stage = assessment.stage
    assessment.stage = to_stage
    assessment.state = state
    assessment.reopened_items = list(items or [])
    assessment.version += 1
    if state != AssessmentState.OPEN:
        assessment.decided_at = timezone.now()
    assessment.save()
    if state == AssessmentState.NOT_AWARDED:
        signals.rating_not_kept.send(sender=Assessment, assessment=assessment)
    transition = Transition.objects.create(
        assessment=assessment,
        action=action,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        items=list(items or []),
        actor=actor,
    )
    record_event(
        actor=actor,
        action=AssessmentAction(f"assessment.{action}"),
        obj=assessment,
        unit_id=assessment.unit_id,
        before={"stage": from_stage},
        after={"stage": to_stage, "state": state, "reason": reason, "items": list(items or [])},
    )
    return transition


def _move_groups(actor, parent: Assessment, action: str, to_stage: int, reason: str = "") -> None:
    for group in parent.group_ratings.filter(state=AssessmentState.OPEN):
        _move(actor, group, action, to_stage, reason)


def _require_group_results(assessment: Assessment) -> None:
    if group_rules.reads_group_results(assessment):
        group_rules.require_groups_settled(assessment)


def _require_not_a_selection(assessment: Assessment) -> None:
    """评先 is decided against the places on the selection page (assessments/selection.py), and
    the city confirms it there with its document number: never one by one on the sheet."""
    reached = stages_of(assessment)[: assessment.stage + 1]
    if any(stage.kind == StageKind.SELECTION for stage in reached):
        raise StateConflict(
            _(
                "Advanced townships are selected against the places, and confirmed with the "
                "document number, on the round's selection page."
            )
        )


def _require_pass_rule(assessment: Assessment) -> None:
    outcome = outcome_at(assessment)
    if not outcome.passes:
        raise ValidationError(
            [_("The assessment does not meet the standard:")] + outcome.reasons(assessment.standard)
        )
