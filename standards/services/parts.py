"""A standard's sections, items and chain of stages: adding, editing, deleting and moving them."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from core.errors import add_error, check_fields
from orgs.models import Level
from standards.actions import StandardAction
from standards.metrics import METRICS
from standards.models import Item, Section, Stage, StageKind, Standard
from standards.services.common import (
    ITEM_FIELDS,
    SECTION_FIELDS,
    STAGE_FIELDS,
    _clean_bands,
    _locked,
    _next_position,
    _points,
    _text,
    item_snapshot,
    section_snapshot,
    stage_snapshot,
)

# Sections


def _add_part(actor, standard: Standard, model, related: str, apply, snapshot, fields: dict):
    """A section or a stage (`model`, reached as `standard.<related>`) added at the end, with its
    audit event in the same transaction."""
    with transaction.atomic():
        standard = _locked(standard)
        part = model(standard=standard, position=_next_position(getattr(standard, related)))
        errors: dict[str, list[str]] = {}
        apply(part, fields, errors)
        if errors:
            raise ValidationError(errors)
        part.save()
        record_event(
            actor=actor,
            action=StandardAction(f"standards.{model._meta.model_name}.create"),
            obj=part,
            unit_id=standard.unit_id,
            after={"standard": standard.pk, **snapshot(part)},
        )
    return part


def _update_part(actor, part, apply, snapshot, changes: dict):
    """A section or a stage changed under its standard's lock, with its audit change."""
    with transaction.atomic():
        standard = _locked(part.standard)
        part = type(part).objects.get(pk=part.pk)
        before = snapshot(part)
        errors: dict[str, list[str]] = {}
        apply(part, changes, errors)
        if errors:
            raise ValidationError(errors)
        part.save()
        record_change(
            actor=actor,
            action=StandardAction(f"standards.{part._meta.model_name}.update"),
            obj=part,
            unit_id=standard.unit_id,
            before=before,
            after=snapshot(part),
        )
    return part


def _apply_section(section: Section, fields: dict, errors: dict) -> None:
    if "name" in fields:
        section.name = _text(fields["name"])
        if not section.name:
            add_error(errors, "name", _("Enter the name."))
        elif len(section.name) > 100:
            add_error(errors, "name", _("The name is longer than 100 characters."))
    if "points" in fields:
        section.points = _points(errors, "points", fields["points"])
    if "min_points" in fields:
        section.min_points = _points(errors, "min_points", fields["min_points"], nullable=True)
    if (
        section.min_points is not None
        and section.points is not None
        and section.min_points > section.points
    ):
        add_error(errors, "min_points", _("The minimum is more than the section's points."))
    if "is_assumption" in fields:
        section.is_assumption = bool(fields["is_assumption"])
    if "note" in fields:
        section.note = _text(fields["note"])


def do_add_section(actor, standard: Standard, **fields: Any) -> Section:
    check_fields(fields, SECTION_FIELDS)
    fields.setdefault("name", "")
    fields.setdefault("points", None)
    return _add_part(actor, standard, Section, "sections", _apply_section, section_snapshot, fields)


def do_update_section(actor, section: Section, **changes: Any) -> Section:
    check_fields(changes, SECTION_FIELDS)
    return _update_part(actor, section, _apply_section, section_snapshot, changes)


def do_delete_section(actor, section: Section) -> None:
    """Removes the section with its items."""
    with transaction.atomic():
        standard = _locked(section.standard)
        section = Section.objects.get(pk=section.pk)
        snapshot = section_snapshot(section)
        snapshot["items"] = [i.number for i in section.items.order_by("position")]
        record_event(
            actor=actor,
            action=StandardAction.SECTION_DELETE,
            obj=section,
            unit_id=standard.unit_id,
            before={"standard": standard.pk, **snapshot},
        )
        section.delete()


# Items


def _apply_item(item: Item, fields: dict, errors: dict) -> None:
    if "number" in fields:
        item.number = _text(fields["number"])
        if not item.number:
            add_error(errors, "number", _("Enter the item's number."))
        elif len(item.number) > 10:
            add_error(errors, "number", _("The number is longer than 10 characters."))
    if "text" in fields:
        item.text = _text(fields["text"])
        if not item.text:
            add_error(errors, "text", _("Enter the item's text."))
    if "points" in fields:
        item.points = _points(errors, "points", fields["points"])
    for name in ("guidance", "evidence_asked"):
        if name in fields:
            setattr(item, name, _text(fields[name]))
    for name in ("is_veto", "is_assumption"):
        if name in fields:
            setattr(item, name, bool(fields[name]))
    if "metric" in fields:
        item.metric = _text(fields["metric"])
        if item.metric and item.metric not in METRICS:
            add_error(errors, "metric", _("Choose a metric from the list."))
    if "metric_bands" in fields or "metric" in fields or "points" in fields:
        item.metric_bands = _clean_bands(
            errors,
            fields.get("metric_bands", item.metric_bands),
            item.points,
            item.metric,
        )


def _number_taken(item: Item, standard: Standard) -> bool:
    return (
        Item.objects.filter(section__standard=standard, number=item.number)
        .exclude(pk=item.pk)
        .exists()
    )


def do_add_item(actor, section: Section, **fields: Any) -> Item:
    check_fields(fields, ITEM_FIELDS)
    for name in ("number", "text", "points"):
        fields.setdefault(name, None)
    with transaction.atomic():
        standard = _locked(section.standard)
        position = _next_position(section.items)
        item = Item(section=section, position=position, metric_bands=[])
        errors: dict[str, list[str]] = {}
        _apply_item(item, fields, errors)
        if item.number and _number_taken(item, standard):
            add_error(errors, "number", _("Another item of this standard has this number."))
        if errors:
            raise ValidationError(errors)
        item.save()
        record_event(
            actor=actor,
            action=StandardAction.ITEM_CREATE,
            obj=item,
            unit_id=standard.unit_id,
            after=item_snapshot(item),
        )
    return item


def do_update_item(actor, item: Item, **changes: Any) -> Item:
    check_fields(changes, ITEM_FIELDS)
    with transaction.atomic():
        standard = _locked(item.section.standard)
        item = Item.objects.get(pk=item.pk)
        before = item_snapshot(item)
        errors: dict[str, list[str]] = {}
        _apply_item(item, changes, errors)
        if item.number and _number_taken(item, standard):
            add_error(errors, "number", _("Another item of this standard has this number."))
        if errors:
            raise ValidationError(errors)
        item.save()
        record_change(
            actor=actor,
            action=StandardAction.ITEM_UPDATE,
            obj=item,
            unit_id=standard.unit_id,
            before=before,
            after=item_snapshot(item),
        )
    return item


def do_delete_item(actor, item: Item) -> None:
    with transaction.atomic():
        standard = _locked(item.section.standard)
        item = Item.objects.get(pk=item.pk)
        record_event(
            actor=actor,
            action=StandardAction.ITEM_DELETE,
            obj=item,
            unit_id=standard.unit_id,
            before=item_snapshot(item),
        )
        item.delete()


# The chain


def _apply_stage(stage: Stage, fields: dict, errors: dict) -> None:
    if "kind" in fields:
        stage.kind = _text(fields["kind"])
        if stage.kind not in StageKind.values:
            add_error(errors, "kind", _("Choose a stage from the list."))
    if "level" in fields:
        try:
            stage.level = int(fields["level"])
        except (TypeError, ValueError):
            stage.level = None
        if stage.level not in Level.values or stage.level == Level.GROUP:
            add_error(errors, "level", _("Choose the acting level from the list."))
    if "is_spot_check" in fields:
        stage.is_spot_check = bool(fields["is_spot_check"])


def do_add_stage(actor, standard: Standard, **fields: Any) -> Stage:
    """A stage at the end of the chain."""
    check_fields(fields, STAGE_FIELDS)
    fields.setdefault("kind", "")
    fields.setdefault("level", None)
    return _add_part(actor, standard, Stage, "stages", _apply_stage, stage_snapshot, fields)


def do_update_stage(actor, stage: Stage, **changes: Any) -> Stage:
    check_fields(changes, STAGE_FIELDS)
    return _update_part(actor, stage, _apply_stage, stage_snapshot, changes)


def do_delete_stage(actor, stage: Stage) -> None:
    """Removes the stage; the later ones move up, so the chain keeps positions 0, 1, 2…"""
    with transaction.atomic():
        standard = _locked(stage.standard)
        stage = Stage.objects.get(pk=stage.pk)
        record_event(
            actor=actor,
            action=StandardAction.STAGE_DELETE,
            obj=stage,
            unit_id=standard.unit_id,
            before={"standard": standard.pk, **stage_snapshot(stage)},
        )
        stage.delete()
        # Position 0 is the applicant's stage: the chain must stay without gaps.
        for position, later in enumerate(standard.stages.order_by("position")):
            if later.position != position:
                Stage.objects.filter(pk=later.pk).update(position=position)


def do_move(actor, obj: Section | Item | Stage, offset: int) -> None:
    """Swap a section, item or stage with its neighbour (offset -1 up, +1 down)."""
    if isinstance(obj, Item):
        standard, siblings = obj.section.standard, Item.objects.filter(section=obj.section_id)
    else:
        standard = obj.standard
        siblings = type(obj).objects.filter(standard=standard)
    with transaction.atomic():
        standard = _locked(standard)
        obj = type(obj).objects.get(pk=obj.pk)
        ordered = list(siblings.order_by("position"))
        index = next(i for i, o in enumerate(ordered) if o.pk == obj.pk)
        target = index + offset
        if not 0 <= target < len(ordered):
            return
        other = ordered[target]
        first, second = obj.position, other.position
        # Positions are unique: park one row out of the way while the other moves.
        type(obj).objects.filter(pk=obj.pk).update(position=32767)
        type(obj).objects.filter(pk=other.pk).update(position=first)
        type(obj).objects.filter(pk=obj.pk).update(position=second)
        record_event(
            actor=actor,
            action=StandardAction(f"standards.{obj._meta.model_name}.move"),
            obj=obj,
            unit_id=standard.unit_id,
            before={"position": first},
            after={"position": second},
        )
