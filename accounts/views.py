from datetime import datetime, time, timedelta

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import (
    Action,
    audit_units,
    can,
    can_view_audit_somewhere,
    record_denial,
    root_units,
)
from accounts.forms import AuditFilterForm
from accounts.models import Role
from audit.models import AuditEvent
from dashboards import board
from orgs.models import Level, OrgUnit
from orgs.selectors import subtree_counts
from registers.services import holds_register


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


@login_required
def home(request):
    """工作台: the user's units with what lies under them."""
    units = root_units(request.user)
    year = timezone.localdate().year
    summaries = [
        (
            unit,
            subtree_counts(unit),
            board.standing(unit, year),
            holds_register(unit) and can(request.user, Action.EDIT_RECORDS, unit),
        )
        for unit in units
    ]
    roles = Role.objects.filter(user=request.user).select_related("unit")
    return render(
        request,
        "accounts/home.html",
        {
            "summaries": summaries,
            "roles": roles,
            "nav_active": "home",
            "levels": Level,
            "year": year,
        },
    )


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _audit_queryset(user):
    if user.is_superuser:
        return AuditEvent.objects.all()
    units = audit_units(user)
    actors = Role.objects.filter(unit__in=units).values("user_id")
    return AuditEvent.objects.filter(Q(unit_id__in=units.values("pk")) | Q(actor_id__in=actors))


@login_required
def audit_log(request):
    if not (request.user.is_superuser or can_view_audit_somewhere(request.user)):
        record_denial(
            request, request.user, "view_audit", reason="forbidden", object_type="audit.auditevent"
        )
        raise PermissionDenied
    events = _audit_queryset(request.user)
    readable_units = None if request.user.is_superuser else audit_units(request.user)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        # Apply every filter that is valid, even beside an invalid one: a start date after the
        # end date shows its error over an empty list, never the whole unfiltered log.
        form.is_valid()
        data = form.cleaned_data
        if data.get("unit"):
            unit = data["unit"]
            if readable_units is not None and not readable_units.filter(pk=unit.pk).exists():
                events = events.none()
            else:
                events = events.filter(unit_id__in=OrgUnit.objects.subtree_of(unit).values("pk"))
        if data.get("user"):
            events = events.filter(actor_name__icontains=data["user"])
        if data.get("action"):
            events = events.filter(action__startswith=data["action"])
        if data.get("result"):
            events = events.filter(result=data["result"])
        if data.get("date_from"):
            events = events.filter(created_at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(created_at__lt=_day_start(data["date_to"]) + timedelta(days=1))
    page = Paginator(events.order_by("-seq"), 50).get_page(request.GET.get("page"))
    # Name and link only the units the reader may see (an actor's event can concern another).
    shown = OrgUnit.objects.all() if readable_units is None else readable_units
    units = shown.in_bulk({e.unit_id for e in page if e.unit_id})
    rows = [(event, units.get(event.unit_id)) for event in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "nav_active": "audit",
            "query": query.urlencode(),
            "title": _("Audit log"),
        },
    )
