"""Pages of the association tree. Thin: the access helper scopes, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
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
    visible_units,
)
from core.forms import add_validation_errors
from orgs import selectors, services
from orgs.forms import MoveForm, RetireForm, UnitForm
from orgs.models import Category, Level, OrgUnit
from orgs.validation import accepts_child, allowed_parent_levels, child_level_for


@login_required
def tree(request):
    """组织机构: the user's top units, or search results across their subtree."""
    text = request.GET.get("q", "").strip()
    if not text:
        roots = root_units(request.user)
        if len(roots) == 1:
            return redirect("orgs:unit", roots[0].pk)
        return render(request, "orgs/tree.html", {"roots": roots, "nav_active": "units"})
    results = selectors.search_units(visible_units(request.user), text)
    page = Paginator(results, 50).get_page(request.GET.get("page"))
    visible_ids = set(
        visible_units(request.user)
        .filter(pk__in={i for u in page for i in u.ancestor_ids()})
        .values_list("pk", flat=True)
    )
    paths = selectors.ancestor_names(list(page), visible_ids)
    template = (
        "orgs/_search_results.html" if request.headers.get("HX-Request") else "orgs/tree.html"
    )
    return render(
        request,
        template,
        {
            "q": text,
            "page": page,
            "paths": paths,
            "nav_active": "units",
            "query": urlencode({"q": text}),
        },
    )


@login_required
def unit_detail(request, pk: int):
    unit = get_unit_for_user(request, pk)
    show_retired = request.GET.get("retired") == "1"
    page = Paginator(selectors.children_of(unit, show_retired), 50).get_page(
        request.GET.get("page")
    )
    children = list(page)
    counts = selectors.descendant_counts_by_child(unit, children)
    deeper_levels = [lvl for lvl in Level if children and lvl > children[0].level]
    rows = [(child, [counts[child.pk].get(lvl, 0) for lvl in deeper_levels]) for child in children]
    context = {
        "unit": unit,
        "ancestors": visible_ancestors(request.user, unit),
        "page": page,
        "rows": rows,
        "deeper_levels": [Level(lvl).label for lvl in deeper_levels],
        "subtree_counts": selectors.subtree_counts(unit),
        "show_retired": show_retired,
        "query": "retired=1" if show_retired else "",
        "can_add": can(request.user, Action.ADD_CHILD, unit) and child_level_for(unit),
        "can_change": can(request.user, Action.CHANGE, unit),
        "can_delete": services.can_delete_unit(unit),
        "can_view_audit": can(request.user, Action.VIEW_AUDIT, unit),
        "migrant_groups": [
            (group, can(request.user, Action.VIEW, group))
            for group in unit.migrant_groups.filter(status="active").select_related("parent")
        ],
        "nav_active": "units",
    }
    return render(request, "orgs/unit_detail.html", context)


def _home_village_choices(user, parent: OrgUnit):
    return (
        visible_units(user)
        .filter(level=Level.VILLAGE, county_id=parent.county_id, status="active")
        .exclude(category=Category.ENTERPRISE)
        .order_by("division_code", "name")
    )


@login_required
def unit_create(request, pk: int):
    parent = get_unit_for_user(request, pk, Action.ADD_CHILD)
    level = child_level_for(parent)
    if level is None:
        messages.error(request, _("An association group has no subordinate units."))
        return redirect("orgs:unit", parent.pk)
    form = UnitForm(
        request.POST or None,
        level=level,
        parent=parent,
        home_villages=_home_village_choices(request.user, parent),
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.do_create_unit(
                request.user, parent=parent, level=level, **form.cleaned_data
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was created.") % {"name": unit.name})
            return redirect("orgs:unit", unit.pk)
    return render(
        request,
        "orgs/unit_form.html",
        {
            "form": form,
            "parent": parent,
            "level_label": Level(level).label,
            "ancestors": visible_ancestors(request.user, parent) + [parent],
            "nav_active": "units",
        },
    )


@login_required
def unit_edit(request, pk: int):
    unit = get_unit_for_user(request, pk, Action.CHANGE)
    form = UnitForm(
        request.POST or None,
        instance=unit,
        level=unit.level,
        parent=unit.parent,
        home_villages=_home_village_choices(request.user, unit.parent) if unit.parent else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_unit(request.user, unit, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("orgs:unit", unit.pk)
    return render(
        request,
        "orgs/unit_form.html",
        {
            "form": form,
            "unit": unit,
            "level_label": unit.get_level_display(),
            "ancestors": visible_ancestors(request.user, unit),
            "nav_active": "units",
        },
    )


def _move_candidates(user, unit: OrgUnit):
    candidates = visible_units(user).filter(
        level__in=allowed_parent_levels(unit.level), status="active"
    )
    if unit.county_id and unit.level > Level.COUNTY:
        candidates = candidates.filter(county_id=unit.county_id)
    candidate_ids = [
        c.pk for c in candidates if accepts_child(c, unit.level) and can(user, Action.ADD_CHILD, c)
    ]
    return (
        OrgUnit.objects.filter(pk__in=candidate_ids)
        .exclude(pk=unit.parent_id)
        .order_by("level", "division_code", "name")
    )


@login_required
def unit_move(request, pk: int):
    unit = get_unit_for_user(request, pk, Action.CHANGE)
    form = MoveForm(request.POST or None, candidates=_move_candidates(request.user, unit))
    if request.method == "POST" and form.is_valid():
        new_parent = form.cleaned_data["new_parent"]
        require(request, Action.ADD_CHILD, new_parent)
        try:
            services.do_move_unit(request.user, unit, new_parent)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s” now belongs to “%(parent)s”.")
                % {"name": unit.name, "parent": new_parent.name},
            )
            return redirect("orgs:unit", unit.pk)
    return render(
        request,
        "orgs/unit_move.html",
        {
            "form": form,
            "unit": unit,
            "ancestors": visible_ancestors(request.user, unit),
            "nav_active": "units",
        },
    )


@login_required
def unit_retire(request, pk: int):
    unit = get_unit_for_user(request, pk, Action.CHANGE)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retired = services.do_retire_unit(request.user, unit, form.cleaned_data["reason"])
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("%(count)d units were retired.") % {"count": retired})
            return redirect("orgs:unit", unit.parent_id or unit.pk)
    active_below = OrgUnit.objects.descendants_of(unit).active().count()
    return render(
        request,
        "orgs/unit_retire.html",
        {
            "form": form,
            "unit": unit,
            "active_below": active_below,
            "ancestors": visible_ancestors(request.user, unit),
            "nav_active": "units",
        },
    )


@login_required
@require_POST
def unit_reinstate(request, pk: int):
    unit = get_unit_for_user(request, pk, Action.CHANGE)
    try:
        services.do_reinstate_unit(request.user, unit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(name)s” is active again.") % {"name": unit.name})
    return redirect("orgs:unit", unit.pk)


@login_required
def unit_delete(request, pk: int):
    unit = get_unit_for_user(request, pk, Action.CHANGE)
    if request.method == "POST":
        parent_id = unit.parent_id
        try:
            services.do_delete_unit(request.user, unit)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("orgs:unit", unit.pk)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": unit.name})
        return redirect("orgs:unit", parent_id) if parent_id else redirect("orgs:tree")
    return render(
        request,
        "orgs/unit_delete.html",
        {
            "unit": unit,
            "can_delete": services.can_delete_unit(unit),
            "ancestors": visible_ancestors(request.user, unit),
            "nav_active": "units",
        },
    )
