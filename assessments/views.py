"""Rounds, the round at a glance, applying, and "waiting for me".

Every assessment is reached through `get_assessment_for_user` and every round through
`get_round_for_user`: 404 outside the user's subtrees, 403 for an action their level does not
take, each denial recorded (accounts.access)."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_unit_for_user, record_denial, roles_of
from accounts.models import RoleKind
from assessments import selection, selectors, services
from assessments.access import get_round_for_user
from assessments.forms import (
    REVOKED_FILTER,
    OverviewFilterForm,
    RoundFilterForm,
    RoundForm,
    WaitingFilterForm,
)
from assessments.models import (
    AssessmentState,
    AwardedTitle,
    StageDeadline,
    TitleStatus,
)
from core.forms import add_validation_errors
from orgs.models import Level, OrgUnit
from standards.access import visible_standards
from standards.models import Stage, TitleKind

PAGE_SIZE = 50


def county_organisers(user):
    """Units where the user may organise a round: the counties where they are county officer."""
    pks = [
        role.unit.pk
        for role in roles_of(user)
        if role.kind == RoleKind.COUNTY_OFFICER and role.unit.level == Level.COUNTY
    ]
    return OrgUnit.objects.filter(pk__in=pks, status="active").order_by("name")


@login_required
def round_list(request):
    rounds = selectors.rounds_for_user(request.user).annotate(assessment_count=Count("assessments"))
    filters = RoundFilterForm(request.GET or None)
    if filters.is_valid():
        if filters.cleaned_data["q"]:
            rounds = rounds.filter(name__icontains=filters.cleaned_data["q"].replace("\x00", ""))
        if filters.cleaned_data["year"]:
            rounds = rounds.filter(year=filters.cleaned_data["year"])
    page = Paginator(rounds.order_by("-year", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/round_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "can_create": county_organisers(request.user).exists(),
        },
    )


@login_required
def round_create(request):
    organisers = county_organisers(request.user)
    if not organisers.exists():
        record_denial(
            request, request.user, "create_round", reason="forbidden", object_type="round"
        )
        raise PermissionDenied(_("Rounds are organised by county officers."))
    form = RoundForm(
        request.POST or None, organisers=organisers, standards=visible_standards(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_, warnings = services.do_create_round(
                request.user,
                data["organiser"],
                year=data["year"],
                name=data["name"],
                standards=data["standards"],
                deadlines=data["deadlines"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The round “%(name)s” is open.") % {"name": round_.name})
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("assessments:round", round_.pk)
    return render(request, "assessments/round_form.html", {"form": form})


def _overview_counts(assessments) -> list[tuple[str, dict]]:
    """Per title: open assessments per stage, and decided ones per state."""
    counts: dict[str, dict] = {}
    rows = assessments.values("title", "state", "stage").annotate(n=Count("id"))
    for row in rows:
        entry = counts.setdefault(row["title"], {"stages": {}, "states": {}, "total": 0})
        entry["total"] += row["n"]
        entry["states"][row["state"]] = entry["states"].get(row["state"], 0) + row["n"]
        if row["state"] == AssessmentState.OPEN:
            entry["stages"][row["stage"]] = entry["stages"].get(row["stage"], 0) + row["n"]
    return [(TitleKind(title).label, counts[title]) for title in sorted(counts)]


def _township_counts(assessments) -> list[dict]:
    """Per township: applications, still open, awarded, not awarded or withdrawn."""
    rows = assessments.values("unit__township_id", "unit__township__name", "state").annotate(
        n=Count("id")
    )
    townships: dict[int, dict] = {}
    for row in rows:
        entry = townships.setdefault(
            row["unit__township_id"],
            {"name": row["unit__township__name"], "total": 0, "open": 0, "awarded": 0, "other": 0},
        )
        entry["total"] += row["n"]
        if row["state"] == AssessmentState.OPEN:
            entry["open"] += row["n"]
        elif row["state"] == AssessmentState.AWARDED:
            entry["awarded"] += row["n"]
        else:
            entry["other"] += row["n"]
    return sorted(townships.values(), key=lambda e: e["name"] or "")


@login_required
def round_detail(request, pk: int):
    """The round at a glance: every assessment the user may see, filtered, with overdue ones
    flagged, and what the user may apply for."""
    round_ = get_round_for_user(request, pk)
    titles = list(round_.titles.select_related("standard").order_by("title"))
    # One count of every title's chain, not one query per title.
    lengths = Counter(
        Stage.objects.filter(standard_id__in={t.standard_id for t in titles}).values_list(
            "standard_id", flat=True
        )
    )
    max_stages = max((lengths[t.standard_id] for t in titles), default=1)
    assessments = (
        selectors.assessments_for_user(request.user)
        .filter(round=round_, parent__isnull=True)
        .exclude(title=TitleKind.FIVE_GOOD_GROUP)
        .select_related("unit", "unit__township", "standard", "round")
    )
    counts = _overview_counts(assessments)
    township_counts = _township_counts(assessments)
    filters = OverviewFilterForm(
        request.GET or None,
        townships=selectors.townships_of(round_, request.user),
        titles=[t.title for t in titles],
        max_stages=max_stages,
    )
    overdue_only = False
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            assessments = assessments.filter(unit__name__icontains=data["q"].replace("\x00", ""))
        if data["township"]:
            assessments = assessments.filter(unit__township=data["township"])
        if data["title"]:
            assessments = assessments.filter(title=data["title"])
        if data["stage"] is not None:
            assessments = assessments.filter(stage=data["stage"], state=AssessmentState.OPEN)
        if data["state"] == REVOKED_FILTER:
            assessments = assessments.filter(awarded_title__status=TitleStatus.REVOKED)
        elif data["state"] == AssessmentState.AWARDED:
            # 已授予 means a title in force: a revoked one reads 已摘牌, under its own filter.
            assessments = assessments.filter(state=data["state"]).exclude(
                awarded_title__status=TitleStatus.REVOKED
            )
        elif data["state"]:
            assessments = assessments.filter(state=data["state"])
        overdue_only = data["overdue"]
    if overdue_only:
        late = StageDeadline.objects.filter(
            round_title__round=round_, due__lt=timezone.localdate()
        ).values_list("round_title__title", "stage")
        late = set(late)
        keep = [
            pk
            for pk, title, stage in assessments.filter(state=AssessmentState.OPEN).values_list(
                "pk", "title", "stage"
            )
            if (title, stage) in late
        ]
        assessments = assessments.filter(pk__in=keep)
    page = Paginator(
        assessments.order_by("unit__division_code", "unit__name", "title"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = selectors.rows_for(page)
    revoked = set(
        AwardedTitle.objects.filter(
            assessment__in=[r.assessment.pk for r in rows], status=TitleStatus.REVOKED
        ).values_list("assessment_id", flat=True)
    )
    for row in rows:
        row.revoked = row.assessment.pk in revoked
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/round_detail.html",
        {
            "round": round_,
            "titles": titles,
            "counts": counts,
            "township_counts": township_counts if len(township_counts) > 1 else [],
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "applicable": selectors.applicable_units(request.user, round_),
            "can_draw": services.acts_at_level(request.user, round_.organiser, Level.COUNTY),
            "selects": selection.selects_in(round_),
            "deadlines": StageDeadline.objects.filter(round_title__round=round_).select_related(
                "round_title"
            ),
        },
    )


@login_required
@require_POST
def apply(request, pk: int):
    round_ = get_round_for_user(request, pk)
    unit = get_unit_for_user(request, request.POST.get("unit"))
    title = request.POST.get("title", "")
    if title not in TitleKind.values:
        messages.error(request, _("Choose a title."))
        return redirect("assessments:round", round_.pk)
    try:
        assessment = services.do_apply(request.user, round_, title, unit)
    except PermissionDenied as error:
        record_denial(request, request.user, "apply", reason="forbidden", unit=unit)
        messages.error(request, " ".join(error.args) or _("You may not apply for this unit."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(unit)s applied for “%(title)s”. Fill in the self-assessment below.")
            % {"unit": unit.name, "title": TitleKind(title).label},
        )
        return redirect("assessments:sheet", assessment.pk)
    return redirect("assessments:round", round_.pk)


@login_required
def waiting(request):
    """待我处理: what waits at the user's level in their subtree, overdue and due first."""
    rows = selectors.waiting_for(request.user)
    outcomes = selectors.outcomes_of([row.assessment for row in rows])
    for row in rows:
        row.outcome = outcomes[row.assessment.pk]
    filters = WaitingFilterForm(request.GET or None)
    shown = rows
    if filters.is_valid():
        data = dict(filters.cleaned_data)
        passing_only, sort = data.pop("passing"), data.pop("sort")
        shown = selectors.filter_waiting(rows, **data)
        shown = selectors.sort_waiting(shown, outcomes, passing_only, sort)
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.count_above_suggestion(page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/waiting.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "total": len(rows),
            "shown": len(shown),
            "overdue": sum(1 for r in rows if r.overdue),
            # Group ratings wait as one row per village, leading to its 五好小组评定 page.
            "group_rows": selectors.group_ratings_waiting_for(request.user),
            # 授予所选: what the user's level decides now, by the services' own check.
            "decidable": {
                r.assessment.pk for r in rows if services.can_decide(request.user, r.assessment)
            },
        },
    )
