"""Who reaches which register record, on top of the one access helper (accounts.access).

Every record is reached through its unit: a member through their association, a training through
its organiser, an activity and an evidence file through their unit. The pages and the API both
fetch through here: outside the user's subtrees 404, a forbidden action 403, each denial recorded.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import Action, get_unit_for_user, missing, record_denial, require
from orgs.models import OrgUnit
from registers import services
from registers.models import Evidence, Member, ServiceActivity, Training


def parse_pk(value) -> int | None:
    """A primary key from an address or a form, or None when it cannot be one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def get_member_for_user(request, pk, action: Action = Action.VIEW) -> Member:
    """The member, if the user may act on their association; else 404 (unseen) or 403."""
    number = parse_pk(pk)
    member = (
        Member.objects.select_related("unit", "group", "moved_to").filter(pk=number).first()
        if number
        else None
    )
    if member is None:
        raise missing(request, "registers.member", pk, action)
    get_unit_for_user(request, member.unit_id, action)
    return member


def get_register_unit_for_user(request, unit_id, action: Action = Action.VIEW) -> OrgUnit:
    """A unit that keeps a member register (a village, community or urban branch)."""
    unit = get_unit_for_user(request, unit_id, action)
    if not services.holds_register(unit):
        raise Http404("This unit keeps no member register.")
    return unit


def get_training_for_user(request, pk, action: Action = Action.VIEW) -> Training:
    training = Training.objects.select_related("organiser").filter(pk=pk).first()
    if training is None:
        raise missing(request, "registers.training", pk)
    require(request, action, training.organiser)
    return training


def get_activity_for_user(request, pk, action: Action = Action.VIEW) -> ServiceActivity:
    activity = ServiceActivity.objects.select_related("unit", "carrier").filter(pk=pk).first()
    if activity is None:
        raise missing(request, "registers.serviceactivity", pk)
    require(request, action, activity.unit)
    return activity


def get_evidence_for_user(request, pk, action: Action = Action.VIEW) -> Evidence:
    evidence = Evidence.objects.select_related("unit", "content_type").filter(pk=pk).first()
    if evidence is None:
        raise missing(request, "registers.evidence", pk)
    require(request, action, evidence.unit)
    if action != Action.VIEW and evidence.content_type.app_label != "registers":
        # Another app's evidence (an assessment's) changes only through that app's rules: a
        # submitted self-assessment's files must not be deletable by the village here.
        record_denial(request, request.user, action, reason="forbidden", unit=evidence.unit)
        raise PermissionDenied(_("Not allowed for your role."))
    return evidence


def get_inclusion_unit_for_user(request, pk: int, action: Action = Action.VIEW) -> OrgUnit:
    """A township that keeps 三纳入四同时."""
    unit = get_unit_for_user(request, pk, action)
    if not services.takes_inclusion(unit):
        raise Http404("三纳入四同时 is kept for townships only.")
    return unit


def get_profile_unit_for_user(request, pk: int, action: Action = Action.VIEW) -> OrgUnit:
    """A township-level or village-level association, which keeps a profile."""
    unit = get_unit_for_user(request, pk, action)
    if not services.takes_profile(unit):
        raise Http404("Profiles are kept by township-level and village-level associations.")
    return unit
