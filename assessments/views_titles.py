"""Titles (revocation) and the county's spot checks."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import Action, missing, record_denial, require
from assessments import services
from assessments.access import get_round_for_user
from assessments.forms import InspectionForm, RevokeForm, SpotCheckForm
from assessments.models import AwardedTitle, SpotCheck, SpotCheckEntry, TitleStatus
from core.forms import add_validation_errors
from orgs.models import Level
from standards.models import TitleKind


@login_required
def revoke(request, pk: int):
    title = (
        AwardedTitle.objects.select_related("unit", "assessment__standard").filter(pk=pk).first()
    )
    if title is None:
        raise missing(request, "assessments.awardedtitle", pk)
    require(request, Action.VIEW, title.unit)
    if not services.can_revoke(request.user, title):
        record_denial(request, request.user, "revoke", reason="forbidden", unit=title.unit)
        raise PermissionDenied(_("Only the level that decides this title may revoke it."))
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_revoke_title(
                request.user,
                title,
                cause=form.cleaned_data["cause"],
                reason=form.cleaned_data["reason"],
                effective_year=form.cleaned_data.get("effective_year"),
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                form.add_error(None, " ".join(str(a) for a in error.args))
            else:
                add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("The title “%(title)s” of %(unit)s was revoked.")
                % {"title": title.get_title_display(), "unit": title.unit.name},
            )
            return redirect("orgs:unit", title.unit_id)
    return render(
        request,
        "assessments/revoke.html",
        {"title": title, "form": form, "in_force": title.status == TitleStatus.AWARDED},
    )


def _require_county(request, round_):
    if not services.acts_at_level(request.user, round_.organiser, Level.COUNTY):
        record_denial(
            request, request.user, "spot_check", reason="forbidden", unit=round_.organiser
        )
        raise PermissionDenied(_("Spot checks are drawn by the county."))


@login_required
def spot_checks(request, pk: int):
    """A round's spot checks and the form to draw a new sample."""
    round_ = get_round_for_user(request, pk)
    _require_county(request, round_)
    titles = [
        t for t in round_.titles.values_list("title", flat=True) if t != TitleKind.FIVE_GOOD_GROUP
    ]
    form = SpotCheckForm(
        request.POST or None, titles=titles, townships=services.spot_check_townships(round_)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        share = data["share"] / Decimal(100) if data["share"] is not None else None
        try:
            check = services.do_draw_spot_check(
                request.user,
                round_,
                data["title"],
                share=share,
                count=data["count"],
                seed=data["seed"],
                township=data["township"],
            )
        except PermissionDenied as error:
            form.add_error(None, " ".join(str(a) for a in error.args))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("%(count)s unit(s) drawn with the seed %(seed)s.")
                % {"count": check.entries.count(), "seed": check.seed},
            )
            return redirect("assessments:spot_check", check.pk)
    checks = round_.spot_checks.select_related("drawn_by", "township").order_by("-drawn_at")
    return render(
        request,
        "assessments/spot_checks.html",
        {"round": round_, "form": form, "checks": checks},
    )


def _get_check(request, pk) -> SpotCheck:
    check = SpotCheck.objects.select_related("round__organiser").filter(pk=pk).first()
    if check is None:
        raise missing(request, "assessments.spotcheck", pk)
    get_round_for_user(request, check.round_id)
    _require_county(request, check.round)
    return check


@login_required
def spot_check(request, pk: int):
    """The sample with its seed, the re-drawn sample beside it, and the inspections."""
    check = _get_check(request, pk)
    entries = check.entries.select_related("assessment__unit__township", "inspected_by").order_by(
        "assessment__unit__township__name", "assessment__unit__name"
    )
    recorded = sorted(e.assessment_id for e in entries)
    redrawn = sorted(services.redraw(check))
    return render(
        request,
        "assessments/spot_check.html",
        {
            "check": check,
            "entries": [(e, InspectionForm(prefix=f"e{e.pk}")) for e in entries],
            "redraw_matches": recorded == redrawn,
            "redrawn_count": len(redrawn),
            "population_size": len(check.population),
        },
    )


@login_required
def inspect(request, pk: int):
    entry = (
        SpotCheckEntry.objects.select_related("spot_check", "assessment__unit")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise missing(request, "assessments.spotcheckentry", pk)
    check = _get_check(request, entry.spot_check_id)
    form = InspectionForm(request.POST or None, prefix=f"e{entry.pk}")
    confirmed = request.POST.get("confirmed") == "1"
    if request.method == "POST" and form.is_valid() and confirmed:
        try:
            services.do_record_inspection(
                request.user,
                entry,
                passed=form.cleaned_data["result"] == "passed",
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied as error:
            form.add_error(None, " ".join(str(a) for a in error.args))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("The inspection of %(unit)s was recorded.") % {"unit": entry.assessment.unit},
            )
            return redirect("assessments:spot_check", check.pk)
    return render(
        request,
        "assessments/inspect.html",
        {"check": check, "entry": entry, "form": form},
        status=400 if form.errors else 200,
    )
