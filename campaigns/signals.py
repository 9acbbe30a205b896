"""Receivers that keep the roll-ups current in the transaction of each change.

Titles arrive through assessments' own signals (assessments must not import campaigns); register
records through the models' save and delete signals; changes to the tree, bulk loads and member
imports through the audit events their services write after the change is complete (a move has
rewritten its subtree's ancestor columns by then, which the unit's own save has not)."""

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from assessments import signals as title_signals
from audit.models import AuditEvent, Result
from campaigns import rollups
from orgs.models import OrgUnit
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
TREE_ACTIONS = {
    "orgs.unit.create",
    "orgs.unit.move",
    "orgs.unit.retire",
    "orgs.unit.reinstate",
    "orgs.unit.delete",
}
BULK_ACTIONS = {"orgs.bulk_load", "registers.bulk_load"}
IMPORT_ACTION = "registers.import"


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
    units, and an edit that changes none of it changes no figure."""
    if instance.pk is not None and not kwargs.get("raw"):
        instance._rollup_before = (
            sender.objects.filter(pk=instance.pk).values(*COUNTED_FIELDS[sender]).first()
        )


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


@receiver(post_save, sender=AuditEvent, dispatch_uid="rollups-audit")
def event_recorded(sender, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw") or instance.result != Result.OK:
        return
    action = instance.action
    if action in TREE_ACTIONS:
        unit = OrgUnit.objects.filter(pk=instance.object_id).first()
        if unit is not None:
            tree_changed(action, unit, instance.before or {})
    elif action in BULK_ACTIONS or (
        action == IMPORT_ACTION and (instance.after or {}).get("kind") == "members"
    ):
        # Bulk writes send no model signals. A member import spanning several counties has no
        # common unit: everything is recomputed.
        unit = OrgUnit.objects.filter(pk=instance.unit_id).first() if instance.unit_id else None
        if unit is not None:
            rollups.refresh_subtree(unit)
        else:
            rollups.refresh_all()


def tree_changed(action: str, unit: OrgUnit, before: dict) -> None:
    if action == "orgs.unit.retire":
        rollups.retired(unit)
    elif action == "orgs.unit.delete":
        # Written just before the delete, which only a unit without children or records passes.
        rollups.deleting(unit)
    elif action == "orgs.unit.move":
        if before.get("parent"):
            rollups.refresh(before["parent"])
        rollups.refresh(unit.parent_id)
    else:  # created or reinstated: the unit's own share (a group's: its parent's) appears
        rollups.refresh(unit.pk)
