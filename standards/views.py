"""Pages of the standards: the list, a version's detail, the editor, copy and confirmation.

Thin: every standard is reached through standards.access (404 unseen, 403 not a keeper, each
denial recorded), every write goes through standards.services.
"""

import json

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from core.forms import add_validation_errors
from standards import services
from standards.access import (
    can_edit_standard,
    can_keep_standards,
    get_part_for_user,
    get_standard_for_user,
    keeping_units_for_copy,
    may_keep_shared,
    visible_standards,
)
from standards.files import standard_to_document
from standards.forms import ItemForm, SearchForm, SectionForm, StageForm, StandardForm
from standards.metrics import METRICS
from standards.models import Item, Section, Stage, Standard

PAGE_SIZE = 20
NAV = "standards"


def _detail_url(standard) -> str:
    return reverse("standards:detail", args=[standard.pk])


def _editor_url(standard) -> str:
    return reverse("standards:edit", args=[standard.pk])


def _refuse_frozen(request, standard):
    """The editor is closed on a version a round uses; say why and where to go instead."""
    if standard.is_frozen:
        messages.error(
            request,
            _(
                "This version is used by an assessment round and can no longer change. Copy it "
                "to a new version and edit that."
            ),
        )
        return redirect(_detail_url(standard))
    return None


def outline(standard: Standard) -> list[tuple[Section, list[Item]]]:
    sections = standard.sections.prefetch_related("items").order_by("position")
    result = []
    for section in sections:
        items = sorted(section.items.all(), key=lambda i: i.position)
        for item in items:
            metric = METRICS.get(item.metric)
            item.metric_label = metric.label if metric else item.metric
        result.append((section, items))
    return result


@login_required
def standard_list(request):
    search = SearchForm(request.GET or None)
    standards = (
        visible_standards(request.user)
        .select_related("unit", "confirmed_by")
        .annotate(rounds=Count("round_titles", distinct=True))
        .order_by("title", "-version")
    )
    query = {}
    if search.is_valid():
        q = search.cleaned_data["q"].strip()
        if q:
            standards = standards.filter(Q(name__icontains=q) | Q(description__icontains=q))
            query["q"] = q
        if search.cleaned_data["title"]:
            standards = standards.filter(title=search.cleaned_data["title"])
            query["title"] = search.cleaned_data["title"]
    page = Paginator(standards, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "standards/standard_list.html",
        {
            "page": page,
            "search": search,
            "query": urlencode(query),
            "nav_active": NAV,
        },
    )


@login_required
def standard_detail(request, pk):
    standard = get_standard_for_user(request, pk)
    may_edit = can_edit_standard(request.user, standard)
    return render(
        request,
        "standards/standard_detail.html",
        {
            "standard": standard,
            "outline": outline(standard),
            "stages": standard.ordered_stages(),
            "metrics": METRICS,
            "frozen": standard.is_frozen,
            "may_edit": may_edit,
            "may_copy": can_keep_standards(request.user),
            "problems": services.consistency_problems(standard) if may_edit else [],
            "nav_active": NAV,
        },
    )


@login_required
def standard_export(request, pk, fmt):
    if fmt not in ("yaml", "json"):
        raise Http404("Not found.")
    standard = get_standard_for_user(request, pk)
    document = standard_to_document(standard)
    if fmt == "json":
        body, content_type = json.dumps(document, ensure_ascii=False, indent=2), "application/json"
    else:
        body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
        content_type = "application/yaml"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="standard-{standard.title}-v{standard.version}.{fmt}"'
    )
    return response


@login_required
def standard_copy(request, pk):
    standard = get_standard_for_user(request, pk)
    units = keeping_units_for_copy(request, standard)
    # A county officer's copy is kept by their county; an administrator may keep it shared.
    is_admin = may_keep_shared(request.user)
    choices = [(str(u.pk), u.name) for u in units]
    if is_admin:
        choices.insert(0, ("", _("Shared by every county")))
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("unit", choices[0][0] if len(choices) == 1 else None)
        if chosen not in {value for value, _label in choices}:
            error = _("Choose who keeps the new version.")
        else:
            unit = next((u for u in units if str(u.pk) == chosen), None)
            copy = services.do_copy_standard(request.user, standard, unit=unit)
            messages.success(
                request,
                _("Version %(version)s created from version %(old)s; edit it below.")
                % {"version": copy.version, "old": standard.version},
            )
            return redirect(_editor_url(copy))
    return render(
        request,
        "standards/standard_copy.html",
        {"standard": standard, "choices": choices, "error": error, "nav_active": NAV},
    )


@login_required
def standard_confirm(request, pk):
    standard = get_standard_for_user(request, pk, edit=True)
    problems = services.consistency_problems(standard)
    if request.method == "POST" and not problems:
        try:
            services.do_confirm_standard(request.user, standard)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(request, _("The standard is confirmed as the local standard."))
            return redirect(_detail_url(standard))
    assumed = Item.objects.filter(section__standard=standard, is_assumption=True).select_related(
        "section"
    )
    return render(
        request,
        "standards/standard_confirm.html",
        {
            "standard": standard,
            "problems": problems,
            "assumed_sections": standard.sections.filter(is_assumption=True),
            "assumed_items": assumed,
            "nav_active": NAV,
        },
    )


@login_required
def standard_edit(request, pk):
    standard = get_standard_for_user(request, pk, edit=True)
    refused = _refuse_frozen(request, standard)
    if refused:
        return refused
    initial = {
        "name": standard.name,
        "description": standard.description,
        "pass_total": standard.pass_total,
        "pass_rule_is_assumption": standard.pass_rule_is_assumption,
        "prerequisite": standard.prerequisite,
        "prerequisite_same_round": standard.prerequisite_same_round,
        "validity_years": standard.validity_years,
    }
    form = StandardForm(request.POST or None, initial=initial, title=standard.title)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_standard(request.user, standard, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_editor_url(standard))
    return render(request, "standards/standard_edit.html", _editor_context(standard, form))


def _editor_context(standard, form=None):
    return {
        "standard": standard,
        "form": form,
        "outline": outline(standard),
        "stages": standard.ordered_stages(),
        "metrics": METRICS,
        "problems": services.consistency_problems(standard),
        "nav_active": NAV,
    }


def _form_page(request, standard, form, *, heading, cancel_url):
    return render(
        request,
        "standards/part_form.html",
        {
            "standard": standard,
            "form": form,
            "heading": heading,
            "cancel_url": cancel_url,
            "nav_active": NAV,
        },
    )


def _save_part(request, standard, form, write, heading):
    """Run a form through its service; back to the editor when it saved."""
    refused = _refuse_frozen(request, standard)
    if refused:
        return refused
    if request.method == "POST" and form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_editor_url(standard))
    return _form_page(request, standard, form, heading=heading, cancel_url=_editor_url(standard))


@login_required
def section_add(request, pk):
    standard = get_standard_for_user(request, pk, edit=True)
    form = SectionForm(request.POST or None)
    return _save_part(
        request,
        standard,
        form,
        lambda data: services.do_add_section(request.user, standard, **data),
        _("New section"),
    )


@login_required
def section_edit(request, pk):
    section = get_part_for_user(request, Section, pk)
    initial = {f: getattr(section, f) for f in services.SECTION_FIELDS}
    form = SectionForm(request.POST or None, initial=initial)
    return _save_part(
        request,
        section.standard,
        form,
        lambda data: services.do_update_section(request.user, section, **data),
        _("Section “%(name)s”") % {"name": section.name},
    )


@login_required
def item_add(request, pk):
    section = get_part_for_user(request, Section, pk)
    form = ItemForm(request.POST or None)
    return _save_part(
        request,
        section.standard,
        form,
        lambda data: services.do_add_item(request.user, section, **data),
        _("New item in “%(name)s”") % {"name": section.name},
    )


@login_required
def item_edit(request, pk):
    item = get_part_for_user(request, Item, pk)
    initial = {f: getattr(item, f) for f in services.ITEM_FIELDS}
    initial["metric_bands"] = services.bands_text(item.metric_bands)
    form = ItemForm(request.POST or None, initial=initial)
    return _save_part(
        request,
        item.section.standard,
        form,
        lambda data: services.do_update_item(request.user, item, **data),
        pgettext("standards", "Item %(number)s") % {"number": item.number},
    )


@login_required
def stage_add(request, pk):
    standard = get_standard_for_user(request, pk, edit=True)
    form = StageForm(request.POST or None)
    return _save_part(
        request,
        standard,
        form,
        lambda data: services.do_add_stage(request.user, standard, **data),
        _("New stage at the end of the chain"),
    )


@login_required
def stage_edit(request, pk):
    stage = get_part_for_user(request, Stage, pk)
    initial = {f: getattr(stage, f) for f in services.STAGE_FIELDS}
    form = StageForm(request.POST or None, initial=initial)
    return _save_part(
        request,
        stage.standard,
        form,
        lambda data: services.do_update_stage(request.user, stage, **data),
        _("Stage %(position)s") % {"position": stage.position + 1},
    )


DELETERS = {
    "section": (Section, services.do_delete_section),
    "item": (Item, services.do_delete_item),
    "stage": (Stage, services.do_delete_stage),
}


@login_required
def part_delete(request, kind, pk):
    """Deleting asks first (GET shows what goes), then deletes on POST."""
    if kind not in DELETERS:
        raise Http404("Not found.")
    model, delete = DELETERS[kind]
    obj = get_part_for_user(request, model, pk)
    standard = obj.section.standard if isinstance(obj, Item) else obj.standard
    refused = _refuse_frozen(request, standard)
    if refused:
        return refused
    if request.method == "POST":
        try:
            delete(request.user, obj)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Deleted."))
        return redirect(_editor_url(standard))
    return render(
        request,
        "standards/part_delete.html",
        {
            "standard": standard,
            "kind": kind,
            "obj": obj,
            "items": list(obj.items.order_by("position")) if kind == "section" else [],
            "nav_active": NAV,
        },
    )


@login_required
@require_POST
def part_move(request, kind, pk, direction):
    if kind not in DELETERS or direction not in ("up", "down"):
        raise Http404("Not found.")
    model, _delete = DELETERS[kind]
    obj = get_part_for_user(request, model, pk)
    standard = obj.section.standard if isinstance(obj, Item) else obj.standard
    try:
        services.do_move(request.user, obj, -1 if direction == "up" else 1)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.headers.get("HX-Request"):
        # The editor's outline swaps itself in place.
        return render(request, "standards/editor_outline.html", _editor_context(standard))
    return redirect(_editor_url(standard))
