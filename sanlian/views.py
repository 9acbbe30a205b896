"""The project's own pages: the home page (工作台), which composes every app's figures for the
user's units, so it sits at the top of the layers."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from accounts.access import Action, can, root_units
from accounts.models import Role, RoleKind
from dashboards import board
from orgs.models import Level
from orgs.selectors import subtree_counts
from registers.services import holds_register


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
    # A leader only reads: their home leads with the targets and what waits at their level,
    # not with an empty work queue of their own.
    reads_only = bool(roles) and all(role.kind == RoleKind.LEADER for role in roles)
    return render(
        request,
        "sanlian/home.html",
        {
            "summaries": summaries,
            "roles": roles,
            "reads_only": reads_only,
            "nav_active": "home",
            "levels": Level,
            "year": year,
        },
    )
