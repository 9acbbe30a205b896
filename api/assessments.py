"""The assessment chain over the API: rounds, assessments, scores, evidence, the chain's moves,
spot checks and titles.

Thin: every unit is reached through accounts.access (404 outside the caller's subtrees, each
denial recorded), every write goes through assessments.services, and the services' refusals
answer in the one error shape: PermissionDenied 403 (recorded as a denial), ValidationError 422,
a lost race on a score or a version 409.
"""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.access import Action, get_unit_for_user, missing, record_denial, require
from accounts.access import visible_units as _visible_units
from api.schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    BodyIn,
    ErrorOut,
    PageParams,
    StageOut,
    Text,
    page_of,
)
from assessments import group_rules, selectors, services
from assessments.access import get_assessment_for_user, get_round_for_user
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    RevocationCause,
    Round,
    Score,
    SpotCheck,
    SpotCheckEntry,
    Transition,
)
from assessments.selectors import rounds_for_user
from orgs.models import Level
from registers.models import Evidence
from standards.access import visible_standards
from standards.models import Item, TitleKind

router = Router(tags=["assessments"])

Id = int  # path ids: ninja refuses non-integers with 422; ids beyond the column find nothing
Version = int


# --- shapes --------------------------------------------------------------------------------


class AssessmentParams(PageParams):
    round_id: int | None = Field(None, ge=1, le=MAX_ID)
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    title: TitleKind | None = None
    state: AssessmentState | None = None
    waiting_for_me: bool = False


class RoundTitleOut(Schema):
    title: str
    standard_id: int


class RoundOut(Schema):
    id: int
    organiser_id: int
    year: int
    name: str
    status: str
    titles: list[RoundTitleOut]

    @staticmethod
    def resolve_titles(obj):
        return [{"title": t.title, "standard_id": t.standard_id} for t in obj.titles.all()]


class RoundPage(Schema):
    count: int
    page: int
    pages: int
    items: list[RoundOut]


class ScoreOut(Schema):
    id: int
    item_id: int
    stage: int
    points: Decimal | None
    veto_violated: bool | None
    current_state: str
    measures: str
    suggested: Decimal | None
    metric_value: str
    override_reason: str
    is_current: bool
    author_id: int | None
    created_at: datetime.datetime


class TransitionOut(Schema):
    action: str
    from_stage: int
    to_stage: int
    reason: str
    items: list[int]
    actor_id: int | None
    created_at: datetime.datetime


class OutcomeOut(Schema):
    total: Decimal
    passes: bool
    reasons: list[str]


class AssessmentOut(Schema):
    id: int
    round_id: int
    title: str
    standard_id: int
    unit_id: int
    unit_name: str
    access_unit_id: int
    parent_id: int | None
    stage: int
    state: str
    reopened_items: list[int]
    version: int
    decided_at: datetime.datetime | None


class AssessmentDetail(AssessmentOut):
    stages: list[StageOut]
    can_act: bool
    outcome: OutcomeOut
    scores: list[ScoreOut]
    transitions: list[TransitionOut]
    group_rating_ids: list[int]


class AssessmentPage(Schema):
    count: int
    page: int
    pages: int
    items: list[AssessmentOut]


class ApplyIn(BodyIn):
    round_id: int = Field(..., ge=1, le=MAX_ID)
    title: TitleKind
    unit_id: int = Field(..., ge=1, le=MAX_ID)


class ScoreEntryIn(BodyIn):
    item_id: int = Field(..., ge=1, le=MAX_ID)
    points: Decimal | None = Field(None, ge=0, le=Decimal("99999.9"), decimal_places=1)
    veto_violated: bool | None = None
    current_state: Text = Field("", max_length=5000)
    measures: Text = Field("", max_length=5000)
    override_reason: Text = Field("", max_length=2000)
    base: int | None = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="The id of the current score you were shown (0: none). A different "
        "current score answers 409 and nothing is saved; leave it out to skip the check.",
    )


class ScoresIn(BodyIn):
    entries: list[ScoreEntryIn] = Field(..., max_length=1000)
    comment: Text = Field("", max_length=5000)


class TransitionIn(BodyIn):
    version: int | None = Field(
        None,
        ge=0,
        le=2_147_483_647,
        description="The assessment's version you read: a later save answers 409, as everywhere.",
    )
    expected_version: int | None = Field(
        None, ge=0, le=2_147_483_647, description="The same as `version` (its former name)."
    )

    @property
    def read_version(self) -> int | None:
        return self.version if self.version is not None else self.expected_version


class PassIn(TransitionIn):
    reason: Text = Field("", max_length=5000)


class ReturnIn(TransitionIn):
    reason: Text = Field(..., max_length=5000)
    items: list[int] = Field(default_factory=list, max_length=1000)


class DecideIn(TransitionIn):
    award: bool
    reason: Text = Field("", max_length=5000)


class EvidenceOut(Schema):
    id: int
    slot: str
    original_name: str
    mime_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj):
        return f"/api/v1/records/evidence/{obj.pk}/download"


class EvidencePage(Schema):
    count: int
    page: int
    pages: int
    items: list[EvidenceOut]


class RoundIn(BodyIn):
    """A new round: the organising unit (a county or above), the year, a name, and the standard
    version for each title it assesses."""

    organiser_id: int = Field(..., ge=1, le=MAX_ID)
    year: int = Field(..., ge=2000, le=2100)
    name: Text = Field(..., min_length=1, max_length=100)
    standards: dict[TitleKind, int] = Field(..., min_length=1)


class SpotCheckPage(Schema):
    count: int
    page: int
    pages: int
    items: list["SpotCheckOut"]


class SpotCheckIn(BodyIn):
    title: TitleKind = TitleKind.QUALIFIED_VILLAGE
    share: Decimal | None = Field(None, gt=0, le=1, decimal_places=3)
    count: int | None = Field(None, ge=1, le=services.MAX_SAMPLE_COUNT)
    seed: int | None = Field(None, ge=0, le=services.MAX_SEED)


class SpotCheckEntryOut(Schema):
    id: int
    assessment_id: int
    unit_id: int
    result: str
    reason: str
    inspected_by_id: int | None
    inspected_at: datetime.datetime | None

    @staticmethod
    def resolve_unit_id(obj):
        return obj.assessment.unit_id


class SpotCheckOut(Schema):
    id: int
    round_id: int
    title: str
    share: Decimal | None
    count: int | None
    seed: int
    population: int
    drawn_at: datetime.datetime
    entries: list[SpotCheckEntryOut]

    @staticmethod
    def resolve_population(obj):
        return len(obj.population)

    @staticmethod
    def resolve_entries(obj):
        return list(obj.entries.select_related("assessment"))


class InspectionIn(BodyIn):
    passed: bool
    reason: Text = Field("", max_length=5000)


class RevokeIn(BodyIn):
    cause: RevocationCause
    reason: Text = Field(..., max_length=5000)


class TitleOut(Schema):
    id: int
    unit_id: int
    title: str
    year: int
    assessment_id: int | None
    status: str
    awarded_by_id: int | None
    awarded_at: datetime.datetime
    revoked_by_id: int | None
    revoked_at: datetime.datetime | None
    revocation_cause: str
    revocation_reason: str


# --- reaching objects through the access helper ----------------------------------------------


def _page(queryset, params: PageParams) -> dict:
    return page_of(queryset, params)


def _evidence_of(assessment: Assessment) -> Q:
    kind = ContentType.objects.get_for_model(Assessment)
    return Q(content_type=kind, object_id=assessment.pk)


def _acting(request, unit, action: str, call):
    """Run a service; its PermissionDenied (wrong level, segregation of duties) answers 403 and
    is recorded as a denial like the access helper's own."""
    try:
        return call()
    except PermissionDenied:
        record_denial(request, request.user, action, reason="forbidden", unit=unit)
        raise


def _conflict(error: ValidationError) -> Status | None:
    if getattr(error, "code", None) != "conflict":
        return None
    detail = " ".join(error.messages)
    errors = {str(item.pk): [detail] for item in getattr(error, "items", [])}
    return Status(409, {"detail": detail, "errors": errors or None})


def _detail(request, assessment: Assessment) -> dict:
    assessment = Assessment.objects.select_related("standard", "round", "unit").get(
        pk=assessment.pk
    )
    outcome = services.outcome_at(assessment)
    body = {
        name: getattr(assessment, name)
        for name in (
            "id",
            "round_id",
            "title",
            "standard_id",
            "unit_id",
            "access_unit_id",
            "parent_id",
            "stage",
            "state",
            "reopened_items",
            "version",
            "decided_at",
        )
    }
    body.update(
        unit_name=assessment.unit.name,
        stages=services.stages_of(assessment),
        can_act=services.can_act(request.user, assessment),
        outcome={
            "total": outcome.total,
            "passes": outcome.passes,
            "reasons": outcome.reasons(assessment.standard),
        },
        scores=list(Score.objects.filter(assessment=assessment).order_by("id")),
        transitions=list(Transition.objects.filter(assessment=assessment).order_by("id")),
        group_rating_ids=list(group_rules.ratings_with(assessment).values_list("pk", flat=True)),
    )
    return body


# --- rounds and assessments ----------------------------------------------------------------


@router.get("/rounds", response={200: RoundPage, **READ_ERRORS})
def list_rounds(request, params: Query[PageParams]):
    """Rounds organised within your subtrees or by a unit above them, newest first."""
    rounds = rounds_for_user(request.user).prefetch_related("titles").order_by("-year", "-id")
    return _page(rounds, params)


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
    round_, _warnings = _acting(
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
    _acting(
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


@router.get("/{assessment_id}/evidence", response={200: EvidencePage, **READ_ERRORS})
def list_evidence(request, assessment_id: Id, params: Query[PageParams]):
    """The assessment's evidence files, by item (`slot` item-ID) or whole (empty slot)."""
    assessment = get_assessment_for_user(request, assessment_id)
    return page_of(Evidence.objects.filter(_evidence_of(assessment)), params)


@router.get("/", response={200: AssessmentPage, **READ_ERRORS})
def list_assessments(request, params: Query[AssessmentParams]):
    """Assessments whose unit (a migrant group: its home village) lies in your subtrees."""
    rows = Assessment.objects.filter(access_unit__in=_visible_units(request.user))
    if params.round_id:
        rows = rows.filter(round_id=params.round_id)
    if params.unit_id:
        rows = rows.filter(unit_id=params.unit_id)
    if params.title:
        rows = rows.filter(title=params.title.value)
    if params.state:
        rows = rows.filter(state=params.state.value)
    rows = rows.annotate(unit_name=F("unit__name")).order_by(
        "round_id", "title", "unit__name", "id"
    )
    if params.waiting_for_me:
        # One read of the chains, not one per assessment: a county has hundreds open.
        open_rows = services.with_stages(
            rows.filter(state=AssessmentState.OPEN, parent=None).select_related("access_unit")
        )
        mine = [
            a.pk
            for a in open_rows
            if a.stage < len(services.stages_of(a)) and services.can_act(request.user, a)
        ]
        rows = rows.filter(pk__in=mine)
    return _page(rows, params)


# Before /{assessment_id}: Django would match that pattern first.
class BulkChoice(BodyIn):
    id: int = Field(..., ge=1, le=MAX_ID)
    version: int = Field(..., ge=0, le=2_147_483_647)


class BulkAwardIn(BodyIn):
    items: list[BulkChoice] = Field(..., min_length=1, max_length=services.BULK_DECISION_LIMIT)
    reason: Text = Field("", max_length=2000)


class BulkRefusalOut(Schema):
    id: int
    detail: str
    forbidden: bool


class BulkAwardOut(Schema):
    awarded: list[int]
    refused: list[BulkRefusalOut]
    not_found: list[int] = Field(..., description="Ids outside your subtrees (recorded).")


@router.post("/bulk-award", response={200: BulkAwardOut, **WRITE_ERRORS})
def bulk_award(request, payload: BulkAwardIn):
    """Award several assessments at the last stage at once, as 授予所选 on the waiting list: each
    in its own transaction with the version you read; one refused (changed meanwhile, not your
    turn, the pass rule) leaves the others awarded. Not awarding is decided one by one."""
    chosen = {choice.id: choice.version for choice in payload.items}
    found = list(selectors.assessments_for_user(request.user).filter(pk__in=chosen))
    seen = {a.pk for a in found}
    not_found = [pk for pk in chosen if pk not in seen]
    for pk in not_found:
        record_denial(
            request,
            request.user,
            "decide",
            reason="not_found",
            object_type="assessments.assessment",
            object_id=str(pk),
        )
    result = services.do_decide_many(
        request.user, [(a, chosen[a.pk]) for a in found], reason=payload.reason
    )
    for refusal in result.refused:
        if refusal.forbidden:
            record_denial(
                request,
                request.user,
                "decide",
                reason="forbidden",
                unit=refusal.assessment.access_unit,
            )
    if found and not result.awarded and all(r.forbidden for r in result.refused):
        raise PermissionDenied
    return {
        "awarded": [a.pk for a in result.awarded],
        "refused": [
            {"id": r.assessment.pk, "detail": r.message, "forbidden": r.forbidden}
            for r in result.refused
        ],
        "not_found": not_found,
    }


@router.get("/{assessment_id}", response={200: AssessmentDetail, **READ_ERRORS})
def get_assessment(request, assessment_id: Id):
    """One assessment with its chain, every version of every score, and its moves."""
    return _detail(request, get_assessment_for_user(request, assessment_id))


@router.post("/", response={201: AssessmentDetail, **WRITE_ERRORS})
def apply(request, payload: ApplyIn):
    """Apply for a title in a round: the unit's own level does (a village operator for the
    village). A village's application carries its groups' ratings."""
    unit = get_unit_for_user(request, payload.unit_id)
    round_ = get_round_for_user(request, payload.round_id)
    assessment = _acting(
        request,
        unit,
        "assessment.apply",
        lambda: services.do_apply(request.user, round_, payload.title.value, unit),
    )
    return Status(201, _detail(request, assessment))


@router.put("/{assessment_id}/scores", response={200: AssessmentDetail, **WRITE_ERRORS})
def save_scores(request, assessment_id: Id, payload: ScoresIn):
    """Save scores at the current stage as new versions (all or nothing). Send each item's
    `base`: when someone saved the item since, the answer is 409 and nothing is saved."""
    assessment = get_assessment_for_user(request, assessment_id)
    entries = [services.ScoreInput(**entry.dict()) for entry in payload.entries]
    try:
        _acting(
            request,
            assessment.access_unit,
            "assessment.score",
            lambda: services.do_save_scores(
                request.user, assessment, entries, comment=payload.comment
            ),
        )
    except ValidationError as error:
        if conflict := _conflict(error):
            return conflict
        raise
    return _detail(request, assessment)


@router.post("/{assessment_id}/evidence", response={201: EvidenceOut, **WRITE_ERRORS})
def attach_evidence(
    request,
    assessment_id: Id,
    file: File[UploadedFile],
    item_id: Form[int | None] = None,
):
    """Attach an evidence file (multipart field `file`, a JPEG, PNG or WebP image or a PDF) to
    an item (`item_id`) or to the whole assessment."""
    assessment = get_assessment_for_user(request, assessment_id)
    item = None
    if item_id is not None:
        item = Item.objects.filter(pk=item_id, section__standard=assessment.standard_id).first()
        if item is None:
            raise Http404
    evidence = _acting(
        request,
        assessment.access_unit,
        "assessment.evidence",
        lambda: services.do_attach_evidence(request.user, assessment, file, item),
    )
    return Status(201, evidence)


def _move(request, assessment_id: int, action: str, call):
    assessment = get_assessment_for_user(request, assessment_id)
    try:
        _acting(request, assessment.access_unit, action, lambda: call(assessment))
    except ValidationError as error:
        if conflict := _conflict(error):
            return conflict
        raise
    return _detail(request, assessment)


@router.post("/{assessment_id}/submit", response={200: AssessmentDetail, **WRITE_ERRORS})
def submit(request, assessment_id: Id, payload: TransitionIn):
    """The applicant sends the self-assessment up; every item and group must be scored."""
    return _move(
        request,
        assessment_id,
        "assessment.submit",
        lambda a: services.do_submit(request.user, a, expected_version=payload.read_version),
    )


@router.post("/{assessment_id}/return", response={200: AssessmentDetail, **WRITE_ERRORS})
def return_assessment(request, assessment_id: Id, payload: ReturnIn):
    """Send the assessment back one stage with a reason, whole or for the `items` listed
    (only those reopen)."""
    return _move(
        request,
        assessment_id,
        "assessment.return",
        lambda a: services.do_return(
            request.user,
            a,
            reason=payload.reason,
            items=payload.items,
            expected_version=payload.read_version,
        ),
    )


@router.post("/{assessment_id}/pass", response={200: AssessmentDetail, **WRITE_ERRORS})
def pass_assessment(request, assessment_id: Id, payload: PassIn):
    """Pass the assessment to the next stage (not at the last stage, which decides)."""
    return _move(
        request,
        assessment_id,
        "assessment.pass",
        lambda a: services.do_pass(
            request.user, a, reason=payload.reason, expected_version=payload.read_version
        ),
    )


@router.post("/{assessment_id}/decide", response={200: AssessmentDetail, **WRITE_ERRORS})
def decide(request, assessment_id: Id, payload: DecideIn):
    """The last stage awards the title, or does not with a reason."""
    return _move(
        request,
        assessment_id,
        "assessment.decide",
        lambda a: services.do_decide(
            request.user,
            a,
            award=payload.award,
            reason=payload.reason,
            expected_version=payload.read_version,
        ),
    )


# --- spot checks and titles ----------------------------------------------------------------


@router.post("/rounds/{round_id}/spot-checks", response={201: SpotCheckOut, **WRITE_ERRORS})
def draw_spot_check(request, round_id: Id, payload: SpotCheckIn):
    """Draw a sample of the round's awarded units, a `share` or a `count` per township, with a
    recorded `seed` (drawn at random when left out) so that anyone can draw it again."""
    round_ = get_round_for_user(request, round_id)
    check = _acting(
        request,
        round_.organiser,
        "spot_check.draw",
        lambda: services.do_draw_spot_check(
            request.user,
            round_,
            payload.title.value,
            share=payload.share,
            count=payload.count,
            seed=payload.seed,
        ),
    )
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
    entry = _acting(
        request,
        entry.assessment.access_unit,
        "spot_check.inspect",
        lambda: services.do_record_inspection(
            request.user, entry, passed=payload.passed, reason=payload.reason
        ),
    )
    return SpotCheckEntry.objects.select_related("assessment").get(pk=entry.pk)


@router.post("/titles/{title_id}/revoke", response={200: TitleOut, **WRITE_ERRORS})
def revoke_title(request, title_id: Id, payload: RevokeIn):
    """Revoke a title in force with its cause and reason; the title stays on record."""
    title = AwardedTitle.objects.select_related("unit").filter(pk=title_id).first()
    if title is None:
        raise missing(request, "assessments.awardedtitle", title_id)
    require(request, Action.VIEW, title.unit)
    return _acting(
        request,
        title.unit,
        "title.revoke",
        lambda: services.do_revoke_title(
            request.user, title, cause=payload.cause.value, reason=payload.reason
        ),
    )


class TitlePage(Schema):
    count: int
    page: int
    pages: int
    items: list[TitleOut]


@router.get("/units/{unit_id}/titles", response={200: TitlePage, **READ_ERRORS})
def unit_titles(request, unit_id: Id, params: Query[PageParams]):
    """Every title the unit was awarded, in force, superseded or revoked, newest first."""
    unit = get_unit_for_user(request, unit_id)
    return page_of(AwardedTitle.objects.filter(unit=unit).order_by("-year", "title", "-id"), params)
