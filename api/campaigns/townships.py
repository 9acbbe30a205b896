"""A township's baseline survey, five-year creation plan and pilots over the API."""

from ninja import Query, Status

from accounts.access import get_unit_for_user, missing
from api.campaigns.common import (
    _decide,
    _pilots,
    _plan,
    _plan_version,
    _standings,
    _survey,
    _version,
    router,
)
from api.campaigns.schemas import (
    ApproveIn,
    CampaignYearParams,
    PilotIn,
    PilotsOut,
    PlanDraftIn,
    PlanOut,
    PlanReturnIn,
    PlanVersionDetail,
    SubmitIn,
    SurveyEntryIn,
    SurveyLineOut,
)
from api.errors import acting
from api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
)
from campaigns import services
from campaigns.access import get_township_for_user
from campaigns.plan_models import (
    Pilot,
)
from campaigns.years import plan_year


@router.get(
    "/{campaign_id}/townships/{township_id}/survey",
    response={200: list[SurveyLineOut], **READ_ERRORS},
)
def survey(request, campaign_id: int, township_id: int):
    """Every village's line of the baseline survey: as saved, or prefilled (`saved` false)."""
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    return _survey(campaign, township)


@router.post(
    "/{campaign_id}/townships/{township_id}/survey/save",
    response={200: list[SurveyLineOut], **WRITE_ERRORS},
)
def save_survey(request, campaign_id: int, township_id: int):
    """Store the prefilled line of every village not yet surveyed, as the township reports it."""
    campaign, township = get_township_for_user(request, campaign_id, township_id, edit=True)
    acting(
        request,
        township,
        "edit_survey",
        lambda: services.do_save_survey(request.user, campaign, township),
    )
    return _survey(campaign, township)


@router.put(
    "/{campaign_id}/townships/{township_id}/survey/{village_id}",
    response={200: list[SurveyLineOut], **WRITE_ERRORS},
)
def update_survey_entry(
    request, campaign_id: int, township_id: int, village_id: int, payload: SurveyEntryIn
):
    """Save one village's standing, gaps and notes as the township reports them."""
    campaign, township = get_township_for_user(request, campaign_id, township_id, edit=True)
    village = get_unit_for_user(request, village_id)
    if village.township_id != township.pk or not village.is_active:
        raise missing(request, "orgs.orgunit", village_id)
    acting(
        request,
        township,
        "edit_survey",
        lambda: services.do_update_survey_entry(
            request.user,
            campaign,
            village,
            standing=payload.standing,
            gaps=payload.gaps,
            notes=payload.notes,
        ),
    )
    return _survey(campaign, township)


@router.get("/{campaign_id}/townships/{township_id}/plan", response={200: PlanOut, **READ_ERRORS})
def get_plan(request, campaign_id: int, township_id: int):
    """The plan's draft line per village (with its survey standing), the checks on it, and the
    versions submitted."""
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    return _plan(request, campaign, township)


@router.put("/{campaign_id}/townships/{township_id}/plan", response={200: PlanOut, **WRITE_ERRORS})
def save_plan_draft(request, campaign_id: int, township_id: int, payload: PlanDraftIn):
    """Save the draft's years for the villages sent. The checks do not stop a draft; they are
    answered beside it and stop only its submission."""
    campaign, township = get_township_for_user(request, campaign_id, township_id, edit=True)
    years = {e.village_id: (e.qualified_year, e.first_class_year) for e in payload.entries}
    acting(
        request,
        township,
        "edit_plan",
        lambda: services.do_save_plan_draft(request.user, campaign, township, years),
    )
    return _plan(request, campaign, township)


@router.post(
    "/{campaign_id}/townships/{township_id}/plan/submit",
    response={201: PlanVersionDetail, **WRITE_ERRORS},
)
def submit_plan(request, campaign_id: int, township_id: int, payload: SubmitIn):
    """Freeze the draft as a new version for the county; an error in the checks refuses it."""
    campaign, township = get_township_for_user(request, campaign_id, township_id, edit=True)
    version = acting(
        request,
        township,
        "submit_plan",
        lambda: services.do_submit_plan(request.user, campaign, township, note=payload.note),
    )
    return Status(201, _version(version, entries=True, standings=_standings(campaign, township)))


@router.get(
    "/{campaign_id}/townships/{township_id}/plan/versions/{number}",
    response={200: PlanVersionDetail, **READ_ERRORS},
)
def get_plan_version(request, campaign_id: int, township_id: int, number: int):
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    version = _plan_version(campaign, township, number, request)
    return _version(version, entries=True, standings=_standings(campaign, township))


@router.post(
    "/{campaign_id}/townships/{township_id}/plan/versions/{number}/approve",
    response={200: PlanVersionDetail, **WRITE_ERRORS},
)
def approve_plan(request, campaign_id: int, township_id: int, number: int, payload: ApproveIn):
    """The county above the township approves the version awaiting it (not whoever submitted
    it)."""
    return _decide(
        request,
        campaign_id,
        township_id,
        number,
        "approve_plan",
        lambda v: services.do_approve_plan(request.user, v, reason=payload.reason),
    )


@router.post(
    "/{campaign_id}/townships/{township_id}/plan/versions/{number}/return",
    response={200: PlanVersionDetail, **WRITE_ERRORS},
)
def return_plan(request, campaign_id: int, township_id: int, number: int, payload: PlanReturnIn):
    """The county returns the version awaiting it, with a reason; the township edits its draft
    again."""
    return _decide(
        request,
        campaign_id,
        township_id,
        number,
        "return_plan",
        lambda v: services.do_return_plan(request.user, v, reason=payload.reason),
    )


@router.get(
    "/{campaign_id}/townships/{township_id}/pilots", response={200: PilotsOut, **READ_ERRORS}
)
def list_pilots(request, campaign_id: int, township_id: int, params: Query[CampaignYearParams]):
    """The township's pilots in the year, and the pilot rules it still breaks."""
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    return _pilots(campaign, township, plan_year(campaign, params.year))


@router.post(
    "/{campaign_id}/townships/{township_id}/pilots", response={201: PilotsOut, **WRITE_ERRORS}
)
def add_pilot(request, campaign_id: int, township_id: int, payload: PilotIn):
    """Add a village of the township as a pilot in a year of the campaign (two a year at
    most)."""
    campaign, township = get_township_for_user(request, campaign_id, township_id, edit=True)
    village = get_unit_for_user(request, payload.village_id)
    pilot = acting(
        request,
        township,
        "edit_pilots",
        lambda: services.do_add_pilot(
            request.user, campaign, township, year=payload.year, village=village, note=payload.note
        ),
    )
    return Status(201, _pilots(campaign, township, pilot.year))


@router.delete("/pilots/{pilot_id}", response={204: None, **WRITE_ERRORS})
def remove_pilot(request, pilot_id: int):
    pilot = Pilot.objects.select_related("campaign", "township", "village").filter(pk=pilot_id)
    pilot = pilot.first()
    if pilot is None:
        raise missing(request, "campaigns.pilot", pilot_id)
    _campaign, township = get_township_for_user(
        request, pilot.campaign_id, pilot.township_id, edit=True
    )
    acting(request, township, "edit_pilots", lambda: services.do_remove_pilot(request.user, pilot))
    return Status(204, None)
