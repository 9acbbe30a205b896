"""Every write of the assessment chain, each with its audit event in the same transaction.

The chain is the standard's stages: position 0 is the applicant's self-assessment; each later
stage is a level that scores, then passes (or, at the last stage, decides) or returns. Nobody
acts outside their level and subtree, and whoever scored or moved the assessment at one stage
cannot approve it at the next.
"""

import math
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import group_rules, signals
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    Comment,
    RevocationCause,
    Round,
    RoundStatus,
    RoundTitle,
    Score,
    SpotCheck,
    SpotCheckEntry,
    SpotCheckResult,
    StageDeadline,
    TitleStatus,
    Transition,
    TransitionAction,
)
from audit.services import record_event
from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit
from registers.evidence import checked_upload, store_evidence
from registers.models import Evidence
from standards import metrics
from standards.models import TITLE_LEVELS, Item, Stage, Standard, TitleKind
from standards.scoring import ItemMark, Outcome, evaluate

VILLAGE_TITLES = (TitleKind.QUALIFIED_VILLAGE, TitleKind.FIRST_CLASS_VILLAGE)


class ScoreConflict(ValidationError):
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
        raise ValidationError(
            _("This assessment is closed: %(state)s.") % {"state": assessment.get_state_display()}
        )
    if assessment.parent_id:
        raise ValidationError(
            _("A group's rating moves with its village's assessment; act on that one.")
        )
    if not group_rules.acts_for(actor, assessment, current_stage(assessment).level):
        raise PermissionDenied(_("It is not your level's turn to act on this assessment."))


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


# --- rounds --------------------------------------------------------------------------------


def cadence_warnings(organiser: OrgUnit, year: int, titles, exclude_round=None) -> list[str]:
    """Townships are selected every two to three years, twice in five: warn when a round
    with the advanced-township title breaks that rhythm.

    Every other round of the organiser counts, a second one in the same year included; pass
    `exclude_round` when the round in question is already saved."""
    if TitleKind.ADVANCED_TOWNSHIP not in titles:
        return []
    others = RoundTitle.objects.filter(
        round__organiser=organiser, title=TitleKind.ADVANCED_TOWNSHIP
    )
    if exclude_round is not None:
        others = others.exclude(round=exclude_round)
    # One entry per round, not per year: two selections in one year are two selections.
    occurrences = sorted(others.values_list("round__year", flat=True))
    warnings = []
    if year in occurrences:
        warnings.append(
            _(
                "Townships were already selected in %(year)s: selections should be two to "
                "three years apart."
            )
            % {"year": year}
        )
    earlier = [y for y in occurrences if y < year]
    later = [y for y in occurrences if y > year]
    for neighbour in ([earlier[-1]] if earlier else []) + ([later[0]] if later else []):
        gap = abs(year - neighbour)
        if gap < 2:
            warnings.append(
                _(
                    "Townships were already selected in %(year)s: selections should be two to "
                    "three years apart."
                )
                % {"year": neighbour}
            )
        elif gap > 3:
            warnings.append(
                _(
                    "The previous or next township selection is in %(year)s, %(gap)s years away: "
                    "selections should be two to three years apart."
                )
                % {"year": neighbour, "gap": gap}
            )
    window = [y for y in occurrences if abs(y - year) < 5] + [year]
    for start in range(year - 4, year + 1):
        in_window = [y for y in window if start <= y <= start + 4]
        if len(in_window) > 2:
            warnings.append(
                _(
                    "%(count)s township selections fall within the five years %(first)s–%(last)s;"
                    " the plan asks for two."
                )
                % {"count": len(in_window), "first": start, "last": start + 4}
            )
            break
    return warnings


def do_create_round(
    actor,
    organiser: OrgUnit,
    *,
    year: int,
    name: str,
    standards: dict[str, Standard],
    deadlines: dict[str, dict[int, date]] | None = None,
) -> tuple[Round, list[str]]:
    """Open a round; returns it with the cadence warnings it raised. `actor` None is the system
    (the demo); a person must act for the organiser's level on it."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Give the round a name."))
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        errors.setdefault("year", []).append(_("Enter a year between 2000 and 2100."))
    if organiser.level > Level.COUNTY:
        errors.setdefault("organiser", []).append(
            _("Rounds are organised by a county or a higher level.")
        )
    if not standards:
        errors.setdefault("standards", []).append(_("Choose at least one title."))
    for title, standard in standards.items():
        if standard.title != title:
            errors.setdefault("standards", []).append(
                _("The standard “%(standard)s” is not for this title.") % {"standard": standard}
            )
            continue
        stages = standard.ordered_stages()
        # Without a second stage nobody reviews; without the applicant's level first nobody
        # can apply (a group is rated by its village, so its chain starts there).
        first_level = Level.VILLAGE if title == TitleKind.FIVE_GOOD_GROUP else TITLE_LEVELS[title]
        if len(stages) < 2 or stages[0].level != first_level:
            errors.setdefault("standards", []).append(
                _(
                    "The standard “%(standard)s” needs a chain that starts with the applicant "
                    "and has at least one reviewing stage."
                )
                % {"standard": standard}
            )
            continue
        for stage in (deadlines or {}).get(title) or {}:
            if not isinstance(stage, int) or not 0 <= stage < len(stages):
                errors.setdefault("deadlines", []).append(
                    _("The standard “%(standard)s” has no stage %(stage)s.")
                    % {"standard": standard, "stage": stage}
                )
    if Round.objects.filter(organiser=organiser, year=year, name=name).exists():
        errors.setdefault("name", []).append(_("This unit already has a round of that name."))
    if errors:
        raise ValidationError(errors)
    if actor is not None and not (
        getattr(actor, "is_superuser", False) or acts_at_level(actor, organiser, organiser.level)
    ):
        raise PermissionDenied(_("Rounds are opened by the organising level itself."))
    with transaction.atomic():
        round_ = Round.objects.create(organiser=organiser, year=year, name=name, created_by=actor)
        for title, standard in standards.items():
            round_title = RoundTitle.objects.create(round=round_, title=title, standard=standard)
            for stage, due in ((deadlines or {}).get(title) or {}).items():
                StageDeadline.objects.create(round_title=round_title, stage=stage, due=due)
        record_event(
            actor=actor,
            action="round.create",
            obj=round_,
            unit_id=organiser.pk,
            after={
                "year": year,
                "name": name,
                "standards": {t: s.pk for t, s in standards.items()},
            },
        )
    return round_, cadence_warnings(organiser, year, standards, exclude_round=round_)


def can_close_round(user, round_: Round) -> bool:
    return getattr(user, "is_superuser", False) or acts_at_level(
        user, round_.organiser, round_.organiser.level
    )


def do_close_round(actor, round_: Round) -> Round:
    """Close the year's rating (动态管理): from now on a title of the round's kinds held the year
    before and not kept by this round (not awarded, or due and not re-rated) lapses from the
    round's year (assessments/standing.py). Assessments still open stay as they are."""
    with transaction.atomic():
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        if actor is not None and not can_close_round(actor, round_):
            raise PermissionDenied(_("Rounds are closed by the organising level itself."))
        if round_.status == RoundStatus.CLOSED:
            return round_  # closing twice changes nothing and records nothing
        lapsing = due_for_rerating(round_, reviewed=False)
        round_.status = RoundStatus.CLOSED
        round_.save(update_fields=["status"])
        record_event(
            actor=actor,
            action="round.close",
            obj=round_,
            unit_id=round_.organiser_id,
            before={"status": RoundStatus.OPEN},
            after={
                "status": RoundStatus.CLOSED,
                "lapsed": {title: len(units) for title, units in lapsing.items()},
            },
        )
        signals.round_closed.send(sender=Round, round=round_)
    return round_


def due_for_rerating(round_: Round, *, reviewed: bool = True) -> dict[str, list[OrgUnit]]:
    """复查: per title the round assesses, the units of its subtree holding the title the year
    before (assessments/standing.py), and (unless `reviewed`) only those not yet kept by this
    round. Titles with a validity in years are not due."""
    from assessments import standing

    closed = standing.closed_ratings()
    result: dict[str, list[OrgUnit]] = {}
    for title in round_.titles.values_list("title", flat=True):
        titles = AwardedTitle.objects.filter(
            title=title,
            unit__status="active",
            **{f"unit__{LEVEL_COLUMNS[round_.organiser.level]}": round_.organiser},
        )
        held = titles.held_in(round_.year - 1, closed).filter(valid_years__isnull=True)
        units = OrgUnit.objects.filter(pk__in=held.values("unit_id"))
        if not reviewed:
            kept = AwardedTitle.objects.filter(title=title, year=round_.year).exclude(
                status=TitleStatus.REVOKED
            )
            units = units.exclude(pk__in=kept.values("unit_id"))
        result[title] = list(units.order_by("township__name", "division_code", "name"))
    return result


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
        raise ValidationError(_("This round is closed: it takes no more applications."))
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
        raise ValidationError(_("This unit has already applied for this title in this round."))
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
            raise ValidationError(
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
            action="assessment.apply",
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


# --- scoring -------------------------------------------------------------------------------


def _item_id(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _parse_points(raw, item: Item, errors: dict) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        errors[str(item.pk)] = _("Item %(number)s: enter a number.") % {"number": item.number}
        return None
    if not value.is_finite() or value < 0 or value > item.points:
        errors[str(item.pk)] = _("Item %(number)s: the score must be between 0 and %(points)s.") % {
            "number": item.number,
            "points": item.points,
        }
        return None
    if value != value.quantize(Decimal("0.1")):
        errors[str(item.pk)] = _("Item %(number)s: use at most one decimal place.") % {
            "number": item.number
        }
        return None
    return value


def scoring_target(assessment: Assessment) -> Assessment:
    """The assessment whose stage governs a score: a group rating's village assessment."""
    return assessment.parent if assessment.parent_id else assessment


def do_save_scores(
    actor, assessment: Assessment, entries: list[ScoreInput], *, comment: str = ""
) -> list[Score]:
    """Save a stage's scores as new versions. All or nothing: any bad entry or any conflict
    writes nothing."""
    with transaction.atomic():
        # Decide on the stored state under the lock, never on a copy the caller read earlier:
        # a pass or return between the check and the write would score the wrong stage.
        assessment = (
            Assessment.objects.select_for_update(no_key=True, of=("self",))
            .select_related("standard", "round", "unit")
            .get(pk=assessment.pk)
        )
        governing = (
            Assessment.objects.select_for_update(no_key=True, of=("self",))
            .select_related("standard", "round")
            .get(pk=assessment.parent_id)
            if assessment.parent_id
            else assessment
        )
        _require_actor(actor, governing)
        if assessment.parent_id and (not assessment.is_open or assessment.stage != governing.stage):
            raise ValidationError(_("This group's rating is not open at this stage."))
        stage = assessment.stage
        items = {
            item.pk: item for item in Item.objects.filter(section__standard=assessment.standard)
        }
        errors: dict[str, str] = {}
        reopened = set(governing.reopened_items or []) if governing is assessment else set()
        parsed = []
        for entry in entries:
            item = items.get(_item_id(entry.item_id))
            if item is None:
                raise ValidationError(_("An item does not belong to this standard."))
            if any(seen.pk == item.pk for seen, _entry, _points in parsed):
                # A second current version of the same cell would break the one-current rule.
                errors[str(item.pk)] = _("Item %(number)s is given twice.") % {
                    "number": item.number
                }
                continue
            if reopened and item.pk not in reopened:
                errors[str(item.pk)] = _(
                    "Item %(number)s was not returned for change; only the returned items reopen."
                ) % {"number": item.number}
                continue
            points = _parse_points(entry.points, item, errors)
            if item.is_veto and entry.veto_violated is None and points is not None:
                errors[str(item.pk)] = _(
                    "Item %(number)s is a veto item: say whether it is clear."
                ) % {"number": item.number}
            parsed.append((item, entry, points))
        if errors:
            raise ValidationError(errors)
        year = assessment.round.year
        locked = assessment
        current = _current_scores(locked, stage)
        conflicts = [
            item
            for item, entry, _points in parsed
            if entry.base is not None
            and (current[item.pk].pk if item.pk in current else 0) != _item_id(entry.base)
        ]
        if conflicts:
            raise ScoreConflict(conflicts)
        saved = []
        for item, entry, points in parsed:
            previous = current.get(item.pk)
            if previous and _same(previous, points, entry):
                continue
            if item.metric == group_rules.FIVE_GOOD_METRIC and stage > 0:
                group_rules.require_groups_settled(assessment)
            reading = metrics.reading_for(item, assessment.unit, year) if item.metric else None
            suggested = reading.suggested if reading else None
            overridden = suggested is not None and points is not None and points != suggested
            if overridden and not (entry.override_reason or "").strip():
                raise ValidationError(
                    {
                        str(item.pk): _(
                            "Item %(number)s: the registers suggest %(suggested)s; give a "
                            "reason for scoring otherwise."
                        )
                        % {"number": item.number, "suggested": suggested}
                    }
                )
            if previous:
                Score.objects.filter(pk=previous.pk).update(is_current=False)
            saved.append(
                Score.objects.create(
                    assessment=locked,
                    item=item,
                    stage=stage,
                    points=points,
                    veto_violated=entry.veto_violated if item.is_veto else None,
                    current_state=(entry.current_state or "").strip(),
                    measures=(entry.measures or "").strip(),
                    suggested=suggested,
                    metric_value=reading.display if reading else "",
                    override_reason=(entry.override_reason or "").strip(),
                    author=actor,
                )
            )
        if comment.strip():
            Comment.objects.create(
                assessment=locked, stage=stage, text=comment.strip(), author=actor
            )
        if saved or comment.strip():
            locked.version += 1
            locked.save(update_fields=["version", "updated_at"])
            assessment.version = locked.version
            record_event(
                actor=actor,
                action="assessment.score",
                obj=locked,
                unit_id=locked.unit_id,
                after={
                    "stage": stage,
                    "scores": {
                        s.item.number: {
                            "points": str(s.points) if s.points is not None else None,
                            "veto_violated": s.veto_violated,
                        }
                        for s in saved
                    },
                },
            )
    return saved


def _same(previous: Score, points, entry: ScoreInput) -> bool:
    return (
        previous.points == points
        and previous.veto_violated == (entry.veto_violated if previous.item.is_veto else None)
        and previous.current_state == (entry.current_state or "").strip()
        and previous.measures == (entry.measures or "").strip()
        and previous.override_reason == (entry.override_reason or "").strip()
    )


def can_comment(user, assessment: Assessment) -> bool:
    """Whoever acts at some stage of the assessment's chain may comment on it."""
    target = scoring_target(assessment)
    return any(acts_at_level(user, target.access_unit, stage.level) for stage in stages_of(target))


def do_comment(actor, assessment: Assessment, text: str, item: Item | None = None) -> Comment:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write a comment first."))
    if not can_comment(actor, assessment):
        raise PermissionDenied(_("Only the levels of this assessment's chain comment on it."))
    if item is not None and item.section.standard_id != assessment.standard_id:
        raise ValidationError(_("An item does not belong to this standard."))
    with transaction.atomic():
        comment = Comment.objects.create(
            assessment=assessment, item=item, stage=assessment.stage, text=text, author=actor
        )
        record_event(
            actor=actor,
            action="assessment.comment",
            obj=assessment,
            unit_id=assessment.unit_id,
            after={"item": item.number if item else None, "text": text[:500]},
        )
    return comment


def do_attach_evidence(
    actor, assessment: Assessment, uploaded, item: Item | None = None
) -> Evidence:
    """Attach an evidence file to an item (slot `item-<id>`) or to the whole assessment (no
    slot). Whoever may score the assessment now may attach; a per-item return reopens only
    its items for evidence too."""
    assessment = Assessment.objects.select_related("standard", "parent").get(pk=assessment.pk)
    target = scoring_target(assessment)
    _require_actor(actor, target)
    if item is not None:
        if item.section.standard_id != assessment.standard_id:
            raise ValidationError(_("An item does not belong to this standard."))
        reopened = set(target.reopened_items or []) if target is assessment else set()
        if reopened and item.pk not in reopened:
            raise ValidationError(
                _("Item %(number)s was not returned for change; only the returned items reopen.")
                % {"number": item.number}
            )
    checked = checked_upload(uploaded)

    def audit(evidence: Evidence) -> None:
        record_event(
            actor=actor,
            action="assessment.evidence",
            obj=assessment,
            unit_id=assessment.unit_id,
            after={
                "evidence": evidence.pk,
                "item": item.number if item is not None else None,
                "name": evidence.original_name,
                "type": evidence.mime_type,
                "size": evidence.size,
                "sha256": evidence.sha256,
            },
        )

    # Evidence belongs to the unit whose subtree sees the assessment: a migrant group's files
    # are its home village's to see.
    slot = f"item-{item.pk}" if item is not None else ""
    unit = assessment.access_unit
    return store_evidence(actor, assessment, uploaded, checked, slot=slot, unit=unit, audit=audit)


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
        action=f"assessment.{action}",
        obj=assessment,
        unit_id=assessment.unit_id,
        before={"stage": from_stage},
        after={"stage": to_stage, "state": state, "reason": reason, "items": list(items or [])},
    )
    return transition


def _move_groups(actor, parent: Assessment, action: str, to_stage: int, reason: str = "") -> None:
    for group in parent.group_ratings.filter(state=AssessmentState.OPEN):
        _move(actor, group, action, to_stage, reason)


def do_submit(actor, assessment: Assessment, *, expected_version: int | None = None) -> Assessment:
    """The applicant sends the self-assessment up: every item must be scored."""
    with transaction.atomic():
        assessment = _locked(assessment, expected_version)
        _require_actor(actor, assessment)
        if assessment.stage != 0:
            raise ValidationError(_("Only a self-assessment is submitted."))
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
            raise ValidationError(_("A self-assessment is submitted, not passed."))
        if is_last_stage(assessment):
            raise ValidationError(_("This is the last stage: decide instead."))
        _require_separation(actor, assessment)
        _require_pass_rule(assessment)
        _require_group_results(assessment)
        leaving = assessment.stage
        _move(actor, assessment, TransitionAction.PASS, leaving + 1, reason)
        if leaving == 1:
            _settle_group_ratings(actor, assessment, unverified_groups)
    return assessment


def _require_group_results(assessment: Assessment) -> None:
    if group_rules.reads_group_results(assessment):
        group_rules.require_groups_settled(assessment)


def _require_pass_rule(assessment: Assessment) -> None:
    outcome = outcome_at(assessment)
    if not outcome.passes:
        raise ValidationError(
            [_("The assessment does not meet the standard:")] + outcome.reasons(assessment.standard)
        )


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
            raise ValidationError(_("A self-assessment cannot be returned; it is still yours."))
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
            raise ValidationError(_("Only the last stage of the chain decides."))
        _require_separation(actor, assessment)
        if award:
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
        action="title.award",
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
            raise ValidationError(_("Only an application not yet submitted can be withdrawn."))
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
            raise ValidationError(_("Only a title in force can be revoked."))
        title.status = TitleStatus.REVOKED
        title.revoked_by = actor
        title.revoked_at = timezone.now()
        title.revocation_cause = cause
        title.revocation_reason = reason
        title.revoked_from = effective_year
        title.save()
        record_event(
            actor=actor,
            action="title.revoke",
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


# What the spot check's columns hold: a PositiveSmallIntegerField and a BigIntegerField.
MAX_SAMPLE_COUNT = 32767
MAX_SEED = 2**63 - 1


def spot_check_population(round_: Round, title: str) -> list[Assessment]:
    """Awarded, unrevoked assessments of the round for the title, in a fixed order."""
    rows = (
        Assessment.objects.filter(
            round=round_,
            title=title,
            state=AssessmentState.AWARDED,
            awarded_title__status=TitleStatus.AWARDED,
        )
        .select_related("unit")
        .order_by("unit__township", "unit__division_code", "unit__name", "pk")
    )
    return list(rows)


def draw_sample(
    population: list[tuple[int, int]], *, seed: int, share=None, count=None
) -> list[int]:
    """The reproducible draw: population is (township id, assessment id) in a fixed order;
    each township's sample is `count`, or `share` of its units rounded up."""
    rng = random.Random(seed)
    by_township: dict[int, list[int]] = {}
    for township, assessment_id in population:
        by_township.setdefault(township, []).append(assessment_id)
    chosen: list[int] = []
    for township in sorted(by_township):
        members = by_township[township]
        wanted = count if count is not None else math.ceil(Decimal(str(share)) * len(members))
        chosen += sorted(rng.sample(members, min(int(wanted), len(members))))
    return chosen


def do_draw_spot_check(
    actor, round_: Round, title: str, *, share=None, count=None, seed: int | None = None
) -> SpotCheck:
    if (share is None) == (count is None):
        raise ValidationError(_("Give either a share or a count per township."))
    if share is not None:
        # Draw with the share as it is stored (three decimals), never with a float's binary
        # expansion: 0.1 × 10 units must give 1 unit now and when re-drawn from the record.
        try:
            share = Decimal(str(share)).quantize(Decimal("0.001"))
        except (InvalidOperation, ValueError):
            share = None
        if share is None or not Decimal("0") < share <= Decimal("1"):
            raise ValidationError({"share": _("The share must be above 0 and at most 100%.")})
    if count is not None:
        count = _item_id(count)
        if count is None or not 1 <= count <= MAX_SAMPLE_COUNT:
            raise ValidationError(
                {
                    "count": _("The count must be between 1 and %(maximum)s.")
                    % {"maximum": MAX_SAMPLE_COUNT}
                }
            )
    if seed is not None:
        seed = _item_id(seed)
        if seed is None or not 0 <= seed <= MAX_SEED:
            raise ValidationError(
                {
                    "seed": _("The seed must be a whole number from 0 to %(maximum)s.")
                    % {"maximum": MAX_SEED}
                }
            )
    if not acts_at_level(actor, round_.organiser, Level.COUNTY):
        raise PermissionDenied(_("Spot checks are drawn by the county."))
    seed = secrets.randbits(48) if seed is None else seed
    population = [(a.unit.township_id or 0, a.pk) for a in spot_check_population(round_, title)]
    if not population:
        raise ValidationError(_("No awarded unit of this round and title to draw from."))
    chosen = draw_sample(population, seed=seed, share=share, count=count)
    with transaction.atomic():
        check = SpotCheck.objects.create(
            round=round_,
            title=title,
            share=share,
            count=count,
            seed=seed,
            population=[list(pair) for pair in population],
            drawn_by=actor,
        )
        SpotCheckEntry.objects.bulk_create(
            SpotCheckEntry(spot_check=check, assessment_id=pk) for pk in chosen
        )
        record_event(
            actor=actor,
            action="spot_check.draw",
            obj=check,
            unit_id=round_.organiser_id,
            after={
                "seed": seed,
                "share": str(share) if share else None,
                "count": count,
                "population": len(population),
                "sample": chosen,
            },
        )
    return check


def redraw(check: SpotCheck) -> list[int]:
    """Draw again from the recorded population and seed: equals the recorded sample."""
    population = [tuple(pair) for pair in check.population]
    return draw_sample(population, seed=check.seed, share=check.share, count=check.count)


def do_record_inspection(
    actor, entry: SpotCheckEntry, *, passed: bool, reason: str = ""
) -> SpotCheckEntry:
    reason = (reason or "").strip()
    if not passed and not reason:
        raise ValidationError({"reason": _("Say what the inspection found.")})
    with transaction.atomic():
        # Under the lock: two inspectors recording the same unit at once record it once.
        entry = (
            SpotCheckEntry.objects.select_for_update(no_key=True, of=("self",))
            .select_related("assessment", "spot_check")
            .get(pk=entry.pk)
        )
        assessment = entry.assessment
        if not acts_at_level(actor, assessment.unit, Level.COUNTY):
            raise PermissionDenied(_("Spot checks are inspected by the county."))
        if entry.result != SpotCheckResult.PENDING:
            raise ValidationError(_("This unit's inspection is already recorded."))
        entry.result = SpotCheckResult.PASSED if passed else SpotCheckResult.FAILED
        entry.reason = reason
        entry.inspected_by = actor
        entry.inspected_at = timezone.now()
        entry.save()
        record_event(
            actor=actor,
            action="spot_check.inspect",
            obj=entry.spot_check,
            unit_id=assessment.unit_id,
            after={"assessment": assessment.pk, "result": entry.result, "reason": reason},
        )
        title = AwardedTitle.objects.filter(assessment=assessment).first()
        # A title revoked since the draw (a veto found later, say) stays revoked for its own
        # cause; the failed inspection is still recorded.
        if not passed and title is not None and title.status == TitleStatus.AWARDED:
            do_revoke_title(actor, title, cause=RevocationCause.SPOT_CHECK, reason=reason)
    return entry
