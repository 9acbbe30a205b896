"""评先 page: the county sets the places and marks each recommended township 入选 or 未入选; the
city confirms the selected with its document number (assessments/selection.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import record_denial
from assessments import selection
from assessments.access import get_assessment_for_user, get_round_for_user
from assessments.models import Selection


def _refuse(request, round_, action: str, message: str) -> PermissionDenied:
    record_denial(
        request,
        request.user,
        action,
        reason="forbidden",
        object_type="assessments.round",
        object_id=round_.pk,
    )
    return PermissionDenied(message)


def _int_or_none(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _post(request, round_) -> None:
    """One of the page's three forms: the places, a mark, or the city's confirmation."""
    step = request.POST.get("step")
    if step in {"places", "mark"} and not selection.can_select(request.user, round_):
        raise _refuse(request, round_, "selection", _("Townships are selected by the county."))
    if step == "confirm" and not selection.can_confirm(request.user, round_):
        raise _refuse(request, round_, "selection_confirm", _("The city confirms the selection."))
    if step == "places":
        selection.do_set_places(request.user, round_, _int_or_none(request.POST.get("places")))
        messages.success(request, _("The places are set."))
    elif step == "mark":
        assessment = get_assessment_for_user(request, request.POST.get("assessment"))
        if assessment.round_id != round_.pk:
            raise Http404
        selection.do_mark(
            request.user,
            assessment,
            selected=request.POST.get("selected") == "yes",
            reason=request.POST.get("reason", ""),
            expected_version=_int_or_none(request.POST.get("version")),
        )
        messages.success(request, _("%(unit)s is marked.") % {"unit": assessment.unit.name})
    elif step == "confirm":
        titles = selection.do_confirm(
            request.user, round_, document_number=request.POST.get("document_number", "")
        )
        messages.success(
            request, _("%(count)s advanced townships confirmed.") % {"count": len(titles)}
        )
    else:
        raise Http404


@login_required
def selection_page(request, pk: int):
    round_ = get_round_for_user(request, pk)
    if not selection.selects_in(round_):
        raise Http404
    if request.method == "POST":
        try:
            _post(request, round_)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("assessments:selection", round_.pk)
    current = Selection.objects.filter(round=round_).first()
    rows = selection.candidates(round_)
    return render(
        request,
        "assessments/selection.html",
        {
            "round": round_,
            "selection": current,
            "candidates": rows,
            "selected": sum(1 for c in rows if c.mark and c.mark.selected),
            "may_select": selection.can_select(request.user, round_),
            "may_confirm": selection.can_confirm(request.user, round_)
            and bool(selection.awaiting_confirmation(round_)),
            "issuer": selection.association_name(selection.confirming_unit(round_)),
        },
    )
