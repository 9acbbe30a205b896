"""Every write to the association tree, each with its audit event in the same transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from core.errors import StateConflict
from orgs import signals
from orgs.actions import OrgAction
from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit, Status

EDITABLE_FIELDS = (
    "name",
    "category",
    "division_code",
    "population",
    "households",
    "is_key_village",
    "home_village",
)


def unit_snapshot(unit: OrgUnit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "level": unit.level,
        "category": unit.category,
        "parent": unit.parent_id,
        "division_code": unit.division_code,
        "population": unit.population,
        "households": unit.households,
        "is_key_village": unit.is_key_village,
        "home_village": unit.home_village_id,
        "status": unit.status,
    }


def copy_ancestor_columns(unit: OrgUnit, parent: OrgUnit | None) -> None:
    for level, column in LEVEL_COLUMNS.items():
        if level < unit.level:
            setattr(unit, f"{column}_id", getattr(parent, f"{column}_id") if parent else None)


def normalise_unit(unit: OrgUnit) -> None:
    unit.name = " ".join((unit.name or "").split())
    unit.division_code = (unit.division_code or "").strip() or None


def do_create_unit(actor, *, parent: OrgUnit | None, **fields: Any) -> OrgUnit:
    unit = OrgUnit(parent=parent, **fields)
    normalise_unit(unit)
    unit.full_clean()
    try:
        with transaction.atomic():
            copy_ancestor_columns(unit, parent)
            unit.save()
            if unit.level in LEVEL_COLUMNS:
                setattr(unit, f"{LEVEL_COLUMNS[unit.level]}_id", unit.pk)
                unit.save(update_fields=[f"{LEVEL_COLUMNS[unit.level]}"])
            record_event(
                actor=actor,
                action=OrgAction.UNIT_CREATE,
                obj=unit,
                unit_id=unit.pk,
                after=unit_snapshot(unit),
            )
            signals.unit_changed.send(sender=OrgAction.UNIT_CREATE, unit=unit, before={})
    except IntegrityError:
        # A double submit (or a colleague) saved the same name or code just before: the
        # check, run again now that it is committed, names the clash instead of a 500.
        unit.pk = None
        unit.full_clean()
        raise
    return unit


def do_update_unit(actor, unit: OrgUnit, **changes: Any) -> OrgUnit:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fields not editable here: {sorted(unknown)}")
    with transaction.atomic():
        unit = OrgUnit.objects.select_for_update(no_key=True).get(pk=unit.pk)
        before = unit_snapshot(unit)
        for field, value in changes.items():
            setattr(unit, field, value)
        normalise_unit(unit)
        unit.full_clean()
        unit.save()
        after = unit_snapshot(unit)
        record_change(
            actor=actor,
            action=OrgAction.UNIT_UPDATE,
            obj=unit,
            unit_id=unit.pk,
            before=before,
            after=after,
        )
        if before["category"] != after["category"]:
            # A village that becomes an enterprise association (or back) moves between the
            # roll-ups' village and enterprise figures.
            signals.unit_changed.send(sender=OrgAction.UNIT_UPDATE, unit=unit, before=before)
    return unit


def do_move_unit(actor, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    with transaction.atomic():
        unit = OrgUnit.objects.select_for_update(no_key=True).get(pk=unit.pk)
        old_parent_id = unit.parent_id
        if old_parent_id == new_parent.pk:
            return unit
        unit.parent = new_parent
        if unit.level == Level.GROUP and new_parent.category != Category.URBAN_BRANCH:
            unit.home_village = None
        unit.full_clean()
        copy_ancestor_columns(unit, new_parent)
        unit.save()
        above = {
            f"{column}_id": getattr(unit, f"{column}_id")
            for level, column in LEVEL_COLUMNS.items()
            if level < unit.level
        }
        moved = OrgUnit.objects.subtree_of(unit).update(**above)
        record_event(
            actor=actor,
            action=OrgAction.UNIT_MOVE,
            obj=unit,
            unit_id=unit.pk,
            before={"parent": old_parent_id},
            after={"parent": new_parent.pk, "units_moved": moved},
        )
        signals.unit_changed.send(
            sender=OrgAction.UNIT_MOVE, unit=unit, before={"parent": old_parent_id}
        )
    return unit


def do_retire_unit(actor, unit: OrgUnit, reason: str) -> int:
    """Retire the unit and its active subtree; returns how many units were retired."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the unit is retired.")})
    with transaction.atomic():
        unit = OrgUnit.objects.select_for_update(no_key=True).get(pk=unit.pk)
        if not unit.is_active:
            raise StateConflict(_("“%(name)s” is already retired.") % {"name": unit.name})
        retired = (
            OrgUnit.objects.subtree_of(unit)
            .active()
            .update(status=Status.RETIRED, retired_at=timezone.now(), retired_reason=reason)
        )
        record_event(
            actor=actor,
            action=OrgAction.UNIT_RETIRE,
            obj=unit,
            unit_id=unit.pk,
            before={"status": Status.ACTIVE},
            after={"status": Status.RETIRED, "reason": reason, "units_retired": retired},
        )
        signals.unit_changed.send(sender=OrgAction.UNIT_RETIRE, unit=unit, before={})
    return retired


def do_reinstate_unit(actor, unit: OrgUnit) -> OrgUnit:
    """Bring one retired unit back (not its subtree, which is reinstated unit by unit)."""
    with transaction.atomic():
        unit = OrgUnit.objects.select_for_update(no_key=True).get(pk=unit.pk)
        if unit.is_active:
            return unit
        unit.status, unit.retired_at, unit.retired_reason = Status.ACTIVE, None, ""
        unit.full_clean()
        unit.save()
        record_event(
            actor=actor,
            action=OrgAction.UNIT_REINSTATE,
            obj=unit,
            unit_id=unit.pk,
            before={"status": Status.RETIRED},
            after={"status": Status.ACTIVE},
        )
        signals.unit_changed.send(sender=OrgAction.UNIT_REINSTATE, unit=unit, before={})
    return unit


def can_delete_unit(unit: OrgUnit) -> bool:
    return not OrgUnit.objects.filter(parent=unit).exists()


def do_delete_unit(actor, unit: OrgUnit) -> None:
    """Delete a unit entered by mistake. A unit with children or records is retired instead."""
    if not can_delete_unit(unit):
        raise ValidationError(_("A unit with subordinate units cannot be deleted; retire it."))
    try:
        with transaction.atomic():
            snapshot = unit_snapshot(unit)
            record_event(
                actor=actor,
                action=OrgAction.UNIT_DELETE,
                obj=unit,
                unit_id=unit.parent_id,
                before=snapshot,
            )
            signals.unit_changed.send(sender=OrgAction.UNIT_DELETE, unit=unit, before={})
            unit.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("Records refer to this unit, so it cannot be deleted; retire it instead.")
        ) from error
