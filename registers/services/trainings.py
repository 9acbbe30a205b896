"""Every write to trainings, with the members who may attend one."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from core.errors import add_error, check_fields
from orgs.models import Level, OrgUnit, subtree_q
from registers.actions import RegisterAction
from registers.models import (
    Audience,
    Member,
    MemberStatus,
    Training,
)
from registers.services.fields import (
    MAX_HOURS,
    TRAINING_FIELDS,
    _check_date,
    _decimal,
    _decimal_text,
    _long_text,
    _merge_model_errors,
    _text,
)

# Trainings


def eligible_attendees(organiser: OrgUnit):
    """Active members of the associations inside the organiser's subtree."""
    if organiser.level == Level.GROUP:
        condition = Q(group=organiser)
    else:
        condition = subtree_q(organiser, "unit")
    return (
        Member.objects.filter(condition, status=MemberStatus.ACTIVE)
        .select_related("unit")
        .order_by("unit__name", "name", "id")
    )


def training_snapshot(training: Training) -> dict[str, Any]:
    return {
        "organiser": training.organiser_id,
        "date": training.date.isoformat() if training.date else None,
        "title": training.title,
        "audiences": sorted(training.audiences or []),
        "hours": _decimal_text(training, "hours"),
        "location": training.location,
        "note": training.note,
        "attendees": sorted(training.attendees.values_list("pk", flat=True)) if training.pk else [],
    }


def _attendee_members(training: Training, raw, errors: dict) -> list[Member] | None:
    if raw is None:
        return None
    ids = []
    for item in raw:
        try:
            ids.append(item.pk if isinstance(item, Member) else int(item))
        except (TypeError, ValueError):
            add_error(errors, "attendees", _("Choose members from the register."))
            return None
    found = {m.pk: m for m in eligible_attendees(training.organiser).filter(pk__in=set(ids))}
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        names = dict(Member.objects.filter(pk__in=missing).values_list("pk", "name"))
        for member_id in missing:
            add_error(
                errors,
                "attendees",
                _("“%(name)s” is not an active member of an association under “%(unit)s”.")
                % {"name": names.get(member_id, member_id), "unit": training.organiser.name},
            )
        return None
    return [found[i] for i in dict.fromkeys(ids)]


def _apply_training(training: Training, fields: dict[str, Any], today: date):
    errors: dict[str, list[str]] = {}
    attendees = fields.pop("attendees", None)
    if "title" in fields:
        training.title = _text(fields.pop("title"))
    if "location" in fields:
        training.location = _text(fields.pop("location"))
    if "note" in fields:
        training.note = _long_text(fields.pop("note"))
    if "date" in fields:
        training.date = fields.pop("date")
    if "audiences" in fields:
        training.audiences = list(dict.fromkeys(fields.pop("audiences") or []))
    if "hours" in fields:
        training.hours = _decimal(
            errors,
            "hours",
            fields.pop("hours"),
            Decimal("0.1"),
            MAX_HOURS,
            _("Hours must be more than 0 and at most 100."),
        )
    if not training.title:
        add_error(errors, "title", _("Enter the title."))
    _check_date(errors, "date", training.date, today)
    if not training.audiences:
        add_error(errors, "audiences", _("Choose at least one audience."))
    elif any(a not in Audience.values for a in training.audiences):
        add_error(errors, "audiences", _("Choose the audience from the list."))
    if training.hours is None and "hours" not in errors:
        add_error(errors, "hours", _("Enter the hours."))
    members = _attendee_members(training, attendees, errors)
    _merge_model_errors(training, errors, exclude=["attendees", "organiser", "hours", "date"])
    if errors:
        raise ValidationError(errors)
    return members


def do_create_training(actor, organiser: OrgUnit, **fields: Any) -> Training:
    check_fields(fields, TRAINING_FIELDS)
    training = Training(organiser=organiser, audiences=[])
    fields.setdefault("title", "")
    fields.setdefault("date", None)
    fields.setdefault("hours", None)
    fields.setdefault("audiences", [])
    members = _apply_training(training, dict(fields), timezone.localdate())
    with transaction.atomic():
        training.save()
        if members:
            training.attendees.set(members)
        record_event(
            actor=actor,
            action=RegisterAction.TRAINING_CREATE,
            obj=training,
            unit_id=organiser.pk,
            after=training_snapshot(training),
        )
    return training


def do_update_training(actor, training: Training, **changes: Any) -> Training:
    check_fields(changes, TRAINING_FIELDS)
    with transaction.atomic():
        training = (
            Training.objects.select_for_update(no_key=True, of=("self",))
            .select_related("organiser")
            .get(pk=training.pk)
        )
        before = training_snapshot(training)
        members = _apply_training(training, dict(changes), timezone.localdate())
        training.save()
        if members is not None:
            training.attendees.set(members)
        after = training_snapshot(training)
        record_change(
            actor=actor,
            action=RegisterAction.TRAINING_UPDATE,
            obj=training,
            unit_id=training.organiser_id,
            before=before,
            after=after,
        )
    return training


def do_delete_training(actor, training: Training) -> None:
    with transaction.atomic():
        before = training_snapshot(training)
        record_event(
            actor=actor,
            action=RegisterAction.TRAINING_DELETE,
            obj=training,
            unit_id=training.organiser_id,
            before=before,
        )
        training.delete()
