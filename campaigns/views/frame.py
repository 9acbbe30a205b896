"""Pages of the campaign, its targets and the overviews of the townships' plans and pilots."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import (
    get_unit_for_user,
    root_units,
    visible_ancestors,
)
from assessments import selection
from campaigns import checks, services
from campaigns import targets as t
from campaigns.access import forbidden, get_campaign_for_user, get_township_for_user
from campaigns.forms import (
    CampaignForm,
    TownshipTargetForm,
)
from campaigns.plan_models import (
    Campaign,
    CreationPlan,
    Pilot,
    PlanStatus,
    TownshipTarget,
)
from campaigns.years import asked_year, plan_year
from core.forms import add_validation_errors
from orgs.models import Level, OrgUnit

NAV = "plans"


# --- access ------------------------------------------------------------------------------------


def _year(request, campaign: Campaign) -> int:
    return plan_year(campaign, asked_year(request.GET) or asked_year(request.POST))


def _base(request, campaign: Campaign, unit: OrgUnit | None = None, **extra) -> dict:
    return {
        "campaign": campaign,
        "unit": unit,
        "ancestors": visible_ancestors(request.user, unit) if unit else [],
        "nav_active": NAV,
        "keeps_campaign": services.keeps_campaign(request.user, campaign),
        **extra,
    }


# --- campaigns ---------------------------------------------------------------------------------


@login_required
def home(request):
    """The user's campaigns: those organised at or below their units (the campaign's page), and
    those above a township officer's township (the township's page)."""
    rows, seen = [], set()
    roots = root_units(request.user)
    for root in roots:
        above = [c for c in services.campaigns_for(root) if c.organiser_id != root.pk]
        below = Campaign.objects.filter(
            organiser__in=OrgUnit.objects.subtree_of(root)
        ).select_related("organiser")
        for campaign in [*below, *above]:
            if campaign.pk in seen:
                continue
            seen.add(campaign.pk)
            if root.contains(campaign.organiser):
                url = reverse("campaigns:campaign", args=[campaign.pk])
            elif services.takes_plan(root):
                url = reverse("campaigns:township", args=[campaign.pk, root.pk])
            else:
                url = ""
            rows.append((campaign, url))
    creatable = [
        u for u in roots if u.level <= Level.COUNTY and services.keeps_campaign(request.user, u)
    ]
    return render(
        request,
        "campaigns/home.html",
        {"rows": rows, "creatable": creatable, "nav_active": NAV},
    )


@login_required
def campaign_create(request, unit_pk: int):
    organiser = get_unit_for_user(request, unit_pk)
    if not services.keeps_campaign(request.user, organiser):
        raise forbidden(request, "create_campaign", organiser)
    this_year = timezone.localdate().year
    form = CampaignForm(
        request.POST or None,
        initial={
            "first_year": this_year,
            "name": _("三联创 %(first)s–%(last)s")
            % {"first": this_year, "last": this_year + services.DEFAULT_YEARS - 1},
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            campaign = services.do_create_campaign(
                request.user,
                organiser,
                name=data.pop("name"),
                first_year=data.pop("first_year"),
                last_year=data.pop("last_year"),
                **data,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The campaign was created."))
            return redirect("campaigns:campaign", campaign.pk)
    return render(
        request,
        "campaigns/campaign_form.html",
        {
            "form": form,
            "unit": organiser,
            "ancestors": visible_ancestors(request.user, organiser),
            "nav_active": NAV,
        },
    )


@login_required
def campaign_edit(request, pk: int):
    campaign = get_campaign_for_user(request, pk, keep=True)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.get("last_year") is None:
            data["last_year"] = data["first_year"] + services.DEFAULT_YEARS - 1
        try:
            services.do_update_campaign(request.user, Campaign.objects.get(pk=pk), **data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("campaigns:campaign", campaign.pk)
    return render(
        request,
        "campaigns/campaign_form.html",
        _base(request, campaign, campaign.organiser, form=form),
    )


def _plan_states(campaign: Campaign, townships: list[OrgUnit]) -> dict[int, CreationPlan]:
    plans = CreationPlan.objects.filter(campaign=campaign, township__in=townships).prefetch_related(
        "versions"
    )
    return {plan.township_id: plan for plan in plans}


@login_required
def campaign_detail(request, pk: int):
    campaign = get_campaign_for_user(request, pk)
    year = _year(request, campaign)
    counts = services.current_counts(campaign.organiser, year, campaign)
    townships = list(services.townships_of(campaign))
    own = {
        target.township_id: target
        for target in TownshipTarget.objects.filter(campaign=campaign, township__in=townships)
    }
    plans = _plan_states(campaign, townships)
    rows = [(township, own.get(township.pk), plans.get(township.pk)) for township in townships]
    return render(
        request,
        "campaigns/campaign_detail.html",
        _base(
            request,
            campaign,
            campaign.organiser,
            year=year,
            attainments=t.attainments(counts, services.campaign_targets(campaign)),
            rows=rows,
            selection_warning=selection.shortfall_warning(
                campaign.organiser, campaign.first_year, campaign.last_year, year
            ),
        ),
    )


@login_required
def township_target_edit(request, pk: int, township_pk: int):
    campaign = get_campaign_for_user(request, pk, keep=True)
    campaign, township = get_township_for_user(request, pk, township_pk)
    own = TownshipTarget.objects.filter(campaign=campaign, township=township).first()
    initial = {name: getattr(own, name) for name in services.SHARE_FIELDS} if own else {}
    form = TownshipTargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_set_township_target(request.user, campaign, township, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("campaigns:campaign", campaign.pk)
    return render(
        request,
        "campaigns/township_target_form.html",
        _base(request, campaign, township, form=form, defaults=services.campaign_targets(campaign)),
    )


@login_required
def plans_overview(request, pk: int):
    campaign = get_campaign_for_user(request, pk)
    townships = list(services.townships_of(campaign))
    plans = _plan_states(campaign, townships)
    rows = []
    for township in townships:
        plan = plans.get(township.pk)
        versions = sorted(plan.versions.all(), key=lambda v: -v.number) if plan else []
        latest = versions[0] if versions else None
        warnings = [c for c in latest.checks if c["severity"] == checks.WARNING] if latest else []
        rows.append((township, plan, latest, warnings))
    waiting = sum(1 for _t, plan, _l, _w in rows if plan and plan.status == PlanStatus.SUBMITTED)
    return render(
        request,
        "campaigns/plans_overview.html",
        _base(request, campaign, campaign.organiser, rows=rows, waiting=waiting),
    )


@login_required
def pilots_overview(request, pk: int):
    campaign = get_campaign_for_user(request, pk)
    year = _year(request, campaign)
    townships = list(services.townships_of(campaign))
    pilots: dict[int, list[Pilot]] = {}
    for pilot in Pilot.objects.filter(campaign=campaign, year=year).select_related("village"):
        pilots.setdefault(pilot.township_id, []).append(pilot)
    with_key = set(
        OrgUnit.objects.active()
        .filter(level=Level.VILLAGE, is_key_village=True, township__in=townships)
        .values_list("township_id", flat=True)
    )
    rows = []
    for township in townships:
        chosen = pilots.get(township.pk, [])
        findings = checks.check_pilots(
            [
                checks.PilotRow(p.village_id, p.village.name, p.village.is_key_village)
                for p in chosen
            ],
            population=township.population,
            large_population=campaign.large_township_population,
            has_key_village=township.pk in with_key,
            first_year=year == campaign.first_year,
        )
        rows.append((township, chosen, findings))
    return render(
        request,
        "campaigns/pilots_overview.html",
        _base(request, campaign, campaign.organiser, year=year, rows=rows),
    )
