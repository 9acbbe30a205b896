"""Receivers that keep the roll-ups current in the transaction of each change.

The apps below send what changed and campaigns listens, since they must not import it: titles
through assessments' signals, the tree's changes and bulk loads through orgs' signals (sent by its
services once a change is complete: a move has rewritten its subtree's ancestor columns by then,
which the unit's own save has not), register records written in bulk (a bulk load, a members
import) through registers' signal, and single register records through the models' save and
delete signals, compared with the values they were read with (core/loaded.py) rather than a
second read of the row."""

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from assessments import signals as title_signals
from campaigns import rollups
from orgs import signals as tree_signals
from orgs.actions import OrgAction
from orgs.models import OrgUnit
from registers import signals as register_signals
from registers.models import Member, ServiceActivity, Training

# The field that places each register record on a unit.
RECORD_UNITS = {Member: "unit_id", Training: "organiser_id", ServiceActivity: "unit_id"}
# The fields the roll-ups read from each record (campaigns.rollups.compute): an edit that leaves
# them all as they were (a member's phone, an activity's notes) moves no figure.
COUNTED_FIELDS = {
    Member: ("unit_id", "status", "join_date", "status_date"),
    Training: ("organiser_id", "date"),
    ServiceActivity: ("unit_id", "date", "people_served"),
}
# Deleted one at a time by their services. Members are never deleted by a service (they leave by
# status), and a delete receiver would cost every bulk delete Django's fast path (the bench's
# clean-up deletes 100,000 members): a member deleted in the admin needs `rollups refresh`.
DELETED_ONE_BY_ONE = (Training, ServiceActivity)


@receiver(title_signals.title_awarded)
@receiver(title_signals.title_revoked)
def title_changed(sender, title, **kwargs: Any) -> None:
    rollups.refresh(title.unit_id)


@receiver(title_signals.titles_superseded)
def titles_superseded(sender, unit, **kwargs: Any) -> None:
    rollups.refresh(unit.pk)


@receiver(title_signals.rating_not_kept)
def rating_not_kept(sender, assessment, **kwargs: Any) -> None:
    # A unit's decided "not awarded" ends last year's title from the round's year.
    rollups.refresh(assessment.unit_id)


@receiver(title_signals.round_closed)
def round_closed(sender, round, **kwargs: Any) -> None:
    # Titles not kept by the round lapse across its organiser's whole subtree.
    rollups.refresh_subtree(round.organiser)


def remember_unit(sender, instance, **kwargs: Any) -> None:
    """Before an edit, note what the roll-ups read from the record: a transfer changes two
    units, and an edit that changes none of it changes no figure. The values it was read with
    tell; only a record whose values are not known (refreshed, or never read) is read again."""
    if instance.pk is None or kwargs.get("raw"):
        return
    fields = COUNTED_FIELDS[sender]
    loaded = getattr(instance, "loaded_values", {})
    if all(name in loaded for name in fields):
        instance._rollup_before = {name: loaded[name] for name in fields}
    else:
        instance._rollup_before = sender.objects.filter(pk=instance.pk).values(*fields).first()


def record_saved(sender, instance, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    field = RECORD_UNITS[sender]
    unit_id = getattr(instance, field)
    before = getattr(instance, "_rollup_before", None)
    instance._rollup_before = None
    if before is not None:
        if all(getattr(instance, name) == value for name, value in before.items()):
            return
        if before[field] != unit_id:
            rollups.refresh(before[field])
    rollups.refresh(unit_id)


def record_deleted(sender, instance, **kwargs: Any) -> None:
    rollups.refresh(getattr(instance, RECORD_UNITS[sender]))


for model in RECORD_UNITS:
    pre_save.connect(remember_unit, sender=model, dispatch_uid=f"rollups-pre-{model.__name__}")
    post_save.connect(record_saved, sender=model, dispatch_uid=f"rollups-save-{model.__name__}")
for model in DELETED_ONE_BY_ONE:
    post_delete.connect(
        record_deleted, sender=model, dispatch_uid=f"rollups-delete-{model.__name__}"
    )


@receiver(tree_signals.unit_changed, dispatch_uid="rollups-unit-changed")
def unit_changed(sender, unit: OrgUnit, before: dict, **kwargs: Any) -> None:
    # Read again: a retirement has updated the subtree's rows, not the caller's instance.
    current = OrgUnit.objects.filter(pk=unit.pk).first()
    if current is not None:
        tree_changed(sender, current, before or {})


@receiver(tree_signals.units_loaded, dispatch_uid="rollups-units-loaded")
def units_loaded(sender, root: OrgUnit, **kwargs: Any) -> None:
    rollups.refresh_subtree(root)


@receiver(register_signals.records_loaded, dispatch_uid="rollups-records-loaded")
def records_loaded(sender, unit_id: int | None, **kwargs: Any) -> None:
    # A member import spanning several counties has no common unit: everything is recomputed.
    unit = OrgUnit.objects.filter(pk=unit_id).first() if unit_id else None
    if unit is not None:
        rollups.refresh_subtree(unit)
    else:
        rollups.refresh_all()


def tree_changed(action: OrgAction, unit: OrgUnit, before: dict) -> None:
    if action == OrgAction.UNIT_RETIRE:
        rollups.retired(unit)
    elif action == OrgAction.UNIT_DELETE:
        # Written just before the delete, which only a unit without children or records passes.
        rollups.deleting(unit)
    elif action == OrgAction.UNIT_MOVE:
        if before.get("parent"):
            rollups.refresh(before["parent"])
        rollups.refresh(unit.parent_id)
    else:  # created or reinstated: the unit's own share (a group's: its parent's) appears
        rollups.refresh(unit.pk)
