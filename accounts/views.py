from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import audit_log as audit_log_selectors
from accounts.access import record_denial
from accounts.forms import AuditFilterForm


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


@login_required
def audit_log(request):
    if not audit_log_selectors.may_read_audit(request.user):
        record_denial(
            request, request.user, "view_audit", reason="forbidden", object_type="audit.auditevent"
        )
        raise PermissionDenied
    events = audit_log_selectors.readable_events(request.user)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        # Apply every filter that is valid, even beside an invalid one: a start date after the
        # end date shows its error over an empty list, never the whole unfiltered log.
        form.is_valid()
        data = form.cleaned_data
        events = audit_log_selectors.filter_events(
            events,
            request.user,
            unit=data.get("unit"),
            actor_name=data.get("user") or "",
            action=data.get("action") or "",
            result=data.get("result") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
    page = Paginator(events.order_by("-seq"), 50).get_page(request.GET.get("page"))
    units = audit_log_selectors.shown_units(request.user, page)
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
