"""Dashboard pages. Thin: the access helper scopes, dashboards.board arranges the figures."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import get_unit_for_user, root_units, visible_ancestors
from campaigns import targets as t
from campaigns import years
from campaigns.models import Campaign
from dashboards import board, selectors


def _year(request: HttpRequest, campaign: Campaign | None) -> int:
    """The year asked for, kept within the campaign (campaigns.years); this year by default."""
    year = years.asked_year(request.GET) or timezone.localdate().year
    return year if campaign is None else years.board_year(campaign, year)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """统计分析: the dashboard of the user's own unit (the first, when they hold several)."""
    roots = root_units(request.user)
    if not roots:
        return render(request, "dashboards/none.html", {"nav_active": "dashboards"})
    return redirect("dashboards:unit", min(roots, key=lambda u: (u.level, u.pk)).pk)


@require_GET
@login_required
def unit_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request, pk)
    campaign = selectors.campaign_for(unit)
    year = _year(request, campaign)
    context = {
        "unit": unit,
        "ancestors": visible_ancestors(request.user, unit),
        "campaign": campaign,
        "year": year,
        "nav_active": "dashboards",
    }
    if campaign is not None:
        context["board"] = board.build(unit, year, campaign, request.GET.get("indicator"))
        context["years"] = [campaign.first_year - 1, *campaign.years]
        context["indicators"] = [(i, t.INDICATOR_LABELS[i]) for i in board.SHARE_INDICATORS]
    return render(request, "dashboards/unit.html", context)
