"""Pages of 三纳入四同时 and association profiles.

Thin: every unit is reached through accounts.access, every write goes through registers.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import (
    Action,
    can,
    get_unit_for_user,
    require,
)
from orgs.models import Category, Level, OrgUnit
from registers import services
from registers.access import (
    get_inclusion_unit_for_user,
    get_profile_unit_for_user,
)
from registers.forms_records import (
    EvidenceForm,
    InclusionForm,
    ProfileForm,
)
from registers.models import (
    Evidence,
    InclusionItem,
    InclusionRecord,
    ProfileItem,
)
from registers.services import ConflictError
from registers.views.records import PAGE_SIZE, _at, _base, _upload, _year, _years

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
