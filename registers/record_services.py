"""Every write to trainings, service activities, evidence files, 三纳入四同时 and association
profiles, each with its audit event in the same transaction.

Views and the API check access (accounts.access) before they call these; the services check the
records' own rules and raise ValidationError with messages per field.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from core.errors import add_error, check_fields
from orgs.models import Category, Level, OrgUnit, subtree_q
from registers.evidence import checked_upload, store_evidence
from registers.identity import clean_text
from registers.models import (
    AssociationProfile,
    Audience,
    Carrier,
    Evidence,
    InclusionItem,
    InclusionRecord,
    Member,
    MemberStatus,
    Need,
    ProfileItem,
    ServiceActivity,
    Training,
)
from registers.services import ConflictError

MAX_HOURS = Decimal(100)
MAX_FUNDS = Decimal("9999999999.99")
MAX_PEOPLE = 2_147_483_647
FIRST_YEAR = 2000

# Django's own msgids (its catalogue translates them); held in constants so that makemessages
# does not copy them, untranslated, into ours (as api.errors does).
NUMBER = "Enter a number."
WHOLE_NUMBER = "Enter a whole number."

TRAINING_FIELDS = ("date", "title", "audiences", "hours", "location", "note", "attendees")
ACTIVITY_FIELDS = (
    "date",
    "carrier",
    "needs",
    "title",
    "description",
    "people_served",
    "funds",
)
PROFILE_FIELDS = (
    "has_venue",
    "venue_area",
    "venue_address",
    "funds_village_committee",
    "funds_township",
    "funds_county",
    "funds_donations",
    "funds_happiness_project",
    "spending",
    "president_paid",
    "leaders_paid",
)
PROFILE_MONEY_FIELDS = (
    "funds_village_committee",
    "funds_township",
    "funds_county",
    "funds_donations",
    "funds_happiness_project",
    "spending",
)


def _decimal_text(instance, name: str) -> str | None:
    """A decimal as the database keeps it (its field's places), so that snapshots compare."""
    value = getattr(instance, name)
    if value is None:
        return None
    places = instance._meta.get_field(name).decimal_places
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def _text(value) -> str:
    return clean_text(value)


def _long_text(value) -> str:
    """A description keeps its line breaks; only surrounding space goes."""
    return str(value or "").replace("\r\n", "\n").strip()


def _check_date(errors: dict, field: str, value, today: date, required: bool = True) -> None:
    if value is None:
        if required:
            add_error(errors, field, _("Enter the date."))
        return
    if value > today:
        add_error(errors, field, _("The date is in the future."))
    elif value.year < FIRST_YEAR:
        add_error(errors, field, _("The date is before %(year)s.") % {"year": FIRST_YEAR})


def _decimal(errors: dict, field: str, value, low: Decimal, high: Decimal, message: str):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        add_error(errors, field, gettext(NUMBER))
        return None
    if not number.is_finite() or number < low or number > high:
        add_error(errors, field, message)
        return None
    return number


def _merge_model_errors(instance, errors: dict, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field not in errors:  # our own message already says what is wrong
                errors[field] = list(messages)


def json_list_has(field: str, value: str, length: int) -> Q:
    """A JSON list field containing `value`, on SQLite and PostgreSQL alike (no `contains` on
    SQLite): one equality per position."""
    condition = Q()
    for index in range(length):
        condition |= Q(**{f"{field}__{index}": value})
    return condition


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
            action="registers.training.create",
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
            action="registers.training.update",
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
            action="registers.training.delete",
            obj=training,
            unit_id=training.organiser_id,
            before=before,
        )
        training.delete()


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
            action="registers.activity.create",
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
            action="registers.activity.update",
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
            action="registers.activity.delete",
            obj=activity,
            unit_id=activity.unit_id,
            before=before,
        )
        activity.delete()  # the generic relation deletes the evidence rows
        for evidence in files:
            _delete_file_on_commit(evidence)


# Evidence files


def record_unit(record) -> OrgUnit:
    """The unit an evidence file's record belongs to: whoever may see that unit may see it."""
    if isinstance(record, ServiceActivity):
        return record.unit
    if isinstance(record, InclusionRecord):
        return record.township
    if isinstance(record, AssociationProfile):
        return record.unit
    raise ValueError(f"Evidence cannot be attached to {type(record).__name__}.")


def _slot_for(record, slot: str) -> str:
    if isinstance(record, AssociationProfile):
        if slot not in ProfileItem.values:
            raise ValidationError({"slot": [_("Choose a checklist item.")]})
        return slot
    if isinstance(record, InclusionRecord):
        return record.item
    return ""


def evidence_snapshot(evidence: Evidence) -> dict[str, Any]:
    return {
        "record": f"{evidence.content_type.app_label}.{evidence.content_type.model}:"
        f"{evidence.object_id}",
        "slot": evidence.slot,
        "name": evidence.original_name,
        "type": evidence.mime_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "stored_as": evidence.file.name,
    }


def _delete_file_on_commit(evidence: Evidence) -> None:
    storage, name = evidence.file.storage, evidence.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def do_add_evidence(actor, record, uploaded, slot: str = "") -> Evidence:
    """Check the file by its content, store it under a generated name, and record it."""
    checked = checked_upload(uploaded)
    slot = _slot_for(record, slot)
    unit = record_unit(record)

    def audit(evidence: Evidence) -> None:
        record_event(
            actor=actor,
            action="registers.evidence.add",
            obj=evidence,
            unit_id=unit.pk,
            after=evidence_snapshot(evidence),
        )

    return store_evidence(actor, record, uploaded, checked, slot=slot, unit=unit, audit=audit)


def do_delete_evidence(actor, evidence: Evidence) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            action="registers.evidence.delete",
            obj=evidence,
            unit_id=evidence.unit_id,
            before=evidence_snapshot(evidence),
        )
        _delete_file_on_commit(evidence)
        evidence.delete()


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
                action="registers.inclusion.save",
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
                action="registers.inclusion.save",
                obj=record,
                unit_id=township.pk,
                after={item: _inclusion_snapshot(record)},
            )
    except IntegrityError:
        record = InclusionRecord.objects.get(township=township, year=year, item=item)
    return record


# Association profiles


def takes_profile(unit: OrgUnit) -> bool:
    """Village-level associations (villages, communities, enterprise associations) and
    township-level ones (townships, streets, urban branches) keep a profile."""
    return unit.level in (Level.TOWNSHIP, Level.VILLAGE)


def _require_profile_unit(unit: OrgUnit) -> None:
    if not takes_profile(unit):
        raise ValidationError(
            _("Profiles are kept by township-level and village-level associations."),
            code="not_profile_unit",
        )


def empty_checklist() -> dict[str, dict[str, Any]]:
    return {code: {"present": False, "note": ""} for code in ProfileItem.values}


def profile_snapshot(profile: AssociationProfile) -> dict[str, Any]:
    snapshot: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        value = getattr(profile, name)
        snapshot[name] = _decimal_text(profile, name) if isinstance(value, Decimal) else value
    snapshot["checklist"] = profile.checklist
    return snapshot


def _clean_checklist(raw, errors: dict) -> dict[str, dict[str, Any]]:
    checklist = empty_checklist()
    for code, entry in (raw or {}).items():
        if code not in checklist:
            add_error(errors, "checklist", _("Choose a checklist item."))
            continue
        note = _text((entry or {}).get("note", ""))
        if len(note) > 300:
            add_error(errors, f"checklist.{code}", _("The note is longer than 300 characters."))
        checklist[code] = {"present": bool((entry or {}).get("present")), "note": note[:300]}
    return checklist


def _apply_profile(profile: AssociationProfile, fields: dict[str, Any], checklist) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("has_venue", "president_paid", "leaders_paid"):
        if name in fields:
            setattr(profile, name, bool(fields[name]))
    if "venue_address" in fields:
        profile.venue_address = _text(fields["venue_address"])
    if "venue_area" in fields:
        profile.venue_area = _decimal(
            errors,
            "venue_area",
            fields["venue_area"],
            Decimal(0),
            Decimal("9999999.9"),
            _("The area cannot be negative."),
        )
    for name in PROFILE_MONEY_FIELDS:
        if name in fields:
            value = _decimal(
                errors,
                name,
                Decimal(0) if fields[name] in (None, "") else fields[name],
                Decimal(0),
                MAX_FUNDS,
                _("Funds cannot be negative or above 9,999,999,999.99 yuan."),
            )
            setattr(profile, name, value if value is not None else Decimal(0))
    if checklist is not None:
        profile.checklist = _clean_checklist(checklist, errors)
    _merge_model_errors(profile, errors, exclude=["unit", "checklist", *PROFILE_MONEY_FIELDS])
    if errors:
        raise ValidationError(errors)


def get_profile(unit: OrgUnit, year: int) -> AssociationProfile:
    """The saved profile, or an unsaved blank one (version 0) to fill."""
    profile = AssociationProfile.objects.filter(unit=unit, year=year).first()
    if profile is None:
        profile = AssociationProfile(unit=unit, year=year, checklist=empty_checklist(), version=0)
    else:
        profile.checklist = {**empty_checklist(), **(profile.checklist or {})}
    return profile


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


def do_save_profile(
    actor,
    unit: OrgUnit,
    year: int,
    expected_version: int,
    checklist: dict | None = None,
    **fields: Any,
) -> AssociationProfile:
    """Save the profile if nobody saved it since `expected_version` was read (0: not yet saved);
    otherwise raise ConflictError and change nothing."""
    check_fields(fields, PROFILE_FIELDS)
    _require_profile_unit(unit)
    check_year(year)
    try:
        with transaction.atomic():
            profile = (
                AssociationProfile.objects.select_for_update(no_key=True)
                .filter(unit=unit, year=year)
                .first()
            )
            current = profile.version if profile is not None else 0
            if current != expected_version:
                raise _conflict()
            if profile is None:
                profile = AssociationProfile(
                    unit=unit, year=year, checklist=empty_checklist(), version=0
                )
                before = None
            else:
                before = profile_snapshot(profile)
            _apply_profile(profile, fields, checklist)
            after = profile_snapshot(profile)
            if before == after:
                return profile
            profile.version = current + 1
            profile.save()
            record_event(
                actor=actor,
                action="registers.profile.save",
                obj=profile,
                unit_id=unit.pk,
                before={k: v for k, v in before.items() if after[k] != v} if before else None,
                after={k: v for k, v in after.items() if not before or before[k] != v},
            )
    except IntegrityError:
        # Two first saves at once: the other one won the unique (unit, year) row.
        raise _conflict() from None
    return profile


def do_get_or_create_profile(actor, unit: OrgUnit, year: int) -> AssociationProfile:
    """The profile row, created blank (and audited) when evidence arrives before the first save."""
    _require_profile_unit(unit)
    check_year(year)
    profile = AssociationProfile.objects.filter(unit=unit, year=year).first()
    if profile is not None:
        return profile
    try:
        with transaction.atomic():
            # Version 0, as an unsaved profile: a form opened before the upload still saves.
            profile = AssociationProfile.objects.create(
                unit=unit, year=year, checklist=empty_checklist(), version=0
            )
            record_event(
                actor=actor,
                action="registers.profile.save",
                obj=profile,
                unit_id=unit.pk,
                after=profile_snapshot(profile),
            )
    except IntegrityError:
        profile = AssociationProfile.objects.get(unit=unit, year=year)
    return profile
