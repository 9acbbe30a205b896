"""Who reaches which round and assessment, on top of the one access helper (accounts.access).

The pages, the printed forms of reports and the API all fetch through here: an object outside
the user's subtrees answers 404 and a forbidden action 403, each denial recorded. A round is seen
by the users of its organiser's subtree and by those below it (a county's round takes in its
villages); an assessment by the subtree of its access unit (the unit, or a migrant group's home
village).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.access import Action, missing, record_denial, require
from assessments import selectors, services
from assessments.models import Assessment, Round
from orgs.models import OrgUnit


def forbidden(request, unit: OrgUnit, action: str) -> PermissionDenied:
    """A chain action the user may not take here now: the denial recorded, and the 403 to raise."""
    record_denial(request, request.user, action, reason="forbidden", unit=unit)
    return PermissionDenied(_("It is not your level's turn to act on this assessment."))


def get_round_for_user(request, pk) -> Round:
    round_ = selectors.rounds_for_user(request.user).filter(pk=pk).first()
    if round_ is None:
        raise missing(request, "assessments.round", pk)
    return round_


def get_assessment_for_user(request, pk) -> Assessment:
    assessment = (
        Assessment.objects.select_related(
            "unit", "access_unit", "round__organiser", "standard", "parent"
        )
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise missing(request, "assessments.assessment", pk)
    require(request, Action.VIEW, assessment.access_unit)
    return assessment


def get_awarding_round_for_user(request, pk, title: str) -> Round:
    """The round, if the user may see it, and only if it awards `title` (a commendation list's
    or certificates' address names both); else one recorded 404."""
    round_ = selectors.rounds_for_user(request.user).filter(pk=pk).first()
    if round_ is None or title not in round_.titles.values_list("title", flat=True):
        raise missing(request, "assessments.round", f"{pk}:{title}")
    return round_


def assessments_to_decide_for_user(request, ids, queryset=None) -> tuple[list[Assessment], list]:
    """The chosen assessments the user may see (the waiting list's own scope) and the ids not
    found there, each of those recorded as a denial, as `get_assessment_for_user` does for one.
    `queryset` narrows or orders the user's assessments (the confirmation page's joins)."""
    scope = selectors.assessments_for_user(request.user) if queryset is None else queryset
    found = list(scope.filter(pk__in=ids))
    seen = {a.pk for a in found}
    not_found = [pk for pk in ids if pk not in seen]
    for pk in not_found:
        record_denial(
            request,
            request.user,
            "decide",
            reason="not_found",
            object_type="assessments.assessment",
            object_id=str(pk),
        )
    return found, not_found


def refuse_deciding(request, assessments) -> PermissionDenied:
    """Each assessment the user may not decide recorded as a denial, and the 403 to raise."""
    for assessment in assessments:
        unit = assessment.access_unit
        record_denial(request, request.user, "decide", reason="forbidden", unit=unit)
    return PermissionDenied(_("Only the level that decides these assessments can award them."))


def decide_many_for_user(request, selection, *, reason: str = ""):
    """授予所选 for the pages and the API alike: `services.do_decide_many` over (assessment,
    version read) pairs, each refusal for want of the right recorded as a denial; when every one
    was refused so, the 403 is raised instead of a result."""
    result = services.do_decide_many(request.user, selection, reason=reason)
    denied = [refusal.assessment for refusal in result.refused if refusal.forbidden]
    refusal = refuse_deciding(request, denied)
    if selection and not result.awarded and len(denied) == len(result.refused):
        raise refusal
    return result


def get_group_village_for_user(request, pk, village_pk) -> tuple[Round, OrgUnit]:
    """A round and one of its villages whose groups it rates, both visible to the user; else
    one recorded 404."""
    from orgs.models import Level

    round_ = selectors.rounds_for_user(request.user).filter(pk=pk).first()
    village = OrgUnit.objects.filter(pk=village_pk, level=Level.VILLAGE).first()
    if round_ is None or village is None or not round_.organiser.contains(village):
        raise missing(request, "assessments.group_ratings", f"{pk}:{village_pk}")
    require(request, Action.VIEW, village)
    return round_, village
