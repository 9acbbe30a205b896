"""评先 over the API: a round's ranking of recommended townships, its places, each 入选/未入选,
and the city's confirmation with its document number (assessments/selection.py).

Thin like the other routers: the round and the assessment are reached through
assessments.access (404 outside the caller's subtrees), every write goes through the service,
whose PermissionDenied answers 403 (recorded) and ValidationError 422."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Router, Schema

from accounts.access import record_denial
from api.schemas import READ_ERRORS, WRITE_ERRORS, BodyIn, Text
from assessments import selection
from assessments.access import get_assessment_for_user, get_round_for_user
from assessments.models import Round, Selection

router = Router(tags=["assessments"])


class SelectionCandidateOut(Schema):
    assessment_id: int
    unit_id: int
    unit_name: str
    rank: int
    score: Decimal
    meets_pass_mark: bool
    evidence_files: int
    selected: bool | None = Field(None, description="入选 true, 未入选 false, not yet marked null")
    reason: str = ""


class SelectionOut(Schema):
    round_id: int
    places: int | None
    selected: int
    document_number: str
    confirmed_at: datetime.datetime | None
    candidates: list[SelectionCandidateOut]


class SelectionPlacesIn(BodyIn):
    places: int = Field(..., ge=1, le=1000)


class SelectionMarkIn(BodyIn):
    selected: bool
    reason: Text = Field(..., min_length=1, max_length=1000)
    version: int | None = Field(None, ge=1, le=2**31 - 1)


class SelectionConfirmIn(BodyIn):
    document_number: Text = Field(..., min_length=1, max_length=100)


def _round(request, round_id: int) -> Round:
    round_ = get_round_for_user(request, round_id)
    if not selection.selects_in(round_):
        raise Http404
    return round_


def _acting(request, round_: Round, action: str, call):
    try:
        return call()
    except PermissionDenied:
        record_denial(request, request.user, action, reason="forbidden", unit=round_.organiser)
        raise


def _out(round_: Round) -> dict:
    current = Selection.objects.filter(round=round_).first()
    rows = selection.candidates(round_)
    return {
        "round_id": round_.pk,
        "places": current.places if current else None,
        "selected": sum(1 for c in rows if c.mark and c.mark.selected),
        "document_number": current.confirmed_document if current else "",
        "confirmed_at": current.confirmed_at if current else None,
        "candidates": [
            {
                "assessment_id": c.assessment.pk,
                "unit_id": c.assessment.unit_id,
                "unit_name": c.assessment.unit.name,
                "rank": c.rank,
                "score": c.score,
                "meets_pass_mark": c.meets_pass_mark,
                "evidence_files": c.evidence_files,
                "selected": c.mark.selected if c.mark else None,
                "reason": c.mark.reason if c.mark else "",
            }
            for c in rows
        ],
    }


@router.get("/rounds/{round_id}", response={200: SelectionOut, **READ_ERRORS})
def get_selection(request, round_id: int):
    """The round's recommended townships, best score first, with their marks and the places."""
    return _out(_round(request, round_id))


@router.put("/rounds/{round_id}/places", response={200: SelectionOut, **WRITE_ERRORS})
def set_places(request, round_id: int, payload: SelectionPlacesIn):
    """The county sets the number of places (名额); never fewer than those already selected."""
    round_ = _round(request, round_id)
    _acting(
        request,
        round_,
        "selection.places",
        lambda: selection.do_set_places(request.user, round_, payload.places),
    )
    return _out(round_)


@router.post("/assessments/{assessment_id}/mark", response={200: SelectionOut, **WRITE_ERRORS})
def mark(request, assessment_id: int, payload: SelectionMarkIn):
    """入选 (passed on to the city) or 未入选 (not awarded), with the reason; never beyond the
    places."""
    assessment = get_assessment_for_user(request, assessment_id)
    round_ = _round(request, assessment.round_id)
    _acting(
        request,
        round_,
        "selection.mark",
        lambda: selection.do_mark(
            request.user,
            assessment,
            selected=payload.selected,
            reason=payload.reason,
            expected_version=payload.version,
        ),
    )
    return _out(round_)


@router.post("/rounds/{round_id}/confirm", response={200: SelectionOut, **WRITE_ERRORS})
def confirm(request, round_id: int, payload: SelectionConfirmIn):
    """The city confirms the selected townships with its document number (文号) and issues
    their titles."""
    round_ = _round(request, round_id)
    _acting(
        request,
        round_,
        "selection.confirm",
        lambda: selection.do_confirm(request.user, round_, document_number=payload.document_number),
    )
    return _out(round_)
