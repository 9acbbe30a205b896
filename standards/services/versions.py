"""A standard as a whole: importing, copying, editing and confirming a version."""

from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from core.errors import add_error, check_fields
from orgs.models import Level, OrgUnit
from standards.actions import StandardAction
from standards.files import (
    StandardData,
    build_standard,
    next_version,
    parse_standard,
    standard_to_document,
)
from standards.models import TITLE_LEVELS, Item, Standard, TitleKind
from standards.services.common import STANDARD_FIELDS, _locked, _points, _text, standard_snapshot

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
        action=StandardAction.STANDARD_IMPORT,
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
        action=StandardAction.STANDARD_COPY,
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
            action=StandardAction.STANDARD_UPDATE,
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
            action=StandardAction.STANDARD_CONFIRM,
            obj=standard,
            unit_id=standard.unit_id,
            before=was,
            after={"is_example": False, "confirmed_at": standard.confirmed_at.isoformat()},
        )
    return standard
