"""Rounds over the API: listing, opening and closing them, and their spot checks."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Status

from accounts.access import get_unit_for_user, missing, record_denial
from api.assessments.common import router
from api.assessments.schemas import Id, RoundIn, RoundOut, RoundPage, SpotCheckPage
from api.errors import acting
from api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    PageParams,
    page_of,
)
from assessments import services
from assessments.access import get_round_for_user
from assessments.models import (
    Round,
)
from assessments.selectors import rounds_for_user
from orgs.models import Level
from standards.access import visible_standards

# --- rounds and assessments ----------------------------------------------------------------


@router.get("/rounds", response={200: RoundPage, **READ_ERRORS})
def list_rounds(request, params: Query[PageParams]):
    """Rounds organised within your subtrees or by a unit above them, newest first."""
    rounds = rounds_for_user(request.user).prefetch_related("titles").order_by("-year", "-id")
    return page_of(rounds, params)


@router.post("/rounds", response={201: RoundOut, **WRITE_ERRORS})
def create_round(request, payload: RoundIn):
    """Open a round, as the organising level itself (a county officer for their county)."""
    organiser = get_unit_for_user(request, payload.organiser_id)
    visible = visible_standards(request.user)
    standards = {}
    for title, standard_id in payload.standards.items():
        standard = visible.filter(pk=standard_id).first()
        if standard is None:
            raise missing(request, "standards.standard", standard_id)
        standards[title.value] = standard
    round_, _warnings = acting(
        request,
        organiser,
        "round.create",
        lambda: services.do_create_round(
            request.user,
            organiser,
            year=payload.year,
            name=payload.name,
            standards=standards,
        ),
    )
    return Status(201, Round.objects.prefetch_related("titles").get(pk=round_.pk))


@router.post("/rounds/{round_id}/close", response={200: RoundOut, **WRITE_ERRORS})
def close_round(request, round_id: Id):
    """Close a round to new applications; what is open in it goes on."""
    round_ = get_round_for_user(request, round_id)
    acting(
        request,
        round_.organiser,
        "round.close",
        lambda: services.do_close_round(request.user, round_),
    )
    return Round.objects.prefetch_related("titles").get(pk=round_.pk)


@router.get(
    "/rounds/{round_id}/spot-checks", response={200: SpotCheckPage, **READ_ERRORS, 403: ErrorOut}
)
def list_spot_checks(request, round_id: Id, params: Query[PageParams]):
    """The round's spot checks, newest first; for the county that draws them, as the page."""
    round_ = get_round_for_user(request, round_id)
    if not services.acts_at_level(request.user, round_.organiser, Level.COUNTY):
        record_denial(
            request, request.user, "spot_check", reason="forbidden", unit=round_.organiser
        )
        raise PermissionDenied
    return page_of(round_.spot_checks.order_by("-drawn_at", "-id"), params)
