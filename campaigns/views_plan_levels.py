"""The plan page's 三级联创 part: five-good groups per village and year, the village's 特色/措施,
and the township's advanced aim (campaigns/plan_levels.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns import plan_levels, services
from campaigns.access import forbidden, get_township_for_user


def context(campaign, unit, plan, villages) -> dict:
    """The rows of the levels form: (village, its groups, [(year, planned)], note)."""
    stored = plan_levels.draft_levels(plan)
    counts = plan_levels.group_counts([v.pk for v in villages])
    rows = []
    for village in villages:
        groups, note = stored.get(village.pk, ({}, ""))
        cells = [(year, groups.get(year)) for year in campaign.years]
        rows.append((village, counts.get(village.pk, 0), cells, note))
    return {
        "level_rows": rows,
        "advanced_year": plan.advanced_year if plan else None,
        "level_years": campaign.years,
    }


def _villages_from(request, villages, years) -> dict:
    return {
        village.pk: {
            "groups": {year: request.POST.get(f"g_{village.pk}_{year}", "") for year in years},
            "note": request.POST.get(f"note_{village.pk}", ""),
        }
        for village in villages
    }


@login_required
@require_POST
def plan_levels_save(request, pk: int, township_pk: int):
    campaign, unit = get_township_for_user(request, pk, township_pk)
    if not services.keeps_township(request.user, unit):
        raise forbidden(request, "edit_plan", unit)
    villages = list(services.villages_of(unit).order_by("division_code", "name", "pk"))
    try:
        plan_levels.do_save_plan_levels(
            request.user,
            campaign,
            unit,
            villages=_villages_from(request, villages, campaign.years),
            advanced_year=request.POST.get("advanced_year", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The groups, notes and the township's aim were saved."))
    return redirect("campaigns:plan", campaign.pk, unit.pk)
