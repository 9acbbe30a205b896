"""The demo's 评先 with places (assessments/selection.py), kept apart from the rest of the demo
builder: each round that selects advanced townships gets its places and the county's 入选/未入选
marks, and a confirmed one the city's document number on its titles (the city is their issuer).

Rows are written directly like the rest of the demo's history (one bulk-load audit event covers
the build); what the demo accounts do "this autumn" goes through the services."""

from assessments import selection, services
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    Round,
    Selection,
    SelectionMark,
)
from standards.models import TitleKind

SELECTED_REASON = "综合得分靠前，创建成效突出，经县协会研究入选。"
NOT_SELECTED_REASON = "本次评先名额有限，综合得分排名在名额之后，未入选，下一次评先再申报。"


def _demo_assessments(round_: Round) -> list[Assessment]:
    return list(
        Assessment.objects.filter(round=round_, title=TitleKind.ADVANCED_TOWNSHIP)
        .select_related("standard", "unit", "round")
        .order_by("pk")
    )


def record_selection(round_: Round, county_user, places: int) -> Selection:
    """The places, and a mark for every township the county has already selected or not: past
    its selection stage (入选), or ended at it (未入选)."""
    chosen = Selection.objects.create(round=round_, places=places, set_by=county_user)
    for assessment in _demo_assessments(round_):
        at = selection.selection_stage(assessment)
        past = assessment.stage > at
        ended_here = assessment.stage == at and assessment.state == AssessmentState.NOT_AWARDED
        if not (past or ended_here):
            continue
        SelectionMark.objects.create(
            selection=chosen,
            assessment=assessment,
            selected=past,
            reason=SELECTED_REASON if past else NOT_SELECTED_REASON,
            score=services.outcome_at(assessment, at).total,
            marked_by=county_user,
        )
    return chosen


def record_confirmation(chosen: Selection, city_user, document_number: str) -> None:
    """The city's confirmation of a past selection: its document number, and the city
    association as the issuer of the titles it confirmed."""
    round_ = chosen.round
    issuer = selection.association_name(selection.confirming_unit(round_))
    AwardedTitle.objects.filter(
        assessment__round=round_,
        title=TitleKind.ADVANCED_TOWNSHIP,
        assessment__selection_mark__selected=True,
    ).update(issuer=issuer, document_number=document_number)
    confirmed_at = (
        AwardedTitle.objects.filter(assessment__round=round_, title=TitleKind.ADVANCED_TOWNSHIP)
        .order_by("-awarded_at")
        .values_list("awarded_at", flat=True)
        .first()
    )
    chosen.confirmed_document = document_number
    chosen.confirmed_by, chosen.confirmed_at = city_user, confirmed_at
    chosen.save()
    # The demo's history is dated in the past; keep the marks beside their decisions.
    if confirmed_at is not None:
        SelectionMark.objects.filter(selection=chosen).update(marked_at=confirmed_at)


def county_selects_now(round_: Round, county_user, assessment: Assessment) -> None:
    """This autumn's 入选, through the service (the places were recorded with the round)."""
    selection.do_mark(
        county_user,
        assessment,
        selected=True,
        reason="经县协会评选，综合得分第一，推荐为先进乡镇协会，报市协会审核认定。",
    )
