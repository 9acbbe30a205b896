"""Pages of the member register and the posts (会员与骨干). Thin: the access helper scopes every
unit and member, the services write, the selectors read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import (
    Action,
    can,
    client_address,
    get_unit_for_user,
    record_denial,
    require,
    root_units,
    visible_ancestors,
    visible_units,
)
from audit import masking
from core.forms import add_validation_errors
from orgs.models import Category, Level, OrgUnit
from registers import selectors, services
from registers.access import get_member_for_user, get_register_unit_for_user, parse_pk
from registers.forms_members import EndPostForm, MemberForm, PostForm, StatusForm, TransferForm
from registers.models import (
    Education,
    Member,
    MemberStatus,
    Post,
    PostKind,
    RecruitmentCategory,
    Sex,
)


def _history_labels():
    """How the member's history names each audit action."""
    return {
        "registers.member.create": _("Registered"),
        "registers.member.update": _("Details changed"),
        "registers.member.status": _("Status changed"),
        "registers.member.transfer": _("Moved to another association"),
        "registers.member.unmask": _("Personal information shown in full"),
        "registers.post.appoint": _("Appointed"),
        "registers.post.end": _("Term ended"),
    }


def _base(request, unit: OrgUnit, **context) -> dict:
    return {
        "unit": unit,
        "ancestors": visible_ancestors(request.user, unit),
        "nav_active": "members",
        "holds_register": services.holds_register(unit),
        "can_edit": services.holds_register(unit) and can(request.user, Action.EDIT_RECORDS, unit),
        **context,
    }


@login_required
def members_home(request):
    """会员与骨干: the register of the user's own unit."""
    roots = root_units(request.user)
    if len(roots) == 1:
        return redirect("registers:member_list", roots[0].pk)
    return render(request, "registers/member_home.html", {"roots": roots, "nav_active": "members"})


@login_required
def unit_register(request, unit_id):
    unit = get_unit_for_user(request, unit_id)
    summary = selectors.register_summary(unit, timezone.localdate())
    can_appoint = unit.level != Level.GROUP and can(request.user, Action.EDIT_RECORDS, unit)
    return render(
        request,
        "registers/unit_register.html",
        _base(request, unit, summary=summary, can_appoint=can_appoint),
    )


@login_required
def member_list(request, unit_id):
    unit = get_unit_for_user(request, unit_id)
    filters = selectors.MemberFilters.from_query(request.GET)
    members = selectors.members_for(request.user, unit, filters)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    query = urlencode(filters.as_query())
    export_url = (
        reverse("registers:export")
        + "?"
        + urlencode({"kind": "members", "unit": unit.pk, **filters.as_query()})
    )
    context = _base(
        request,
        unit,
        filters=filters,
        page=page,
        query=query,
        totals=selectors.status_totals(members),
        # A county has thousands of groups: the group filter is offered within an association.
        groups=selectors.groups_of(unit) if services.holds_register(unit) else [],
        categories=RecruitmentCategory.objects.filter(is_active=True),
        statuses=MemberStatus.choices,
        post_kinds=PostKind.choices,
        sorts=[
            ("name", pgettext("person", "Name")),
            ("-name", _("Name, descending")),
            ("join_date", _("Join date")),
            ("-join_date", _("Join date, newest first")),
        ],
        export_url=export_url,
        filtered=bool(filters.as_query()),
    )
    template = (
        "registers/member_list_results.html"
        if request.headers.get("HX-Request")
        else "registers/member_list.html"
    )
    return render(request, template, context)


def _member_form(request, unit: OrgUnit, data=None, member: Member | None = None, **kwargs):
    form = MemberForm(
        data,
        groups=selectors.groups_of(unit),
        editing=member is not None,
        **kwargs,
    )
    validate = reverse("registers:member_validate", args=[unit.pk])
    if member is not None:
        validate += "?" + urlencode({"member": member.pk})
    for name, field in form.fields.items():
        if name != "version":
            field.widget.attrs.update(
                {
                    "hx-post": validate,
                    "hx-trigger": "change",
                    "hx-include": "closest form",
                    "hx-swap": "none",
                }
            )
    return form


def _member_initial(member: Member) -> dict:
    return {
        "name": member.name,
        "sex": member.sex,
        "birth_date": member.birth_date,
        "education": member.education,
        "occupation": member.occupation,
        "group": member.group_id,
        "join_date": member.join_date,
        "categories": list(member.categories.all()),
        "version": member.version,
    }


@login_required
def member_create(request, unit_id):
    unit = get_register_unit_for_user(request, unit_id, Action.EDIT_RECORDS)
    form = _member_form(request, unit, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.do_create_member(request.user, unit, **form.service_fields())
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was registered.") % {"name": member.name})
            if "another" in request.POST:
                return redirect("registers:member_create", unit.pk)
            return redirect("registers:member_detail", member.pk)
    return render(request, "registers/member_form.html", _base(request, unit, form=form))


@login_required
def member_edit(request, pk):
    member = get_member_for_user(request, pk, Action.EDIT_RECORDS)
    unit = member.unit
    if request.method != "POST":
        form = _member_form(request, unit, member=member, initial=_member_initial(member))
        return render(
            request, "registers/member_form.html", _base(request, unit, form=form, member=member)
        )
    form = _member_form(request, unit, request.POST, member=member)
    conflict = False
    if form.is_valid():
        try:
            services.do_update_member(
                request.user,
                member,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except services.ConflictError as error:
            conflict = True
            # Keep everything the user typed; the next save, made knowingly, goes through.
            member.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(member.version)
            form = _member_form(request, unit, data, member=member)
            form.is_valid()
            form.add_error(None, error.messages)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("registers:member_detail", member.pk)
    return render(
        request,
        "registers/member_form.html",
        _base(request, unit, form=form, member=member, conflict=conflict),
    )


@login_required
@require_POST
def member_validate(request, unit_id):
    """htmx: the errors of the member form as it stands, one block per field (out of band)."""
    unit = get_register_unit_for_user(request, unit_id, Action.EDIT_RECORDS)
    member = None
    if request.GET.get("member"):
        member = get_member_for_user(request, request.GET["member"], Action.EDIT_RECORDS)
        if member.unit_id != unit.pk:
            raise Http404("No such member.")
    form = _member_form(request, unit, request.POST, member=member)
    form.is_valid()
    # The form's own findings first; the services' rules over the fields that passed them.
    errors = {name: list(found) for name, found in form.errors.items()}
    for name, found in services.check_member(
        unit, member, actor=request.user, **form.service_fields()
    ).items():
        errors.setdefault(name, found)
    touched = {name for name, value in request.POST.items() if value}
    trigger = request.headers.get("HX-Trigger-Name", "")
    shown = {
        name: errors.get(name, [])
        for name in form.fields
        if name != "version" and (name in touched or name == trigger)
    }
    return render(request, "registers/member_form_errors.html", {"errors": shown})


def _history(member: Member) -> list[dict]:
    labels = _history_labels()
    fields = {
        f.name: f.verbose_name for f in Member._meta.get_fields() if hasattr(f, "verbose_name")
    }
    fields.update(
        {
            "id_number": _("ID number"),
            "phone": _("Phone"),
            "reason": _("Reason"),
            "kind": _("Post"),
            "holder_name": _("Holder"),
            "start_date": _("Start date"),
            "end_date": _("End date"),
            "note": _("Note"),
        }
    )
    events = list(selectors.member_history(member)[:200])
    unit_ids = {
        value
        for event in events
        for data in (event.before or {}, event.after or {})
        for key, value in data.items()
        if key in {"unit", "group", "moved_to"} and isinstance(value, int)
    }
    units = OrgUnit.objects.in_bulk(unit_ids)
    categories = dict(RecruitmentCategory.objects.values_list("code", "name"))
    choices = {
        "status": dict(MemberStatus.choices),
        "sex": dict(Sex.choices),
        "education": dict(Education.choices),
        "kind": dict(PostKind.choices),
    }

    def shown(key, value):
        if value is None or value == "" or value == []:
            return None
        if key in {"unit", "group", "moved_to"}:
            unit = units.get(value)
            return unit.name if unit else value
        if key == "categories" and isinstance(value, list):
            return "、".join(str(categories.get(code, code)) for code in value)
        if key in choices:
            return choices[key].get(value, value)
        if key == "member":
            return member.name if value == member.pk else value
        return value

    rows = []
    for event in events:
        before, after = masking.shown(event.before or {}), masking.shown(event.after or {})
        changes = [
            (str(fields.get(key, key)), shown(key, before.get(key)), shown(key, after.get(key)))
            for key in dict.fromkeys([*before, *after])
            if key in before or after.get(key) not in (None, "", [])
        ]
        rows.append(
            {
                "event": event,
                "label": labels.get(event.action, event.action),
                "changes": changes,
                "had_before": bool(before),
            }
        )
    return rows


def _detail_context(request, member: Member, **extra) -> dict:
    unit = member.unit
    can_edit = can(request.user, Action.EDIT_RECORDS, unit)
    return _base(
        request,
        unit,
        member=member,
        can_edit=can_edit,
        can_unmask=can(request.user, Action.UNMASK, unit),
        posts=selectors.member_posts(member),
        history=_history(member),
        status_form=extra.pop("status_form", None)
        or StatusForm(
            # Nothing preselected for a member on the register: 劝退 must be chosen, never
            # the default. A member who left is offered back onto the register.
            initial={
                "status": "" if member.status == MemberStatus.ACTIVE else MemberStatus.ACTIVE,
                "version": member.version,
            }
        ),
        transfer_form=extra.pop("transfer_form", None) or _transfer_form(request, member, can_edit),
        **extra,
    )


@login_required
@never_cache
def member_detail(request, pk):
    member = get_member_for_user(request, pk)
    return render(request, "registers/member_detail.html", _detail_context(request, member))


@login_required
@require_POST
@never_cache
def member_reveal(request, pk):
    """Show the full ID number and phone to a user who may unmask them; audited."""
    member = get_member_for_user(request, pk, Action.UNMASK)
    revealed = services.reveal_personal_info(
        request.user, member, request_address=client_address(request)
    )
    if request.headers.get("HX-Request"):
        response = render(
            request, "registers/member_pii.html", {"member": member, "revealed": revealed}
        )
    else:
        response = render(
            request,
            "registers/member_detail.html",
            _detail_context(request, member, revealed=revealed),
        )
    return response  # never_cache: no copy of the full values in any cache


@login_required
@require_POST
def member_status(request, pk):
    member = get_member_for_user(request, pk, Action.EDIT_RECORDS)
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.do_change_member_status(
                request.user,
                member,
                data["status"],
                data["status_date"],
                reason=data["status_reason"],
                expected_version=data.get("version"),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The status was changed."))
            return redirect("registers:member_detail", member.pk)
    return render(
        request,
        "registers/member_detail.html",
        _detail_context(request, member, status_form=form),
        status=422,
    )


def _transfer_form(request, member: Member, can_edit: bool):
    if not can_edit:
        return None
    candidates = _transfer_candidates(request.user, member)
    if not candidates.exists():
        return None
    return TransferForm(initial={"version": member.version}, candidates=candidates)


def _transfer_candidates(user, member: Member):
    units = (
        visible_units(user)
        .filter(status="active")
        .filter(level__in=[Level.VILLAGE, Level.TOWNSHIP])
        .exclude(pk=member.unit_id)
        .order_by("level", "division_code", "name")
    )
    ids = [
        u.pk
        for u in units
        if services.holds_register(u)
        and (u.level == Level.VILLAGE or u.category == Category.URBAN_BRANCH)
        and can(user, Action.EDIT_RECORDS, u)
    ]
    return OrgUnit.objects.filter(pk__in=ids).order_by("division_code", "name")


@login_required
@require_POST
def member_transfer(request, pk):
    member = get_member_for_user(request, pk, Action.EDIT_RECORDS)
    form = TransferForm(request.POST, candidates=_transfer_candidates(request.user, member))
    if form.is_valid():
        to_unit = form.cleaned_data["to_unit"]
        require(request, Action.EDIT_RECORDS, to_unit)
        try:
            services.do_transfer_member(
                request.user, member, to_unit, expected_version=form.cleaned_data.get("version")
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s” is now registered in “%(unit)s”.")
                % {"name": member.name, "unit": to_unit.name},
            )
            return redirect("registers:member_detail", member.pk)
    return render(
        request,
        "registers/member_detail.html",
        _detail_context(request, member, transfer_form=form),
        status=422,
    )


@login_required
def post_create(request, unit_id):
    unit = get_unit_for_user(request, unit_id, Action.EDIT_RECORDS)
    if unit.level == Level.GROUP:
        raise Http404("Appoint a group leader from the group's association.")
    groups = selectors.groups_of(unit) if services.holds_register(unit) else OrgUnit.objects.none()
    members = (
        selectors.subtree_members(unit).filter(status=MemberStatus.ACTIVE).order_by("name", "id")
    )
    form = PostForm(
        request.POST or None,
        groups=groups,
        members=members,
        member_search=request.GET.get("member_q", ""),
        initial={"kind": request.GET.get("kind", ""), "group": request.GET.get("group", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = data.get("group") if data["kind"] == PostKind.GROUP_LEADER else unit
        try:
            post = services.do_appoint_post(
                request.user,
                target,
                data["kind"],
                data["start_date"],
                member=data.get("member"),
                holder_name=data.get("holder_name"),
                note=data.get("note", ""),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "unit" in error.error_dict:
                error = ValidationError({**error.message_dict, "group": error.message_dict["unit"]})
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was appointed %(post)s.")
                % {"name": post.holder_name, "post": post.get_kind_display()},
            )
            return redirect("registers:unit_register", unit.pk)
    return render(request, "registers/post_form.html", _base(request, unit, form=form))


@login_required
def post_end(request, pk):
    post = Post.objects.select_related("unit", "unit__parent").filter(pk=parse_pk(pk)).first()
    if post is None:
        record_denial(
            request,
            request.user,
            Action.EDIT_RECORDS,
            reason="not_found",
            object_type="registers.post",
            object_id=str(pk)[:64],
        )
        raise Http404("No such post.")
    get_unit_for_user(request, post.unit_id, Action.EDIT_RECORDS)
    home = post.unit.parent if post.unit.level == Level.GROUP else post.unit
    form = EndPostForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.do_end_post(request.user, post, form.cleaned_data["end_date"])
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The term was ended."))
            return redirect("registers:unit_register", home.pk)
    return render(request, "registers/post_end.html", _base(request, home, form=form, post=post))
