"""Pages of trainings, service activities, evidence files, 三纳入四同时 and association profiles.

Thin: every unit and record is reached through accounts.access, every write goes through
registers.services.
"""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import (
    Action,
    can,
    get_unit_for_user,
    require,
    root_units,
    visible_ancestors,
)
from orgs.models import Category, Level, OrgUnit
from registers import services
from registers.access import (
    get_activity_for_user,
    get_evidence_for_user,
    get_inclusion_unit_for_user,
    get_profile_unit_for_user,
    get_training_for_user,
)
from registers.forms_records import (
    ActivityFilterForm,
    ActivityForm,
    EvidenceForm,
    InclusionForm,
    ProfileForm,
    TrainingFilterForm,
    TrainingForm,
)
from registers.models import (
    Audience,
    Evidence,
    InclusionItem,
    InclusionRecord,
    Need,
    ProfileItem,
    ServiceActivity,
)
from registers.selectors import activities_for, trainings_for
from registers.services import ConflictError
from registers.uploads import ACCEPTED
from sanlian.forms import add_validation_errors

PAGE_SIZE = 50
NAV = "records"


# Access helpers: one per kind of record, all through the unit's access check.


# Shared bits


def _year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or this_year)
    except (TypeError, ValueError):
        return this_year
    return min(max(year, services.FIRST_YEAR), this_year)


def _years() -> range:
    """The years a yearly record can be chosen for, newest first."""
    return range(timezone.localdate().year, services.FIRST_YEAR - 1, -1)


def _tabs(user, unit: OrgUnit, active: str) -> dict:
    return {
        "tabs_unit": unit,
        "tabs_active": active,
        "tabs_inclusion": services.takes_inclusion(unit),
        "tabs_overview": unit.level <= Level.COUNTY,
        "tabs_profile": services.takes_profile(unit),
    }


def _base(request, unit: OrgUnit, active: str, **extra) -> dict:
    return {
        "unit": unit,
        "ancestors": visible_ancestors(request.user, unit),
        "nav_active": NAV,
        "can_edit": can(request.user, Action.EDIT_RECORDS, unit),
        **_tabs(request.user, unit, active),
        **extra,
    }


def _label_list(values, choices) -> str:
    labels = dict(choices)
    return "、".join(str(labels.get(v, v)) for v in values or [])


def _at(name: str, pk: int, year: int) -> str:
    return f"{reverse(name, args=[pk])}?year={year}"


def download_name(evidence: Evidence) -> str:
    """The user's file name, its extension replaced by the one of the type we found."""
    stem, _ext = os.path.splitext(evidence.original_name)
    extension = next(
        (t.extension for t in ACCEPTED if t.mime == evidence.mime_type),
        "bin",
    )
    return f"{stem or 'evidence'}.{extension}"


@login_required
def records_home(request):
    """培训与活动: the trainings of the user's top unit (or a choice of their units)."""
    roots = root_units(request.user)
    if len(roots) == 1:
        return redirect("registers:training_list", roots[0].pk)
    return render(request, "registers/training_units.html", {"roots": roots, "nav_active": NAV})


# Trainings


@login_required
def training_list(request, pk: int):
    unit = get_unit_for_user(request, pk)
    filters = TrainingFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    trainings = (
        trainings_for(unit, data)
        .select_related("organiser")
        .annotate(attendee_count=Count("attendees"))
        .order_by("-date", "-id")
    )
    query = urlencode({k: v for k, v in data.items() if v not in (None, "")})
    page = Paginator(trainings, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(t, _label_list(t.audiences, Audience.choices)) for t in page]
    return render(
        request,
        "registers/training_list.html",
        _base(request, unit, "trainings", filters=filters, page=page, rows=rows, query=query),
    )


def _training_values(form) -> dict:
    data = dict(form.cleaned_data)
    data["attendees"] = list(data["attendees"])
    return data


@login_required
def training_create(request, pk: int):
    unit = get_unit_for_user(request, pk, Action.EDIT_RECORDS)
    form = TrainingForm(request.POST or None, organiser=unit)
    if request.method == "POST" and form.is_valid():
        try:
            training = services.do_create_training(request.user, unit, **_training_values(form))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The training was saved."))
            return redirect("registers:training_detail", training.pk)
    return render(
        request, "registers/training_form.html", _base(request, unit, "trainings", form=form)
    )


@login_required
def training_detail(request, pk: int):
    training = get_training_for_user(request, pk)
    unit = training.organiser
    attendees = training.attendees.select_related("unit", "group").order_by("unit__name", "name")
    return render(
        request,
        "registers/training_detail.html",
        _base(
            request,
            unit,
            "trainings",
            training=training,
            audiences=_label_list(training.audiences, Audience.choices),
            attendees=attendees,
        ),
    )


@login_required
def training_edit(request, pk: int):
    training = get_training_for_user(request, pk, Action.EDIT_RECORDS)
    unit = training.organiser
    initial = {
        "date": training.date,
        "title": training.title,
        "audiences": training.audiences,
        "hours": training.hours,
        "location": training.location,
        "note": training.note,
        "attendees": list(training.attendees.values_list("pk", flat=True)),
    }
    form = TrainingForm(request.POST or None, initial=initial, organiser=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_training(request.user, training, **_training_values(form))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("registers:training_detail", training.pk)
    return render(
        request,
        "registers/training_form.html",
        _base(request, unit, "trainings", form=form, training=training),
    )


@login_required
def training_delete(request, pk: int):
    training = get_training_for_user(request, pk, Action.EDIT_RECORDS)
    unit = training.organiser
    if request.method == "POST":
        services.do_delete_training(request.user, training)
        messages.success(request, _("The training was deleted."))
        return redirect("registers:training_list", unit.pk)
    return render(
        request,
        "registers/training_delete.html",
        _base(request, unit, "trainings", training=training),
    )


# Service activities


@login_required
def activity_list(request, pk: int):
    unit = get_unit_for_user(request, pk)
    filters = ActivityFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    activities = activities_for(unit, data)
    query = urlencode(
        {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if v not in (None, "")}
    )
    totals = activities.aggregate(people=Sum("people_served"), funds=Sum("funds"))
    listed = (
        activities.select_related("unit", "carrier")
        .annotate(evidence_count=Count("evidence"))
        .order_by("-date", "-id")
    )
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(a, _label_list(a.needs, Need.choices)) for a in page]
    return render(
        request,
        "registers/activity_list.html",
        _base(
            request,
            unit,
            "activities",
            filters=filters,
            page=page,
            rows=rows,
            query=query,
            total_people=totals["people"] or 0,
            total_funds=totals["funds"] or 0,
        ),
    )


@login_required
def activity_create(request, pk: int):
    unit = get_unit_for_user(request, pk, Action.EDIT_RECORDS)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.do_create_activity(request.user, unit, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The activity was saved. You can now add evidence files."))
            return redirect("registers:activity_detail", activity.pk)
    return render(
        request, "registers/activity_form.html", _base(request, unit, "activities", form=form)
    )


@login_required
def activity_detail(request, pk: int):
    activity = get_activity_for_user(request, pk)
    unit = activity.unit
    return render(
        request,
        "registers/activity_detail.html",
        _base(
            request,
            unit,
            "activities",
            activity=activity,
            needs=_label_list(activity.needs, Need.choices),
            evidence=list(activity.evidence.all()),
            evidence_form=EvidenceForm(),
            upload_url=reverse("registers:activity_evidence_upload", args=[activity.pk]),
        ),
    )


@login_required
def activity_edit(request, pk: int):
    activity = get_activity_for_user(request, pk, Action.EDIT_RECORDS)
    unit = activity.unit
    initial = {
        name: getattr(activity, name)
        for name in ("date", "carrier", "needs", "title", "description", "people_served", "funds")
    }
    form = ActivityForm(request.POST or None, initial=initial, current_carrier=activity.carrier)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_activity(request.user, activity, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("registers:activity_detail", activity.pk)
    return render(
        request,
        "registers/activity_form.html",
        _base(request, unit, "activities", form=form, activity=activity),
    )


@login_required
def activity_delete(request, pk: int):
    activity = get_activity_for_user(request, pk, Action.EDIT_RECORDS)
    unit = activity.unit
    if request.method == "POST":
        services.do_delete_activity(request.user, activity)
        messages.success(request, _("The activity was deleted."))
        return redirect("registers:activity_list", unit.pk)
    return render(
        request,
        "registers/activity_delete.html",
        _base(
            request,
            unit,
            "activities",
            activity=activity,
            evidence_count=activity.evidence.count(),
        ),
    )


# Evidence files


def _upload(request, record, back: str, slot: str = ""):
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    try:
        evidence = services.do_add_evidence(request.user, record, form.cleaned_data["file"], slot)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("“%(name)s” was added as evidence.") % {"name": evidence.original_name}
        )
    return redirect(back)


@login_required
@require_POST
def activity_evidence_upload(request, pk: int):
    activity = get_activity_for_user(request, pk, Action.EDIT_RECORDS)
    return _upload(request, activity, reverse("registers:activity_detail", args=[activity.pk]))


def evidence_response(evidence: Evidence) -> FileResponse:
    """The file as an attachment of its sniffed type; browsers must not guess another."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(evidence),
        content_type=evidence.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def evidence_download(request, pk: int):
    return evidence_response(get_evidence_for_user(request, pk))


def _evidence_back(evidence: Evidence) -> str:
    record = evidence.record
    if isinstance(record, ServiceActivity):
        return reverse("registers:activity_detail", args=[record.pk])
    if record is not None and hasattr(record, "township_id"):
        return _at("registers:inclusion_checklist", record.township_id, record.year)
    if record is not None and hasattr(record, "year"):
        return _at("registers:profile_page", record.unit_id, record.year)
    return reverse("registers:activity_list", args=[evidence.unit_id])


@login_required
def evidence_delete(request, pk: int):
    evidence = get_evidence_for_user(request, pk, Action.EDIT_RECORDS)
    back = _evidence_back(evidence)
    if request.method == "POST":
        services.do_delete_evidence(request.user, evidence)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": evidence.original_name})
        return redirect(back)
    return render(
        request,
        "registers/evidence_delete.html",
        _base(request, evidence.unit, "", evidence=evidence, back=back),
    )


# 三纳入四同时


@login_required
def inclusion_checklist(request, pk: int):
    unit = get_inclusion_unit_for_user(request, pk)
    year = _year(request)
    can_edit = can(request.user, Action.EDIT_RECORDS, unit)
    if request.method == "POST" and not can_edit:
        require(request, Action.EDIT_RECORDS, unit)  # records the denial and answers 403
        raise PermissionDenied
    records = services.inclusion_records(unit, year)
    initial = {"version": services.inclusion_version(records.values())}
    for item, record in records.items():
        initial[f"{item}-achieved"] = record.achieved
        initial[f"{item}-date"] = record.date
        initial[f"{item}-note"] = record.note
    form = InclusionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_save_inclusion(
                request.user, unit, year, form.entries(), form.cleaned_data["version"]
            )
        except ConflictError as error:
            # The entries stay as typed; the next save is based on what is stored now.
            form.add_error(None, error.messages)
            records = services.inclusion_records(unit, year)
            form.data = form.data.copy()
            form.data["version"] = services.inclusion_version(records.values())
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                name = field.replace(".", "-")
                form.add_error(name if name in form.fields else None, field_errors)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(f"{request.path}?year={year}")
    rows = [
        (item, achieved, when, note, records.get(item.value))
        for item, achieved, when, note in form.rows()
    ]
    achieved_count = sum(1 for r in records.values() if r.achieved)
    return render(
        request,
        "registers/inclusion_checklist.html",
        _base(
            request,
            unit,
            "inclusion",
            form=form,
            rows=rows,
            year=year,
            years=_years(),
            achieved_count=achieved_count,
            evidence_form=EvidenceForm(),
        ),
    )


@login_required
@require_POST
def inclusion_evidence_upload(request, pk: int, year: int, item: str):
    unit = get_inclusion_unit_for_user(request, pk, Action.EDIT_RECORDS)
    back = _at("registers:inclusion_checklist", unit.pk, year)
    try:
        record = services.do_get_inclusion_record(request.user, unit, year, item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    return _upload(request, record, back)


@login_required
def inclusion_overview(request, pk: int):
    """Every township of the subtree × the seven items, for one year."""
    unit = get_unit_for_user(request, pk)
    year = _year(request)
    townships = (
        OrgUnit.objects.subtree_of(unit)
        .filter(level=Level.TOWNSHIP, status="active")
        .exclude(category=Category.URBAN_BRANCH)
        .order_by("division_code", "name", "id")
    )
    page = Paginator(townships, PAGE_SIZE).get_page(request.GET.get("page"))
    achieved = set(
        InclusionRecord.objects.filter(
            township__in=list(page), year=year, achieved=True
        ).values_list("township_id", "item")
    )
    rows = [(t, [(t.pk, item.value) in achieved for item in InclusionItem]) for t in page]
    rows = [(t, marks, sum(marks)) for t, marks in rows]
    return render(
        request,
        "registers/inclusion_overview.html",
        _base(
            request,
            unit,
            "overview",
            page=page,
            rows=rows,
            items=list(InclusionItem),
            year=year,
            years=_years(),
            query=urlencode({"year": year}),
            complete=sum(1 for _t, _m, n in rows if n == len(InclusionItem)),
        ),
    )


# Association profile


@login_required
def profile_page(request, pk: int):
    unit = get_profile_unit_for_user(request, pk)
    year = _year(request)
    can_edit = can(request.user, Action.EDIT_RECORDS, unit)
    if request.method == "POST" and not can_edit:
        require(request, Action.EDIT_RECORDS, unit)
        raise PermissionDenied
    profile = services.get_profile(unit, year)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_from(profile))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.do_save_profile(
                request.user,
                unit,
                year,
                form.cleaned_data["version"],
                checklist=form.checklist(),
                **form.values(),
            )
        except ConflictError as error:
            conflict = True
            form.add_error(None, error.messages)
            profile = services.get_profile(unit, year)
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                name = field.replace("checklist.", "item-").replace(".", "-")
                if name.startswith("item-"):
                    name += "-note"
                form.add_error(name if name in form.fields else None, field_errors)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(f"{request.path}?year={year}")
    evidence_by_slot: dict[str, list[Evidence]] = {code: [] for code in ProfileItem.values}
    if profile.pk:
        for evidence in profile.evidence.all():
            evidence_by_slot.setdefault(evidence.slot, []).append(evidence)
    rows = [
        (item, present, note, evidence_by_slot.get(item.value, []))
        for item, present, note in form.checklist_rows()
    ]
    return render(
        request,
        "registers/profile_form.html",
        _base(
            request,
            unit,
            "profile",
            form=form,
            profile=profile,
            saved=profile_values(profile) if conflict else None,
            rows=rows,
            year=year,
            years=_years(),
            evidence_form=EvidenceForm(),
            total_funds=sum(
                (getattr(profile, f) for f in ProfileForm.FUNDS if f != "spending"),
                start=0,
            ),
        ),
    )


def profile_values(profile) -> list[tuple[str, str]]:
    """The saved profile as label/value pairs, shown beside the form after a conflict."""
    fields = [*ProfileForm.VENUE, *ProfileForm.FUNDS, *ProfileForm.PAID]
    form = ProfileForm()
    values = []
    for name in fields:
        value = getattr(profile, name)
        if isinstance(value, bool):
            value = _("Yes") if value else _("No")
        values.append((form.fields[name].label, "—" if value in (None, "") else str(value)))
    for item in ProfileItem:
        entry = (profile.checklist or {}).get(item.value, {})
        shown = _("Yes") if entry.get("present") else _("No")
        if entry.get("note"):
            shown += f" — {entry['note']}"
        values.append((item.label, shown))
    return values


@login_required
@require_POST
def profile_evidence_upload(request, pk: int, year: int, slot: str):
    unit = get_profile_unit_for_user(request, pk, Action.EDIT_RECORDS)
    back = _at("registers:profile_page", unit.pk, year)
    if slot not in ProfileItem.values:
        raise Http404("No such checklist item.")
    try:
        profile = services.do_get_or_create_profile(request.user, unit, year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    return _upload(request, profile, back, slot)
