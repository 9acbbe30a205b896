"""The campaign frame over the API: campaigns and their targets, the townships' own targets,
baseline surveys, five-year creation plans (read, save the draft, submit, approve, return) and
pilots (list, add, remove).

Thin, and scoped as the campaign pages are: a campaign's own page is for whoever sees its
organiser; a township's survey, plan and pilots for whoever sees the township (its officer, the
levels above), its writes for its own township officer; every unit through accounts.access (404
outside the caller's subtrees, 403 forbidden, each denial recorded); every write through
campaigns.services, which writes the audit event. The services' refusals answer in the one error
shape: PermissionDenied 403 (recorded as a denial), ValidationError 422.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status

from accounts.access import get_unit_for_user, missing, record_denial, root_units
from api.schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    AttainmentFields,
    BodyIn,
    PageParams,
    Text,
    page_of,
)
from campaigns import checks, services
from campaigns import targets as t
from campaigns.access import forbidden, get_campaign_for_user, get_township_for_user
from campaigns.plan_models import (
    Campaign,
    FirstClassBase,
    Pilot,
    PlanStatus,
    PlanVersion,
    Standing,
    TownshipTarget,
)
from campaigns.years import plan_year
from dashboards import selectors
from orgs.models import OrgUnit

router = Router(tags=["campaigns"])

Year = int
Share = Decimal


# --- shapes --------------------------------------------------------------------------------


class CampaignYearParams(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


class CampaignOut(Schema):
    id: int
    organiser_id: int
    organiser_name: str
    name: str
    first_year: int
    last_year: int
    five_good_share: Decimal
    qualified_share: Decimal
    first_class_share: Decimal
    first_class_base: str
    first_class_base_label: str
    advanced_townships: int | None
    enterprises_count_as_villages: bool
    large_township_population: int

    @staticmethod
    def resolve_organiser_name(obj):
        return obj.organiser.name

    @staticmethod
    def resolve_first_class_base_label(obj):
        return str(FirstClassBase(obj.first_class_base).label)


class AttainmentOut(AttainmentFields):
    @staticmethod
    def resolve_label(obj):
        return str(obj.label)

    @staticmethod
    def resolve_base_label(obj):
        return str(obj.base_label)


class TargetsOut(Schema):
    five_good_share: Decimal
    qualified_share: Decimal
    first_class_share: Decimal
    first_class_base: str
    advanced_townships: int | None


class TownshipTargetOut(Schema):
    township_id: int
    township_name: str
    own_five_good_share: Decimal | None
    own_qualified_share: Decimal | None
    own_first_class_share: Decimal | None
    targets: TargetsOut
    plan_status: str | None


class CampaignTargetsOut(Schema):
    campaign: CampaignOut
    year: int
    attainments: list[AttainmentOut]
    townships: list[TownshipTargetOut]


class TownshipTargetIn(BodyIn):
    """Blank figures inherit the campaign's; all blank removes the township's own targets."""

    five_good_share: Share | None = Field(None, ge=0, le=100, decimal_places=1)
    qualified_share: Share | None = Field(None, ge=0, le=100, decimal_places=1)
    first_class_share: Share | None = Field(None, ge=0, le=100, decimal_places=1)


class TownshipOut(Schema):
    campaign: CampaignOut
    township_id: int
    township_name: str
    year: int
    targets: TargetsOut
    attainments: list[AttainmentOut]
    plan_status: str | None
    approved_version: int | None
    keeps_township: bool


class SurveyLineOut(Schema):
    village_id: int
    village_name: str
    standing: str
    standing_label: str
    section_scores: list[dict]
    assessment_id: int | None
    gaps: str
    notes: str
    saved: bool


class SurveyEntryIn(BodyIn):
    """One village's line as the township reports it; its section scores stay as saved (or as
    prefilled)."""

    standing: Text = Field(..., max_length=32)
    gaps: Text = Field("", max_length=5000)
    notes: Text = Field("", max_length=5000)


class FindingOut(Schema):
    severity: str
    code: str
    message: str
    village_id: int | None = None


class PlanEntryOut(Schema):
    village_id: int
    village_name: str
    standing: str
    qualified_year: int | None
    first_class_year: int | None


class PlanVersionOut(Schema):
    number: int
    status: str
    note: str
    checks: list[FindingOut]
    submitted_by_id: int | None
    submitted_at: datetime.datetime
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    reason: str


class PlanVersionDetail(PlanVersionOut):
    entries: list[PlanEntryOut]


class PlanOut(Schema):
    township_id: int
    status: str | None
    editable: bool
    entries: list[PlanEntryOut]
    findings: list[FindingOut]
    versions: list[PlanVersionOut]


class PlanEntryIn(BodyIn):
    village_id: int = Field(..., ge=1, le=MAX_ID)
    qualified_year: Year | None = Field(None, ge=2000, le=2100)
    first_class_year: Year | None = Field(None, ge=2000, le=2100)


class PlanDraftIn(BodyIn):
    """The years of the villages sent; a village sent with both years blank leaves the draft."""

    entries: list[PlanEntryIn] = Field(..., max_length=2000)


class SubmitIn(BodyIn):
    note: Text = Field("", max_length=2000)


class ApproveIn(BodyIn):
    reason: Text = Field("", max_length=2000)


class PlanReturnIn(BodyIn):
    reason: Text = Field(..., max_length=2000)


class PilotOut(Schema):
    id: int
    year: int
    village_id: int
    village_name: str
    is_key_village: bool
    note: str

    @staticmethod
    def resolve_village_name(obj):
        return obj.village.name

    @staticmethod
    def resolve_is_key_village(obj):
        return obj.village.is_key_village


class PilotsOut(Schema):
    township_id: int
    year: int
    required: int
    pilots: list[PilotOut]
    findings: list[FindingOut]


class PilotIn(BodyIn):
    year: int = Field(..., ge=2000, le=2100)
    village_id: int = Field(..., ge=1, le=MAX_ID)
    note: Text = Field("", max_length=200)


# --- reaching objects as the pages do ---------------------------------------------------------


def _acting(request, unit: OrgUnit, action: str, call):
    """Run a service; its PermissionDenied answers 403 and is recorded as a denial."""
    try:
        return call()
    except PermissionDenied:
        record_denial(request, request.user, action, reason="forbidden", unit=unit)
        raise


def _targets(targets: t.Targets) -> dict:
    return {
        "five_good_share": targets.five_good_share,
        "qualified_share": targets.qualified_share,
        "first_class_share": targets.first_class_share,
        "first_class_base": targets.first_class_base,
        "advanced_townships": targets.advanced_townships,
    }


def _findings(findings) -> list[dict]:
    return [f.as_dict() if isinstance(f, checks.Finding) else f for f in findings]


def _version(version: PlanVersion, *, entries: bool = False, standings=None) -> dict:
    body = {
        name: getattr(version, name)
        for name in (
            "number",
            "status",
            "note",
            "submitted_by_id",
            "submitted_at",
            "decided_by_id",
            "decided_at",
            "reason",
        )
    }
    body["checks"] = _findings(version.checks)
    if entries:
        body["entries"] = [
            {
                "village_id": e.village_id,
                "village_name": e.village.name,
                "standing": (standings or {}).get(e.village_id, Standing.NONE.value),
                "qualified_year": e.qualified_year,
                "first_class_year": e.first_class_year,
            }
            for e in version.entries.select_related("village").order_by(
                "village__division_code", "village__name", "village_id"
            )
        ]
    return body


def _plan(request, campaign: Campaign, township: OrgUnit) -> dict:
    plan = services.plan_for(campaign, township)
    years = services.draft_years(plan)
    rows = services.plan_rows(campaign, township, years)
    versions = list(plan.versions.order_by("-number")) if plan else []
    return {
        "township_id": township.pk,
        "status": plan.status if plan else None,
        "editable": services.keeps_township(request.user, township)
        and not (plan is not None and plan.status == PlanStatus.SUBMITTED),
        "entries": [
            {
                "village_id": row.village_id,
                "village_name": row.name,
                "standing": row.standing,
                "qualified_year": row.qualified_year,
                "first_class_year": row.first_class_year,
            }
            for row in rows
        ],
        "findings": _findings(services.plan_findings(campaign, township, rows)),
        "versions": [_version(v) for v in versions],
    }


def _plan_version(campaign: Campaign, township: OrgUnit, number: int, request) -> PlanVersion:
    version = (
        PlanVersion.objects.filter(plan__campaign=campaign, plan__township=township, number=number)
        .select_related("plan")
        .first()
    )
    if version is None:
        raise missing(request, "campaigns.planversion", f"{township.pk}:{number}")
    return version


# --- campaigns and targets ------------------------------------------------------------------


class CampaignPage(Schema):
    count: int
    page: int
    pages: int
    items: list[CampaignOut]


@router.get("/", response={200: CampaignPage, **READ_ERRORS})
def list_campaigns(request, params: Query[PageParams]):
    """The caller's campaigns: those organised at or below their units, and those above them
    (a township officer's county campaign: read it through its township)."""
    rows, seen = [], set()
    for root in root_units(request.user):
        below = Campaign.objects.filter(organiser__in=OrgUnit.objects.subtree_of(root))
        for campaign in [*below.select_related("organiser"), *services.campaigns_for(root)]:
            if campaign.pk not in seen:
                seen.add(campaign.pk)
                rows.append(campaign)
    return page_of(rows, params)


@router.get("/{campaign_id}", response={200: CampaignOut, **READ_ERRORS})
def get_campaign(request, campaign_id: int):
    return get_campaign_for_user(request, campaign_id)


@router.get("/{campaign_id}/targets", response={200: CampaignTargetsOut, **READ_ERRORS})
def campaign_targets(request, campaign_id: int, params: Query[CampaignYearParams]):
    """The campaign's targets attained at the organiser in the year, with the first-class
    share's base named, and each township's own targets (blank: the campaign's)."""
    campaign = get_campaign_for_user(request, campaign_id)
    year = plan_year(campaign, params.year)
    counts = services.current_counts(campaign.organiser, year, campaign)
    townships = list(services.townships_of(campaign))
    own = {
        target.township_id: target
        for target in TownshipTarget.objects.filter(campaign=campaign, township__in=townships)
    }
    plans = {
        p.township_id: p.status
        for p in campaign.plans.filter(township__in=townships).only("township_id", "status")
    }
    base = services.campaign_targets(campaign)
    effective = selectors.township_targets(campaign, [u.pk for u in townships])
    rows = []
    for township in townships:
        mine = own.get(township.pk)
        rows.append(
            {
                "township_id": township.pk,
                "township_name": township.name,
                "own_five_good_share": mine.five_good_share if mine else None,
                "own_qualified_share": mine.qualified_share if mine else None,
                "own_first_class_share": mine.first_class_share if mine else None,
                "targets": _targets(effective[township.pk]),
                "plan_status": plans.get(township.pk),
            }
        )
    return {
        "campaign": campaign,
        "year": year,
        "attainments": t.attainments(counts, base),
        "townships": rows,
    }


@router.put(
    "/{campaign_id}/townships/{township_id}/targets", response={200: TownshipOut, **WRITE_ERRORS}
)
def set_township_targets(request, campaign_id: int, township_id: int, payload: TownshipTargetIn):
    """The organising level sets a township's own targets; blank figures inherit the
    campaign's."""
    campaign = get_campaign_for_user(request, campaign_id, keep=True)
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    _acting(
        request,
        township,
        "set_township_target",
        lambda: services.do_set_township_target(request.user, campaign, township, **payload.dict()),
    )
    return _township(request, campaign, township, None)


# --- a township: its page, survey, plan and pilots -------------------------------------------


def _township(request, campaign: Campaign, township: OrgUnit, year: int | None) -> dict:
    year = plan_year(campaign, year)
    targets = services.township_targets(campaign, township)
    plan = services.plan_for(campaign, township)
    approved = services.approved_version(plan)
    return {
        "campaign": campaign,
        "township_id": township.pk,
        "township_name": township.name,
        "year": year,
        "targets": _targets(targets),
        "attainments": t.attainments(
            services.current_counts(township, year, campaign), targets, townships=False
        ),
        "plan_status": plan.status if plan else None,
        "approved_version": approved.number if approved else None,
        "keeps_township": services.keeps_township(request.user, township),
    }


@router.get("/{campaign_id}/townships/{township_id}", response={200: TownshipOut, **READ_ERRORS})
def get_township(request, campaign_id: int, township_id: int, params: Query[CampaignYearParams]):
    """A township of the campaign: its targets (its own, else the campaign's) attained in the
    year, and where its plan stands."""
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    return _township(request, campaign, township, params.year)


def _survey(campaign: Campaign, township: OrgUnit) -> list[dict]:
    return [
        {
            "village_id": line.village.pk,
            "village_name": line.village.name,
            "standing": line.standing,
            "standing_label": str(line.standing_label),
            "section_scores": line.section_scores or [],
            "assessment_id": line.assessment.pk if line.assessment else None,
            "gaps": line.gaps,
            "notes": line.notes,
            "saved": line.stored is not None,
        }
        for line in services.survey_lines(campaign, township)
    ]


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
    _acting(
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
    _acting(
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
    _acting(
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
    version = _acting(
        request,
        township,
        "submit_plan",
        lambda: services.do_submit_plan(request.user, campaign, township, note=payload.note),
    )
    return Status(201, _version(version, entries=True, standings=_standings(campaign, township)))


def _standings(campaign: Campaign, township: OrgUnit) -> dict[int, str]:
    return {row.village_id: row.standing for row in services.plan_rows(campaign, township, {})}


@router.get(
    "/{campaign_id}/townships/{township_id}/plan/versions/{number}",
    response={200: PlanVersionDetail, **READ_ERRORS},
)
def get_plan_version(request, campaign_id: int, township_id: int, number: int):
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    version = _plan_version(campaign, township, number, request)
    return _version(version, entries=True, standings=_standings(campaign, township))


def _decide(request, campaign_id: int, township_id: int, number: int, action: str, call):
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    version = _plan_version(campaign, township, number, request)
    if not services.approves_plans(request.user, township):
        raise forbidden(request, action, township)
    version = _acting(request, township, action, lambda: call(version))
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


def _pilots(campaign: Campaign, township: OrgUnit, year: int) -> dict:
    chosen = list(services.pilots_of(campaign, township, year))
    return {
        "township_id": township.pk,
        "year": year,
        "required": checks.pilots_required(township.population, campaign.large_township_population),
        "pilots": chosen,
        "findings": _findings(services.pilot_findings(campaign, township, year, chosen)),
    }


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
    pilot = _acting(
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
    _acting(request, township, "edit_pilots", lambda: services.do_remove_pilot(request.user, pilot))
    return Status(204, None)
