"""The navigation of every page's top bar, which links into the apps (the project composes them)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import can_view_audit_somewhere, root_units
from core.logs import note_units


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [
        ("home", _("My work"), reverse("home")),
        ("units", _("Organisation"), reverse("orgs:tree")),
        ("members", _("Members and posts"), reverse("registers:members_home")),
        ("records", _("Trainings and activities"), reverse("registers:records_home")),
    ]
    if can_view_audit_somewhere(user):
        items.append(("audit", _("Audit log"), reverse("audit_log")))
    if user.is_staff:
        items.append(("admin", _("System administration"), reverse("admin:index")))
    roots = root_units(user)
    note_units(request, roots)  # the request log's unit
    # The working year beside the unit in the top bar (ui.md: unit and year always visible).
    return {"nav_items": items, "current_units": roots, "current_year": timezone.localdate().year}
