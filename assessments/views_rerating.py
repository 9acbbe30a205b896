"""复查: who in a round's subtree is due for re-rating this year, and closing the round, after
which the titles it did not keep lapse (assessments/standing.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import record_denial, visible_units
from assessments import services
from assessments.models import AwardedTitle, RoundStatus, TitleStatus
from assessments.views import get_round_for_user
from standards.models import TitleKind


@login_required
def rerating(request, pk: int):
    round_ = get_round_for_user(request, pk)
    may_close = round_.status == RoundStatus.OPEN and services.can_close_round(request.user, round_)
    if request.method == "POST":
        if not may_close:
            record_denial(
                request,
                request.user,
                "close_round",
                reason="forbidden",
                object_type="assessments.round",
                object_id=round_.pk,
            )
            raise PermissionDenied(_("Rounds are closed by the organising level itself."))
        try:
            services.do_close_round(request.user, round_)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The round is closed: titles it did not keep lapse from %(year)s.")
                % {"year": round_.year},
            )
        return redirect("assessments:rerating", round_.pk)
    visible = set(visible_units(request.user).values_list("pk", flat=True))
    kept = set(
        AwardedTitle.objects.filter(year=round_.year)
        .exclude(status=TitleStatus.REVOKED)
        .values_list("unit_id", "title")
    )
    sections = [
        (
            TitleKind(title).label,
            [(unit, (unit.pk, title) in kept) for unit in units if unit.pk in visible],
        )
        for title, units in services.due_for_rerating(round_).items()
    ]
    return render(
        request,
        "assessments/rerating.html",
        {"round": round_, "sections": sections, "may_close": may_close},
    )
