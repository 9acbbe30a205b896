"""五好小组评定: a round's five-good ratings of one village's groups on one page, rated by the
village council (or its township for a village without an account) and decided by the township
group by group; and the list of the round's villages with how far their groups are."""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import visible_units
from assessments import group_ratings, group_rules, services
from assessments.access import forbidden, get_group_village_for_user, get_round_for_user
from assessments.models import Assessment, AssessmentState, Score
from orgs.models import LEVEL_COLUMNS, Level
from orgs.selectors import group_sort_key
from standards.models import Item


@dataclass
class GroupRow:
    rating: Assessment
    marks: dict[int, Score] = field(default_factory=dict)
    total: object = None
    passes: bool = False
    editable: bool = False
    decidable: bool = False


def _rows(round_, village, user) -> tuple[list[GroupRow], list[Item]]:
    ratings = list(
        group_rules.group_ratings_of(round_, village).select_related(
            "unit", "unit__parent", "standard", "round", "access_unit"
        )
    )
    services.with_stages(ratings)
    items = list(
        Item.objects.filter(section__standard__in={r.standard_id for r in ratings}).order_by(
            "section__position", "position"
        )
    )
    scores: dict[int, dict[int, Score]] = {}
    for score in Score.objects.filter(assessment__in=ratings, is_current=True, stage=0):
        scores.setdefault(score.assessment_id, {})[score.item_id] = score
    rows = []
    for rating in ratings:
        outcome = services.outcome_at(rating, rating.stage)
        acting = rating.parent_id is None and services.can_act(user, rating)
        rows.append(
            GroupRow(
                rating=rating,
                marks=scores.get(rating.pk, {}),
                total=outcome.total,
                passes=outcome.passes,
                editable=acting and rating.stage == 0,
                decidable=acting and rating.stage == 1,
            )
        )
    rows.sort(key=lambda row: group_sort_key(row.rating.unit.name))
    return rows, items


def _score_entries(post, rows: list[GroupRow], items: list[Item]) -> dict:
    entries = {}
    for row in rows:
        if not row.editable:
            continue
        entries[row.rating.pk] = [
            services.ScoreInput(
                item_id=item.pk,
                points=post.get(f"r{row.rating.pk}-i{item.pk}", ""),
                veto_violated=_veto(post.get(f"r{row.rating.pk}-v{item.pk}", ""))
                if item.is_veto
                else None,
                # Where the registers suggest another score, the row's note says why.
                override_reason=post.get(f"note{row.rating.pk}", "") if item.metric else "",
            )
            for item in items
            if item.section.standard_id == row.rating.standard_id
        ]
    return entries


def _veto(raw: str) -> bool | None:
    return {"clear": False, "violated": True}.get(raw)


def _decisions(post, rows: list[GroupRow]) -> dict:
    decisions = {}
    for row in rows:
        choice = post.get(f"d{row.rating.pk}", "")
        if row.decidable and choice in ("award", "not_award"):
            decisions[row.rating.pk] = (choice == "award", post.get(f"why{row.rating.pk}", ""))
    return decisions


@login_required
def village_groups(request, pk: int, village_pk: int):
    round_, village = get_group_village_for_user(request, pk, village_pk)
    if request.method == "POST":
        return _act(request, round_, village)
    rows, items = _rows(round_, village, request.user)
    missing_groups = group_rules.unsettled_groups(round_, village)
    rated = {row.rating.unit_id for row in rows}
    may_rate = round_.status == "open" and group_ratings.can_rate_groups(request.user, village)
    return render(
        request,
        "assessments/village_groups.html",
        {
            "round": round_,
            "village": village,
            "rows": rows,
            "items": items,
            "rates_groups": group_rules.rates_groups(round_),
            "unopened": [g for g in missing_groups if g.pk not in rated],
            "may_open": may_rate,
            "on_behalf": may_rate and group_rules.enters_on_behalf(request.user, village),
            "entered_by_township": any(r.rating.entered_by_township for r in rows),
            "any_editable": any(r.editable for r in rows),
            "any_decidable": any(r.decidable for r in rows),
        },
    )


def _act(request, round_, village):
    action = request.POST.get("action", "")
    user = request.user
    try:
        if action == "open":
            created = group_ratings.do_open_group_ratings(user, round_, village)
            messages.success(request, _("%(n)s group ratings opened.") % {"n": len(created)})
        elif action in ("save", "submit"):
            rows, items = _rows(round_, village, user)
            entries = _score_entries(request.POST, rows, items)
            if not entries:
                raise PermissionDenied
            group_ratings.do_rate_groups(user, round_, village, entries)
            if action == "submit":
                group_ratings.do_submit_group_ratings(user, round_, village)
                messages.success(request, _("The group ratings are sent to the township."))
            else:
                messages.success(request, _("The ratings are saved."))
        elif action == "decide":
            rows, _items = _rows(round_, village, user)
            decisions = _decisions(request.POST, rows)
            if not any(row.decidable for row in rows):
                raise PermissionDenied
            if not decisions:
                raise ValidationError(_("Choose a decision for at least one group."))
            decided = group_ratings.do_decide_group_ratings(user, round_, village, decisions)
            messages.success(request, _("%(n)s groups decided.") % {"n": len(decided)})
        else:
            raise ValidationError(_("Unknown action."))
    except PermissionDenied as error:
        raise forbidden(request, village, f"group_ratings.{action}") from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("assessments:group_ratings", round_.pk, village.pk)


@login_required
def group_villages(request, pk: int):
    """Every village of the round the user sees, with its groups' ratings by where they stand."""
    round_ = get_round_for_user(request, pk)
    villages = (
        visible_units(request.user)
        .filter(level=Level.VILLAGE, status="active")
        .filter(**{LEVEL_COLUMNS[round_.organiser.level]: round_.organiser})
        .select_related("township")
        .order_by("township__name", "division_code", "name")
    )
    counts: dict[int, Counter] = {}
    ratings = (
        Assessment.objects.filter(round=round_, title="five_good_group", access_unit__in=villages)
        .values_list("access_unit_id", "stage", "state")
        .order_by()
    )
    for village_id, stage, state in ratings:
        key = state if state != AssessmentState.OPEN else f"stage{stage}"
        counts.setdefault(village_id, Counter())[key] += 1
    return render(
        request,
        "assessments/group_villages.html",
        {
            "round": round_,
            "rows": [(v, counts.get(v.pk, Counter())) for v in villages],
            "rates_groups": group_rules.rates_groups(round_),
        },
    )
