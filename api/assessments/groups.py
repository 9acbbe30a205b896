"""五好小组评定 over the API: a village's five-good group ratings of one round, read, opened,
scored, sent up and decided as on the village's page (assessments/views_groups.py). The round
and the village are reached through assessments.access (404 outside the caller's subtrees);
every write goes through assessments.group_ratings."""

from ninja import Status

from api.assessments.common import router
from api.assessments.schemas import (
    GroupDecisionsIn,
    GroupRatingsScoresIn,
    Id,
    VillageGroupsOut,
)
from api.errors import acting
from api.schemas import READ_ERRORS, WRITE_ERRORS
from assessments import group_ratings, group_rules, services
from assessments.access import get_group_village_for_user
from assessments.models import RoundStatus

PATH = "/rounds/{round_id}/groups/{village_id}"


def _body(request, round_, village) -> dict:
    ratings = list(
        group_rules.group_ratings_of(round_, village)
        .select_related("unit", "standard", "round", "access_unit")
        .order_by("unit__name", "pk")
    )
    services.with_stages(ratings)
    rated = {r.unit_id for r in ratings}
    may_rate = round_.status == RoundStatus.OPEN and group_ratings.can_rate_groups(
        request.user, village
    )
    rows = []
    for rating in ratings:
        outcome = services.outcome_at(rating, rating.stage)
        rows.append(
            {
                "id": rating.pk,
                "unit_id": rating.unit_id,
                "unit_name": rating.unit.name,
                "stage": rating.stage,
                "state": rating.state,
                "version": rating.version,
                "entered_by_township": rating.entered_by_township,
                "total": outcome.total,
                "passes": outcome.passes,
                "can_act": rating.parent_id is None and services.can_act(request.user, rating),
            }
        )
    return {
        "round_id": round_.pk,
        "village_id": village.pk,
        "village_name": village.name,
        "rates_groups": group_rules.rates_groups(round_),
        "can_open": may_rate,
        "on_behalf": may_rate and group_rules.enters_on_behalf(request.user, village),
        "unopened": [
            {"id": g.pk, "name": g.name}
            for g in group_rules.unsettled_groups(round_, village)
            if g.pk not in rated
        ],
        "ratings": rows,
    }


def _write(request, round_id: int, village_id: int, action: str, call):
    round_, village = get_group_village_for_user(request, round_id, village_id)
    acting(request, village, f"group_ratings.{action}", lambda: call(round_, village))
    return _body(request, round_, village)


@router.get(PATH, response={200: VillageGroupsOut, **READ_ERRORS})
def get_village_groups(request, round_id: Id, village_id: Id):
    """The round's five-good ratings of the village's groups (its own and the urban-branch
    groups whose home village it is), with the groups not yet opened."""
    round_, village = get_group_village_for_user(request, round_id, village_id)
    return _body(request, round_, village)


@router.post(f"{PATH}/open", response={201: VillageGroupsOut, **WRITE_ERRORS})
def open_village_groups(request, round_id: Id, village_id: Id):
    """Open this year's rating of every group not yet opened: the village council, or its
    township for a village without an operator account."""
    body = _write(
        request,
        round_id,
        village_id,
        "open",
        lambda r, v: group_ratings.do_open_group_ratings(request.user, r, v),
    )
    return Status(201, body)


@router.put(f"{PATH}/scores", response={200: VillageGroupsOut, **WRITE_ERRORS})
def rate_village_groups(request, round_id: Id, village_id: Id, payload: GroupRatingsScoresIn):
    """The council's scores for several groups at once, all or nothing."""
    entries = {
        rating.rating_id: [services.ScoreInput(**entry.dict()) for entry in rating.entries]
        for rating in payload.ratings
    }
    return _write(
        request,
        round_id,
        village_id,
        "rate",
        lambda r, v: group_ratings.do_rate_groups(request.user, r, v, entries),
    )


@router.post(f"{PATH}/submit", response={200: VillageGroupsOut, **WRITE_ERRORS})
def submit_village_groups(request, round_id: Id, village_id: Id):
    """Send every group rating still with the council up to the township; each must be fully
    scored. Nothing left to send answers 409."""
    return _write(
        request,
        round_id,
        village_id,
        "submit",
        lambda r, v: group_ratings.do_submit_group_ratings(request.user, r, v),
    )


@router.post(f"{PATH}/decide", response={200: VillageGroupsOut, **WRITE_ERRORS})
def decide_village_groups(request, round_id: Id, village_id: Id, payload: GroupDecisionsIn):
    """The township decides each group on its own: five-good, or not with a reason. All or
    nothing; a group already decided answers 409."""
    decisions = {d.rating_id: (d.award, d.reason) for d in payload.decisions}
    return _write(
        request,
        round_id,
        village_id,
        "decide",
        lambda r, v: group_ratings.do_decide_group_ratings(request.user, r, v, decisions),
    )
