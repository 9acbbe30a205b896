"""Every write to service activities."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from core.errors import add_error, check_fields
from orgs.models import OrgUnit
from registers.actions import RegisterAction
from registers.models import (
    Carrier,
    Need,
    ServiceActivity,
)
from registers.services.fields import (
    ACTIVITY_FIELDS,
    MAX_FUNDS,
    MAX_PEOPLE,
    WHOLE_NUMBER,
    _check_date,
    _decimal,
    _decimal_text,
    _long_text,
    _merge_model_errors,
    _text,
)
from registers.services.record_evidence import _delete_file_on_commit

# Service activities


def carrier_choices():
    return Carrier.objects.filter(is_active=True).order_by("sort_order", "id")


def activity_snapshot(activity: ServiceActivity) -> dict[str, Any]:
    return {
        "unit": activity.unit_id,
        "date": activity.date.isoformat() if activity.date else None,
        "carrier": activity.carrier_id,
        "needs": sorted(activity.needs or []),
        "title": activity.title,
        "description": activity.description,
        "people_served": activity.people_served,
        "funds": _decimal_text(activity, "funds"),
    }


def _apply_activity(activity: ServiceActivity, fields: dict[str, Any], today: date) -> None:
    errors: dict[str, list[str]] = {}
    if "title" in fields:
        activity.title = _text(fields.pop("title"))
    if "description" in fields:
        activity.description = _long_text(fields.pop("description"))
    if "date" in fields:
        activity.date = fields.pop("date")
    if "needs" in fields:
        activity.needs = list(dict.fromkeys(fields.pop("needs") or []))
    if "carrier" in fields:
        carrier = fields.pop("carrier")
        if carrier is not None and not isinstance(carrier, Carrier):
            carrier = Carrier.objects.filter(pk=carrier).first()
        if carrier is None:
            add_error(errors, "carrier", _("Choose the carrier or project."))
        elif not carrier.is_active and carrier.pk != activity.carrier_id:
            add_error(errors, "carrier", _("This carrier is no longer in use."))
        else:
            activity.carrier = carrier
    if "people_served" in fields:
        value = fields.pop("people_served")
        if value in (None, ""):
            value = 0
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value))
            except ValueError:
                add_error(errors, "people_served", gettext(WHOLE_NUMBER))
                value = 0
        if value < 0 or value > MAX_PEOPLE:
            add_error(errors, "people_served", _("The number of people served cannot be negative."))
        activity.people_served = value
    if "funds" in fields:
        value = fields.pop("funds")
        funds = _decimal(
            errors,
            "funds",
            Decimal(0) if value in (None, "") else value,
            Decimal(0),
            MAX_FUNDS,
            _("Funds cannot be negative or above 9,999,999,999.99 yuan."),
        )
        activity.funds = funds if funds is not None else Decimal(0)
    if not activity.title:
        add_error(errors, "title", _("Enter the title."))
    _check_date(errors, "date", activity.date, today)
    if activity.carrier_id is None and "carrier" not in errors:
        add_error(errors, "carrier", _("Choose the carrier or project."))
    if any(n not in Need.values for n in activity.needs or []):
        add_error(errors, "needs", _("Choose the needs from the list."))
    _merge_model_errors(
        activity, errors, exclude=["unit", "carrier", "date", "needs", "people_served", "funds"]
    )
    if errors:
        raise ValidationError(errors)


def do_create_activity(actor, unit: OrgUnit, **fields: Any) -> ServiceActivity:
    check_fields(fields, ACTIVITY_FIELDS)
    activity = ServiceActivity(unit=unit, needs=[])
    fields.setdefault("title", "")
    fields.setdefault("date", None)
    fields.setdefault("carrier", None)
    _apply_activity(activity, dict(fields), timezone.localdate())
    with transaction.atomic():
        activity.save()
        record_event(
            actor=actor,
            action=RegisterAction.ACTIVITY_CREATE,
            obj=activity,
            unit_id=unit.pk,
            after=activity_snapshot(activity),
        )
    return activity


def do_update_activity(actor, activity: ServiceActivity, **changes: Any) -> ServiceActivity:
    check_fields(changes, ACTIVITY_FIELDS)
    with transaction.atomic():
        activity = ServiceActivity.objects.select_for_update(no_key=True).get(pk=activity.pk)
        before = activity_snapshot(activity)
        _apply_activity(activity, dict(changes), timezone.localdate())
        activity.save()
        after = activity_snapshot(activity)
        record_change(
            actor=actor,
            action=RegisterAction.ACTIVITY_UPDATE,
            obj=activity,
            unit_id=activity.unit_id,
            before=before,
            after=after,
        )
    return activity


def do_delete_activity(actor, activity: ServiceActivity) -> None:
    """Delete the activity with its evidence files (the files go once the deletion commits)."""
    with transaction.atomic():
        files = list(activity.evidence.all())
        before = activity_snapshot(activity)
        before["evidence"] = [e.original_name for e in files]
        record_event(
            actor=actor,
            action=RegisterAction.ACTIVITY_DELETE,
            obj=activity,
            unit_id=activity.unit_id,
            before=before,
        )
        activity.delete()  # the generic relation deletes the evidence rows
        for evidence in files:
            _delete_file_on_commit(evidence)
