"""Assessments over the API: listing, applying, scores, evidence and the chain's moves."""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from ninja import File, Form, Query, Status
from ninja.files import UploadedFile

from accounts.access import get_unit_for_user
from accounts.access import visible_units as _visible_units
from api.assessments.common import _conflict, _detail, _evidence_of, router
from api.assessments.schemas import (
    ApplyIn,
    AssessmentDetail,
    AssessmentPage,
    AssessmentParams,
    BulkAwardIn,
    BulkAwardOut,
    DecideIn,
    EvidenceOut,
    EvidencePage,
    Id,
    PassIn,
    ReturnIn,
    ScoresIn,
    TransitionIn,
)
from api.errors import acting
from api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    PageParams,
    page_of,
)
from assessments import services
from assessments.access import (
    assessments_to_decide_for_user,
    decide_many_for_user,
    get_assessment_for_user,
    get_round_for_user,
)
from assessments.models import (
    Assessment,
    AssessmentState,
)
from registers.models import Evidence
from standards.models import Item


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
    return page_of(rows, params)


@router.post("/bulk-award", response={200: BulkAwardOut, **WRITE_ERRORS})
def bulk_award(request, payload: BulkAwardIn):
    """Award several assessments at the last stage at once, as 授予所选 on the waiting list: each
    in its own transaction with the version you read; one refused (changed meanwhile, not your
    turn, the pass rule) leaves the others awarded. Not awarding is decided one by one."""
    chosen = {choice.id: choice.version for choice in payload.items}
    found, not_found = assessments_to_decide_for_user(request, chosen)
    selection = [(a, chosen[a.pk]) for a in found]
    result = decide_many_for_user(request, selection, reason=payload.reason)
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
    assessment = acting(
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
        acting(
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
    evidence = acting(
        request,
        assessment.access_unit,
        "assessment.evidence",
        lambda: services.do_attach_evidence(request.user, assessment, file, item),
    )
    return Status(201, evidence)


def _move(request, assessment_id: int, action: str, call):
    assessment = get_assessment_for_user(request, assessment_id)
    try:
        acting(request, assessment.access_unit, action, lambda: call(assessment))
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
