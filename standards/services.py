"""Every write to a standard: import, copy, edits of the standard, its sections, items and chain,
and confirmation. Each writes its audit event in the same transaction.

A version that a round has pinned is frozen: every edit of it is refused (copy it to a new version
instead), so a new version never changes a past round's results. Callers check who may edit
(standards.access); these functions check what may change.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from core.errors import add_error, check_fields
from orgs.models import Level, OrgUnit
from standards.files import (
    MAX_POINTS,
    StandardData,
    build_standard,
    next_version,
    parse_standard,
    standard_to_document,
)
from standards.metrics import METRICS
from standards.models import TITLE_LEVELS, Item, Section, Stage, StageKind, Standard, TitleKind

STANDARD_FIELDS = (
    "name",
    "description",
    "pass_total",
    "pass_rule_is_assumption",
    "prerequisite",
    "prerequisite_same_round",
    "validity_years",
)
SECTION_FIELDS = ("name", "points", "min_points", "is_assumption", "note")
ITEM_FIELDS = (
    "number",
    "text",
    "points",
    "guidance",
    "evidence_asked",
    "is_veto",
    "metric",
    "metric_bands",
    "is_assumption",
)
STAGE_FIELDS = ("kind", "level", "is_spot_check")


class FrozenError(ValidationError):
    """The version is pinned by a round."""


def _text(value) -> str:
    return str(value or "").strip()


def _plain(value) -> str | None:
    return None if value is None else str(value)


def standard_snapshot(standard: Standard) -> dict[str, Any]:
    return {
        "name": standard.name,
        "description": standard.description,
        "pass_total": _plain(standard.pass_total),
        "pass_rule_is_assumption": standard.pass_rule_is_assumption,
        "prerequisite": standard.prerequisite,
        "prerequisite_same_round": standard.prerequisite_same_round,
        "validity_years": standard.validity_years,
        "is_example": standard.is_example,
    }


def section_snapshot(section: Section) -> dict[str, Any]:
    return {
        "position": section.position,
        "name": section.name,
        "points": _plain(section.points),
        "min_points": _plain(section.min_points),
        "is_assumption": section.is_assumption,
        "note": section.note,
    }


def item_snapshot(item: Item) -> dict[str, Any]:
    return {
        "section": item.section_id,
        "position": item.position,
        "number": item.number,
        "text": item.text,
        "points": _plain(item.points),
        "guidance": item.guidance,
        "evidence_asked": item.evidence_asked,
        "is_veto": item.is_veto,
        "metric": item.metric,
        "metric_bands": item.metric_bands,
        "is_assumption": item.is_assumption,
    }


def stage_snapshot(stage: Stage) -> dict[str, Any]:
    return {
        "position": stage.position,
        "kind": stage.kind,
        "level": stage.level,
        "is_spot_check": stage.is_spot_check,
    }


def _locked(standard: Standard) -> Standard:
    """The standard as stored now, locked; refused when a round has pinned it."""
    standard = Standard.objects.select_for_update(no_key=True).get(pk=standard.pk)
    if standard.is_frozen:
        raise FrozenError(
            _(
                "Version %(version)s of “%(name)s” is used by an assessment round and can no "
                "longer change. Copy it to a new version and edit that."
            )
            % {"version": standard.version, "name": standard.name}
        )
    return standard


def _points(errors: dict, field: str, value, *, nullable=False) -> Decimal | None:
    if value in (None, ""):
        if not nullable:
            add_error(errors, field, _("Enter the points."))
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        add_error(errors, field, _("Enter a number."))
        return None
    if not number.is_finite() or number < 0 or number > MAX_POINTS:
        add_error(errors, field, _("Enter a number from 0 to 99999.9."))
        return None
    if number != number.quantize(Decimal("0.1")):
        add_error(errors, field, _("Use at most one decimal place."))
        return None
    return number.quantize(Decimal("0.1"))


def parse_bands_text(text: str) -> list[dict]:
    """“50=5；30=3” or one “minimum=score” a line → bands; ValidationError naming the bad part."""
    bands = []
    for part in (
        text.replace("；", ";").replace("，", ";").replace(",", ";").replace("\n", ";").split(";")
    ):
        part = part.strip().replace("＝", "=")
        if not part:
            continue
        minimum, sep, score = part.partition("=")
        try:
            if not sep:
                raise InvalidOperation
            bands.append({"min": Decimal(minimum.strip()), "score": Decimal(score.strip())})
        except InvalidOperation:
            raise ValidationError(
                _("“%(part)s” is not a band; write the minimum and the score as 50=5.")
                % {"part": part}
            ) from None
    return bands


def bands_text(bands: list[dict]) -> str:
    return "；".join(f"{b['min']}={b['score']}" for b in bands)


def _clean_bands(errors: dict, bands, points: Decimal | None, metric: str) -> list[dict]:
    cleaned = []
    seen = set()
    for band in bands or []:
        minimum = _points(errors, "metric_bands", band.get("min"))
        score = _points(errors, "metric_bands", band.get("score"))
        if minimum is None or score is None:
            continue
        if points is not None and score > points:
            add_error(
                errors,
                "metric_bands",
                _("A band's score %(score)s is more than the item's %(points)s points.")
                % {"score": score, "points": points},
            )
        if minimum in seen:
            add_error(
                errors,
                "metric_bands",
                _("Two bands have the same minimum %(min)s.") % {"min": minimum},
            )
        seen.add(minimum)
        cleaned.append({"min": _number_text(minimum), "score": _number_text(score)})
    if cleaned and not metric:
        add_error(errors, "metric_bands", _("Bands need a metric to read."))
    return sorted(cleaned, key=lambda b: Decimal(b["min"]))


def _number_text(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


def _next_position(queryset) -> int:
    last = queryset.aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1


# Standards as a whole


@transaction.atomic
def do_import_standard(
    actor, data: StandardData, *, unit: OrgUnit | None = None, source: str = ""
) -> Standard:
    """A new version of the document's title, from checked data (standards.files.parse_standard)."""
    # Lock the title's versions so two imports do not draw the same number.
    list(Standard.objects.select_for_update(no_key=True).filter(title=data.title).values_list("pk"))
    standard = build_standard(
        data,
        models=apps,
        version=next_version(apps, data.title),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        unit=unit,
    )
    record_event(
        actor=actor,
        action="standards.standard.import",
        obj=standard,
        unit_id=unit.pk if unit else None,
        after={"title": standard.title, "version": standard.version, "source": source[:200]},
    )
    return standard


@transaction.atomic
def do_copy_standard(actor, standard: Standard, *, unit: OrgUnit | None = None) -> Standard:
    """A new version with everything of `standard`, kept by `unit`; it stays an example (with its
    assumption marks) until confirmed, and is never frozen."""
    data, errors = parse_standard(standard_to_document(standard))
    if errors:  # an edited version may be inconsistent; a copy keeps it as it is
        data = _data_as_stored(standard)
    list(
        Standard.objects.select_for_update(no_key=True)
        .filter(title=standard.title)
        .values_list("pk")
    )
    copy = build_standard(
        data,
        models=apps,
        version=next_version(apps, standard.title),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        unit=unit,
        based_on=standard,
    )
    if standard.validity_years is not None:
        copy.validity_years = standard.validity_years
        copy.save(update_fields=["validity_years"])
    record_event(
        actor=actor,
        action="standards.standard.copy",
        obj=copy,
        unit_id=unit.pk if unit else None,
        after={"based_on": standard.pk, "title": copy.title, "version": copy.version},
    )
    return copy


def _data_as_stored(standard: Standard) -> StandardData:
    from standards.files import ItemData, SectionData, StageData

    return StandardData(
        title=standard.title,
        name=standard.name,
        description=standard.description,
        pass_total=standard.pass_total,
        pass_rule_is_assumption=standard.pass_rule_is_assumption,
        prerequisite=standard.prerequisite,
        prerequisite_same_round=standard.prerequisite_same_round,
        is_example=standard.is_example,
        sections=[
            SectionData(
                name=s.name,
                points=s.points,
                min_points=s.min_points,
                is_assumption=s.is_assumption,
                note=s.note,
                items=[
                    ItemData(
                        number=i.number,
                        text=i.text,
                        points=i.points,
                        guidance=i.guidance,
                        evidence_asked=i.evidence_asked,
                        is_veto=i.is_veto,
                        metric=i.metric,
                        metric_bands=list(i.metric_bands),
                        is_assumption=i.is_assumption,
                    )
                    for i in s.items.order_by("position")
                ],
            )
            for s in standard.sections.order_by("position")
        ],
        stages=[
            StageData(kind=st.kind, level=st.level, is_spot_check=st.is_spot_check)
            for st in standard.stages.order_by("position")
        ],
    )


def do_update_standard(actor, standard: Standard, **changes: Any) -> Standard:
    """Name, description, pass rule (minimum total, assumption mark) and prerequisite."""
    check_fields(changes, STANDARD_FIELDS)
    with transaction.atomic():
        standard = _locked(standard)
        before = standard_snapshot(standard)
        errors: dict[str, list[str]] = {}
        if "name" in changes:
            standard.name = _text(changes["name"])
            if not standard.name:
                add_error(errors, "name", _("Enter the name."))
            elif len(standard.name) > 200:
                add_error(errors, "name", _("The name is longer than 200 characters."))
        if "description" in changes:
            standard.description = _text(changes["description"])
        if "pass_total" in changes:
            total = _points(errors, "pass_total", changes["pass_total"])
            if total is not None:
                if total > standard.total_points:
                    add_error(
                        errors,
                        "pass_total",
                        _("The minimum total %(minimum)s is more than the %(total)s points.")
                        % {"minimum": total, "total": standard.total_points},
                    )
                standard.pass_total = total
        if "prerequisite" in changes:
            prerequisite = _text(changes["prerequisite"])
            if prerequisite and prerequisite not in TitleKind.values:
                add_error(errors, "prerequisite", _("Choose a title from the list."))
            elif prerequisite == standard.title:
                add_error(errors, "prerequisite", _("A title cannot be its own prerequisite."))
            else:
                standard.prerequisite = prerequisite
        if "validity_years" in changes:
            years = changes["validity_years"]
            if years in (None, ""):
                standard.validity_years = None
            elif not isinstance(years, int) or not 1 <= years <= 10:
                add_error(
                    errors, "validity_years", _("Enter a number of years from 1 to 10, or none.")
                )
            else:
                standard.validity_years = years
        for flag in ("pass_rule_is_assumption", "prerequisite_same_round"):
            if flag in changes:
                setattr(standard, flag, bool(changes[flag]))
        if errors:
            raise ValidationError(errors)
        standard.save()
        record_change(
            actor=actor,
            action="standards.standard.update",
            obj=standard,
            unit_id=standard.unit_id,
            before=before,
            after=standard_snapshot(standard),
        )
    return standard


def consistency_problems(standard: Standard) -> list[str]:
    """What keeps a version from being confirmed: sums, the pass rule, bands and the chain."""
    problems = []
    sections = list(standard.sections.prefetch_related("items").order_by("position"))
    if not sections:
        problems.append(_("The standard has no sections."))
    total = Decimal("0")
    for section in sections:
        items = list(section.items.all())
        total += section.points
        if not items:
            problems.append(_("Section “%(name)s” has no items.") % {"name": section.name})
        item_sum = sum((i.points for i in items), Decimal("0"))
        if items and item_sum != section.points:
            problems.append(
                _("Section “%(name)s” has %(points)s points but its items add up to %(sum)s.")
                % {"name": section.name, "points": section.points, "sum": item_sum}
            )
        if section.min_points is not None and section.min_points > section.points:
            problems.append(
                _("Section “%(name)s” asks for more than its points.") % {"name": section.name}
            )
    if standard.pass_total > total:
        problems.append(
            _("The minimum total %(minimum)s is more than the standard's %(total)s points.")
            % {"minimum": standard.pass_total, "total": total}
        )
    stages = standard.ordered_stages()
    if len(stages) < 2:
        problems.append(_("The chain needs the applicant's stage and at least one review."))
    else:
        applicant = TITLE_LEVELS[standard.title]
        expected = Level.VILLAGE if applicant == Level.GROUP else applicant
        if stages[0].level != expected:
            problems.append(
                _("The first stage must act at the level of %(level)s.")
                % {"level": Level(expected).label}
            )
        if stages[0].is_spot_check:
            problems.append(_("The applicant's own stage cannot be a spot check."))
        for before, after in zip(stages, stages[1:], strict=False):
            if after.level > before.level:
                problems.append(
                    _("Stage %(position)s acts at a lower level than the stage before it.")
                    % {"position": after.position + 1}
                )
    return problems


def do_confirm_standard(actor, standard: Standard) -> Standard:
    """A county officer adopts the version as the local standard: no longer an example, and its
    assumption marks cleared — the event lists what was an assumption, so nothing is forgotten."""
    with transaction.atomic():
        # Confirmation changes no scoring rule, so a frozen version may be confirmed too.
        standard = Standard.objects.select_for_update(no_key=True).get(pk=standard.pk)
        if not standard.is_example:
            raise ValidationError(_("This version is already confirmed."))
        problems = consistency_problems(standard)
        if problems:
            raise ValidationError(problems)
        sections = list(standard.sections.filter(is_assumption=True).values_list("name", flat=True))
        items = list(
            Item.objects.filter(section__standard=standard, is_assumption=True).values_list(
                "number", flat=True
            )
        )
        was = {
            "is_example": True,
            "pass_rule_is_assumption": standard.pass_rule_is_assumption,
            "assumed_sections": sections,
            "assumed_items": items,
        }
        standard.sections.update(is_assumption=False)
        Item.objects.filter(section__standard=standard).update(is_assumption=False)
        standard.is_example = False
        standard.pass_rule_is_assumption = False
        standard.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
        standard.confirmed_at = timezone.now()
        standard.save()
        record_event(
            actor=actor,
            action="standards.standard.confirm",
            obj=standard,
            unit_id=standard.unit_id,
            before=was,
            after={"is_example": False, "confirmed_at": standard.confirmed_at.isoformat()},
        )
    return standard


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
            action=f"standards.{model._meta.model_name}.create",
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
            action=f"standards.{part._meta.model_name}.update",
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
            action="standards.section.delete",
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
            action="standards.item.create",
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
            action="standards.item.update",
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
            action="standards.item.delete",
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
            action="standards.stage.delete",
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
            action=f"standards.{obj._meta.model_name}.move",
            obj=obj,
            unit_id=standard.unit_id,
            before={"position": first},
            after={"position": second},
        )
