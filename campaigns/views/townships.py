"""A township's pages: its baseline survey, its five-year creation plan and its pilots."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import (
    get_unit_for_user,
    missing,
)
from campaigns import checks, services, views_plan_levels
from campaigns import targets as t
from campaigns.access import forbidden, get_township_for_user
from campaigns.forms import (
    ApprovePlanForm,
    PilotForm,
    PlanForm,
    ReturnPlanForm,
    SubmitPlanForm,
    SurveyEntryForm,
)
from campaigns.plan_models import (
    Pilot,
    PlanStatus,
    PlanVersion,
)
from campaigns.views.frame import _base, _year
from core.forms import add_validation_errors
from orgs.models import Level, OrgUnit

# --- a township's page -------------------------------------------------------------------------


@login_required
def township(request, pk: int, township_pk: int):
    campaign, unit = get_township_for_user(request, pk, township_pk)
    year = _year(request, campaign)
    counts = services.current_counts(unit, year, campaign)
    targets = services.township_targets(campaign, unit)
    plan = services.plan_for(campaign, unit)
    return render(
        request,
        "campaigns/township.html",
        _base(
            request,
            campaign,
            unit,
            year=year,
            attainments=t.attainments(counts, targets, townships=False),
            plan=plan,
            approved=services.approved_version(plan),
            pilots=list(services.pilots_of(campaign, unit, year)),
            pilot_findings=services.pilot_findings(campaign, unit, year),
            keeps_township=services.keeps_township(request.user, unit),
        ),
    )


# Baseline survey


@login_required
def survey(request, pk: int, township_pk: int):
    campaign, unit = get_township_for_user(request, pk, township_pk)
    lines = services.survey_lines(campaign, unit)
    return render(
        request,
        "campaigns/survey.html",
        _base(
            request,
            campaign,
            unit,
            lines=lines,
            unsaved=sum(1 for line in lines if line.stored is None),
            keeps_township=services.keeps_township(request.user, unit),
        ),
    )


@login_required
@require_POST
def survey_save(request, pk: int, township_pk: int):
    campaign, unit = get_township_for_user(request, pk, township_pk, edit=True)
    count = services.do_save_survey(request.user, campaign, unit)
    messages.success(request, _("%(count)s village lines were saved.") % {"count": count})
    return redirect("campaigns:survey", campaign.pk, unit.pk)


@login_required
def survey_entry(request, pk: int, township_pk: int, village_pk: int):
    campaign, unit = get_township_for_user(request, pk, township_pk, edit=True)
    village = get_unit_for_user(request, village_pk)
    if not (
        village.level == Level.VILLAGE and village.township_id == unit.pk and village.is_active
    ):
        raise missing(request, "orgs.orgunit", village_pk)
    line = services.survey_line(campaign, village)
    sections = line.section_scores or []
    initial = {"standing": line.standing, "gaps": line.gaps, "notes": line.notes}
    for index, section in enumerate(sections):
        initial[f"score_{index}"] = section.get("score")
    form = SurveyEntryForm(request.POST or None, initial=initial, sections=sections)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_survey_entry(
                request.user,
                campaign,
                village,
                standing=form.cleaned_data["standing"],
                section_scores=form.section_scores(),
                gaps=form.cleaned_data["gaps"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("campaigns:survey", campaign.pk, unit.pk)
    return render(
        request,
        "campaigns/survey_entry.html",
        _base(request, campaign, unit, village=village, line=line, form=form),
    )


# Five-year creation plan


def _plan_context(campaign, unit, years) -> dict:
    rows = services.plan_rows(campaign, unit, years)
    targets = services.township_targets(campaign, unit)
    totals = checks.yearly_totals(rows, campaign.years)
    return {
        "findings": services.plan_findings(campaign, unit, rows),
        "totals": [
            (
                total,
                t.qualified(total.counts, targets),
                t.first_class(total.counts, targets),
            )
            for total in totals
        ],
        "targets": targets,
        "base_label": t.BASE_LABELS[targets.first_class_base],
        "standings": {row.village_id: row.standing for row in rows},
    }


@login_required
def plan(request, pk: int, township_pk: int):
    campaign, unit = get_township_for_user(request, pk, township_pk)
    keeps = services.keeps_township(request.user, unit)
    creation_plan = services.plan_for(campaign, unit)
    villages = list(services.villages_of(unit).order_by("division_code", "name", "pk"))
    stored = services.draft_years(creation_plan)
    initial = {}
    for village_id, (q, f) in stored.items():
        initial[f"q_{village_id}"], initial[f"f_{village_id}"] = q, f
    form = PlanForm(request.POST or None, initial=initial, villages=villages, years=campaign.years)
    if request.method == "POST":
        if not keeps:
            raise forbidden(request, "edit_plan", unit)
        if form.is_valid():
            try:
                services.do_save_plan_draft(request.user, campaign, unit, form.years())
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("campaigns:plan", campaign.pk, unit.pk)
    years = form.years() if form.is_bound and form.is_valid() else stored
    versions = list(creation_plan.versions.all()) if creation_plan else []
    locked = creation_plan is not None and creation_plan.status == PlanStatus.SUBMITTED
    context = _plan_context(campaign, unit, years)
    rows = [(v, q, f, context["standings"].get(v.pk)) for v, q, f in form.rows()]
    return render(
        request,
        "campaigns/plan.html",
        _base(
            request,
            campaign,
            unit,
            form=form,
            plan=creation_plan,
            versions=versions,
            rows=rows,
            editable=keeps and not locked,
            keeps_township=keeps,
            **context,
            **views_plan_levels.context(campaign, unit, creation_plan, villages),
        ),
    )


@login_required
@require_POST
def plan_check(request, pk: int, township_pk: int):
    """The checks of the years on the page, without saving them (htmx, as the user edits)."""
    campaign, unit = get_township_for_user(request, pk, township_pk)
    villages = list(services.villages_of(unit))
    form = PlanForm(request.POST, villages=villages, years=campaign.years)
    years = form.years() if form.is_valid() else {}
    return render(
        request,
        "campaigns/plan_checks.html",
        _base(request, campaign, unit, live=True, **_plan_context(campaign, unit, years)),
    )


@login_required
def plan_submit(request, pk: int, township_pk: int):
    campaign, unit = get_township_for_user(request, pk, township_pk, edit=True)
    creation_plan = services.plan_for(campaign, unit)
    form = SubmitPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.do_submit_plan(
                request.user, campaign, unit, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)s was submitted to the county.") % {"number": version.number},
            )
            return redirect("campaigns:plan_version", campaign.pk, unit.pk, version.number)
    return render(
        request,
        "campaigns/plan_submit.html",
        _base(
            request,
            campaign,
            unit,
            form=form,
            plan=creation_plan,
            **_plan_context(campaign, unit, services.draft_years(creation_plan)),
        ),
    )


@login_required
def plan_version(request, pk: int, township_pk: int, number: int):
    campaign, unit = get_township_for_user(request, pk, township_pk)
    version = (
        PlanVersion.objects.filter(plan__campaign=campaign, plan__township=unit, number=number)
        .select_related("plan", "submitted_by", "decided_by")
        .first()
    )
    if version is None:
        raise missing(request, "campaigns.planversion", f"{township_pk}:{number}")
    approver = services.approves_plans(request.user, unit)
    approve_form, return_form = ApprovePlanForm(), ReturnPlanForm()
    if request.method == "POST":
        if not approver:
            raise forbidden(request, "approve_plan", unit)
        returning = request.POST.get("decision") == "return"
        form = ReturnPlanForm(request.POST) if returning else ApprovePlanForm(request.POST)
        if form.is_valid():
            try:
                if returning:
                    services.do_return_plan(request.user, version, **form.cleaned_data)
                else:
                    services.do_approve_plan(request.user, version, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(
                    request,
                    _("The plan was returned.") if returning else _("The plan was approved."),
                )
                return redirect("campaigns:plans", campaign.pk)
        if returning:
            return_form = form
        else:
            approve_form = form
    villages = {v.pk: v for v in OrgUnit.objects.filter(township_id=unit.pk, level=Level.VILLAGE)}
    # Beside each line, what the previous version said, so the county sees what changed.
    previous_version = (
        PlanVersion.objects.filter(plan=version.plan, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    years = services.version_years(version)
    before = services.version_years(previous_version) if previous_version else None
    entries = []
    for village_id in sorted(
        set(years) | set(before or {}), key=lambda pk: _village_order(villages, pk)
    ):
        now = years.get(village_id, (None, None))
        was = before.get(village_id, (None, None)) if before is not None else now
        entries.append((villages.get(village_id), now, was if was != now else None))
    return render(
        request,
        "campaigns/plan_version.html",
        _base(
            request,
            campaign,
            unit,
            version=version,
            previous_version=previous_version,
            entries=entries,
            versions=list(version.plan.versions.all()),
            can_decide=approver and version.status == PlanStatus.SUBMITTED,
            approve_form=approve_form,
            return_form=return_form,
            **_plan_context(campaign, unit, services.version_years(version)),
        ),
    )


def _village_order(villages: dict, pk: int) -> tuple:
    village = villages.get(pk)
    return (village.division_code or "", village.name, pk) if village else ("", "", pk)


# Pilots


@login_required
def pilots(request, pk: int, township_pk: int):
    campaign, unit = get_township_for_user(request, pk, township_pk)
    year = _year(request, campaign)
    keeps = services.keeps_township(request.user, unit)
    form = PilotForm(request.POST or None, villages=services.villages_of(unit))
    if request.method == "POST":
        if not keeps:
            raise forbidden(request, "edit_pilots", unit)
        if form.is_valid():
            try:
                services.do_add_pilot(
                    request.user,
                    campaign,
                    unit,
                    year=year,
                    village=form.cleaned_data["village"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("The pilot was added."))
                return redirect(f"{request.path}?year={year}")
    chosen = list(services.pilots_of(campaign, unit, year))
    return render(
        request,
        "campaigns/pilots.html",
        _base(
            request,
            campaign,
            unit,
            year=year,
            form=form,
            pilots=chosen,
            findings=services.pilot_findings(campaign, unit, year, chosen),
            required=checks.pilots_required(unit.population, campaign.large_township_population),
            keeps_township=keeps,
        ),
    )


@login_required
def pilot_remove(request, pk: int):
    pilot = Pilot.objects.select_related("campaign", "township", "village").filter(pk=pk).first()
    if pilot is None:
        raise missing(request, "campaigns.pilot", pk)
    campaign, unit = get_township_for_user(request, pilot.campaign_id, pilot.township_id, edit=True)
    if request.method == "POST":
        services.do_remove_pilot(request.user, pilot)
        messages.success(request, _("The pilot was removed."))
        url = reverse("campaigns:pilots", args=[campaign.pk, unit.pk])
        return redirect(f"{url}?year={pilot.year}")
    return render(
        request, "campaigns/pilot_remove.html", _base(request, campaign, unit, pilot=pilot)
    )
