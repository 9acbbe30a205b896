"""Pages of trainings, service activities and their evidence files. Thin: every unit and record is
reached through accounts.access, every write goes through registers.services.
"""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
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
    root_units,
    visible_ancestors,
)
from core.forms import add_validation_errors
from orgs.models import Level, OrgUnit
from registers import services
from registers.access import (
    get_activity_for_user,
    get_evidence_for_user,
    get_training_for_user,
)
from registers.forms_records import (
    ActivityFilterForm,
    ActivityForm,
    EvidenceForm,
    TrainingFilterForm,
    TrainingForm,
)
from registers.models import (
    Audience,
    Evidence,
    Need,
    ServiceActivity,
)
from registers.selectors import activities_for, trainings_for
from registers.uploads import ACCEPTED

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
