"""Scores, comments and evidence at the assessment's current stage."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import group_rules
from assessments.actions import AssessmentAction
from assessments.models import (
    Assessment,
    Comment,
    Score,
)
from assessments.services.chain import (
    ScoreConflict,
    ScoreInput,
    _current_scores,
    _require_actor,
    stages_of,
)
from audit.services import record_event
from core.errors import StateConflict
from registers.evidence import checked_upload, store_evidence
from registers.models import Evidence
from standards import metrics
from standards.models import Item

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
            raise StateConflict(_("This group's rating is not open at this stage."))
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
                    metric_value=_stored_reading(reading),
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
                action=AssessmentAction.ASSESSMENT_SCORE,
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


def _stored_reading(reading: metrics.Reading | None) -> str:
    """The registers' reading as kept with the score: a long one (a village with many vacant
    posts names each) is cut to the column, which answered 500 on PostgreSQL before."""
    limit = Score._meta.get_field("metric_value").max_length
    text = reading.display if reading else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
            action=AssessmentAction.ASSESSMENT_COMMENT,
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
            action=AssessmentAction.ASSESSMENT_EVIDENCE,
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
