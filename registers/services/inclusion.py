"""A township's yearly inclusion record: checking and saving it."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import add_error
from orgs.models import Category, Level, OrgUnit
from registers.actions import RegisterAction
from registers.models import (
    InclusionItem,
    InclusionRecord,
)
from registers.services.fields import FIRST_YEAR, _check_date, _text
from registers.services.rules import ConflictError

# 三纳入四同时


def takes_inclusion(unit: OrgUnit) -> bool:
    """Townships and streets: 三纳入四同时 is about their party and government. An urban branch
    is an association of people who moved to town and has no government of its own."""
    return unit.level == Level.TOWNSHIP and unit.category != Category.URBAN_BRANCH


def check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if not isinstance(year, int) or year < FIRST_YEAR or year > this_year:
        raise ValidationError(
            {
                "year": [
                    _("Choose a year from %(first)s to %(last)s.")
                    % {"first": FIRST_YEAR, "last": this_year}
                ]
            }
        )


def _require_township(unit: OrgUnit) -> None:
    if not takes_inclusion(unit):
        raise ValidationError(
            _("三纳入四同时 is kept for townships and streets only."), code="not_township"
        )


def inclusion_records(township: OrgUnit, year: int) -> dict[str, InclusionRecord]:
    return {
        r.item: r
        for r in InclusionRecord.objects.filter(township=township, year=year).prefetch_related(
            "evidence"
        )
    }


def _inclusion_snapshot(record: InclusionRecord) -> dict[str, Any]:
    return {
        "achieved": record.achieved,
        "date": record.date.isoformat() if record.date else None,
        "note": record.note,
    }


def inclusion_version(records) -> int:
    """The version of a township's checklist for a year: the sum of its items' versions, which
    every save that changes an item raises (0 before the first save)."""
    return sum(record.version for record in records)


def do_save_inclusion(
    actor,
    township: OrgUnit,
    year: int,
    entries: dict[str, dict[str, Any]],
    expected_version: int | None = None,
) -> list[InclusionRecord]:
    """Save the checklist items given (achieved, date, note); the others stay as they are.

    With `expected_version` (the checklist's version as read, `inclusion_version`), a save after
    someone else's raises ConflictError and changes nothing."""
    _require_township(township)
    check_year(year)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, dict[str, Any]] = {}
    for item, entry in entries.items():
        if item not in InclusionItem.values:
            add_error(errors, "item", _("Choose a checklist item."))
            continue
        when = entry.get("date")
        _check_date(errors, f"{item}.date", when, today, required=False)
        note = _text(entry.get("note", ""))
        if len(note) > 300:
            add_error(errors, f"{item}.note", _("The note is longer than 300 characters."))
        cleaned[item] = {"achieved": bool(entry.get("achieved")), "date": when, "note": note}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = {
            r.item: r
            for r in InclusionRecord.objects.select_for_update(no_key=True).filter(
                township=township, year=year
            )
        }
        if expected_version is not None and inclusion_version(existing.values()) != (
            expected_version
        ):
            raise _inclusion_conflict()
        before, after, saved = {}, {}, []
        for item, values in cleaned.items():
            record = existing.get(item) or InclusionRecord(township=township, year=year, item=item)
            old = _inclusion_snapshot(record) if record.pk else None
            for name, value in values.items():
                setattr(record, name, value)
            new = _inclusion_snapshot(record)
            if old != new:
                if record.pk:
                    record.version += 1
                try:
                    with transaction.atomic():
                        record.save()
                except IntegrityError as error:
                    # Two first saves of one item at once: the other one made the row.
                    raise _inclusion_conflict() from error
                before[item], after[item] = old, new
            saved.append(record)
        if after:
            record_event(
                actor=actor,
                action=RegisterAction.INCLUSION_SAVE,
                object_type="registers.inclusionrecord",
                object_id=f"{township.pk}:{year}",
                object_label=f"{township.name} {year}",
                unit_id=township.pk,
                before=before,
                after=after,
            )
    return saved


def do_get_inclusion_record(actor, township: OrgUnit, year: int, item: str) -> InclusionRecord:
    """The item's row, created empty (and audited) when evidence arrives before any answer."""
    _require_township(township)
    check_year(year)
    if item not in InclusionItem.values:
        raise ValidationError({"item": [_("Choose a checklist item.")]})
    record = InclusionRecord.objects.filter(township=township, year=year, item=item).first()
    if record is not None:
        return record
    try:
        with transaction.atomic():
            record = InclusionRecord.objects.create(township=township, year=year, item=item)
            record_event(
                actor=actor,
                action=RegisterAction.INCLUSION_SAVE,
                obj=record,
                unit_id=township.pk,
                after={item: _inclusion_snapshot(record)},
            )
    except IntegrityError:
        record = InclusionRecord.objects.get(township=township, year=year, item=item)
    return record


def _inclusion_conflict() -> ConflictError:
    return ConflictError(
        _(
            "Someone else saved this checklist after you opened it. Nothing was overwritten: "
            "your entries are still in the form; compare them with the saved checklist and save "
            "again."
        ),
        code="conflict",
    )


def _conflict() -> ConflictError:
    return ConflictError(
        _(
            "Someone else saved this profile after you opened it. Nothing was overwritten: your "
            "entries are still in the form; compare them with the saved profile and save again."
        ),
        code="conflict",
    )
