"""Spot checks over the API: drawing a sample and recording an inspection."""

from ninja import Status

from accounts.access import Action, missing, require
from api.assessments.common import router
from api.assessments.schemas import Id, InspectionIn, SpotCheckEntryOut, SpotCheckIn, SpotCheckOut
from api.errors import acting
from api.schemas import (
    WRITE_ERRORS,
)
from assessments import services
from assessments.access import get_round_for_user
from assessments.models import (
    SpotCheck,
    SpotCheckEntry,
)

# --- spot checks and titles ----------------------------------------------------------------


@router.post("/rounds/{round_id}/spot-checks", response={201: SpotCheckOut, **WRITE_ERRORS})
def draw_spot_check(request, round_id: Id, payload: SpotCheckIn):
    """Draw a sample of the round's awarded units, a `share` or a `count` per township, with a
    recorded `seed` (drawn at random when left out) so that anyone can draw it again; with
    `township_id`, only among that township's units."""
    round_ = get_round_for_user(request, round_id)

    def draw():
        township = None
        if payload.township_id is not None:
            township = services.spot_check_township(round_, payload.township_id)
        return services.do_draw_spot_check(
            request.user,
            round_,
            payload.title.value,
            share=payload.share,
            count=payload.count,
            seed=payload.seed,
            township=township,
        )

    check = acting(request, round_.organiser, "spot_check.draw", draw)
    return Status(201, SpotCheck.objects.get(pk=check.pk))


@router.post(
    "/spot-check-entries/{entry_id}/inspection", response={200: SpotCheckEntryOut, **WRITE_ERRORS}
)
def record_inspection(request, entry_id: Id, payload: InspectionIn):
    """Record what the inspection of a drawn unit found; a failure revokes its title."""
    entry = (
        SpotCheckEntry.objects.select_related("assessment__access_unit").filter(pk=entry_id).first()
    )
    if entry is None:
        raise missing(request, "assessments.spotcheckentry", entry_id)
    require(request, Action.VIEW, entry.assessment.access_unit)
    entry = acting(
        request,
        entry.assessment.access_unit,
        "spot_check.inspect",
        lambda: services.do_record_inspection(
            request.user, entry, passed=payload.passed, reason=payload.reason
        ),
    )
    return SpotCheckEntry.objects.select_related("assessment").get(pk=entry.pk)
