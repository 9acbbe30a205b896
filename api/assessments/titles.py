"""Titles over the API: revoking one and listing a unit's."""

from ninja import Query

from accounts.access import Action, get_unit_for_user, missing, require
from api.assessments.common import router
from api.assessments.schemas import Id, RevokeIn, TitleOut, TitlePage
from api.errors import acting
from api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    PageParams,
    page_of,
)
from assessments import services
from assessments.models import (
    AwardedTitle,
)


@router.post("/titles/{title_id}/revoke", response={200: TitleOut, **WRITE_ERRORS})
def revoke_title(request, title_id: Id, payload: RevokeIn):
    """Revoke a title in force with its cause and reason; the title stays on record."""
    title = AwardedTitle.objects.select_related("unit").filter(pk=title_id).first()
    if title is None:
        raise missing(request, "assessments.awardedtitle", title_id)
    require(request, Action.VIEW, title.unit)
    return acting(
        request,
        title.unit,
        "title.revoke",
        lambda: services.do_revoke_title(
            request.user, title, cause=payload.cause.value, reason=payload.reason
        ),
    )


@router.get("/units/{unit_id}/titles", response={200: TitlePage, **READ_ERRORS})
def unit_titles(request, unit_id: Id, params: Query[PageParams]):
    """Every title the unit was awarded, in force, superseded or revoked, newest first."""
    unit = get_unit_for_user(request, unit_id)
    return page_of(AwardedTitle.objects.filter(unit=unit).order_by("-year", "title", "-id"), params)
