"""授予所选: the last stage awards several assessments at once, behind one confirmation page.

The waiting list sends the chosen ids (GET); the confirmation page reads each assessment's
version and shows the selection with an optional shared note; its POST awards them through
`assessments.access.decide_many_for_user`, as the API's bulk award does. Ids outside the user's
subtree are left out, reported and recorded as denials, as `get_assessment_for_user` does for one.
Not awarding needs a reason per unit and is decided one by one on the sheet."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from assessments import selectors, services
from assessments.access import (
    assessments_to_decide_for_user,
    decide_many_for_user,
    refuse_deciding,
)
from assessments.forms import award_reason_message
from assessments.models import Assessment
from core.strict_forms import StrictForm

FIELD = "a"
RESULT_KEY = "assessments.bulk_award"  # the last bulk award's outcome, in the session


class BulkAwardForm(StrictForm):
    reason = forms.CharField(
        label=pgettext_lazy("assessment", "Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Optional; recorded with every title awarded here."),
    )

    def __init__(self, *args, above_suggestion: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.above_suggestion = above_suggestion
        if above_suggestion:
            self.fields["reason"].help_text = gettext_lazy(
                "Required: some selected units have items scored above the registers' "
                "suggestion. Recorded with every title awarded here."
            )

    def clean(self):
        data = super().clean()
        if self.above_suggestion and not (data.get("reason") or "").strip():
            self.add_error("reason", award_reason_message(self.above_suggestion))
        return data


def _parse(values: list[str], with_versions: bool) -> tuple[dict[int, int | None], int]:
    """The selection as {id: version the page read} (None on GET), and how many values could
    not be read."""
    chosen: dict[int, int | None] = {}
    unreadable = 0
    for value in values:
        pk, _sep, version = value.partition(":")
        try:
            chosen[int(pk)] = int(version) if with_versions else None
        except ValueError:
            unreadable += 1
    return chosen, unreadable


def _in_subtree(request, chosen) -> tuple[list[Assessment], int]:
    """The chosen assessments the user may see, in the page's order, and how many were not found
    there (each recorded as a denial)."""
    ordered = (
        selectors.assessments_for_user(request.user)
        .select_related("unit", "unit__township", "access_unit", "round", "standard")
        .order_by("unit__township__name", "unit__division_code", "unit__name", "title")
    )
    found, outside = assessments_to_decide_for_user(request, chosen, ordered)
    return services.with_stages(found), len(outside)


@login_required
def decide_many(request):
    """GET: confirm the selection; POST: award it."""
    posting = request.method == "POST"
    values = (request.POST if posting else request.GET).getlist(FIELD)
    if not values:
        messages.error(request, _("Select the assessments to award first."))
        return redirect("assessments:waiting")
    if len(set(values)) > services.BULK_DECISION_LIMIT:
        messages.error(
            request,
            _(
                "At most %(limit)s assessments can be decided at once; %(count)s were selected. "
                "Select fewer and try again."
            )
            % {"limit": services.BULK_DECISION_LIMIT, "count": len(set(values))},
        )
        return redirect("assessments:waiting")
    chosen, unreadable = _parse(values, with_versions=posting)
    assessments, outside = _in_subtree(request, chosen)
    left_out = outside + unreadable
    if not assessments:
        messages.error(request, _("None of the selected assessments is in your units."))
        return redirect("assessments:waiting")
    figures = {a.pk: selectors.review_figures(a) for a in assessments}
    for assessment in assessments:
        assessment.figures = figures[assessment.pk]
    form = BulkAwardForm(
        request.POST if posting else None,
        above_suggestion=sum(len(f.above) for f in figures.values()),
    )
    if posting and form.is_valid():
        result = decide_many_for_user(
            request,
            [(a, chosen[a.pk]) for a in assessments],
            reason=form.cleaned_data["reason"],
        )
        if result.awarded:
            messages.success(
                request,
                ngettext(
                    "%(count)s title was awarded.",
                    "%(count)s titles were awarded.",
                    len(result.awarded),
                )
                % {"count": len(result.awarded)},
            )
        if result.refused:
            messages.error(
                request,
                ngettext(
                    "%(count)s assessment was not awarded; see the reasons below.",
                    "%(count)s assessments were not awarded; see the reasons below.",
                    len(result.refused),
                )
                % {"count": len(result.refused)},
            )
        # Post/redirect/get: reloading the result must not post again (every assessment would
        # then be refused as changed meanwhile, which reads as if none had been awarded).
        request.session[RESULT_KEY] = {
            "awarded": [a.pk for a in result.awarded],
            "refused": [[r.assessment.pk, r.message] for r in result.refused],
            "left_out": left_out,
        }
        return redirect("assessments:decide_many_done")
    if posting:
        # The note was refused: the same selection again, with the versions first read.
        selection, others = [(a, chosen[a.pk]) for a in assessments], []
    else:
        selection = [(a, a.version) for a in assessments if services.can_decide(request.user, a)]
        if not selection:
            raise refuse_deciding(request, assessments)
        others = [a for a in assessments if not services.can_decide(request.user, a)]
    return render(
        request,
        "assessments/decide_many.html",
        {
            "selection": selection,
            "others": others,
            "left_out": left_out,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def decide_many_done(request):
    """The last bulk award's outcome, from the session (shown again on reload)."""
    stored = request.session.get(RESULT_KEY)
    if not stored:
        return redirect("assessments:waiting")
    ids = set(stored["awarded"]) | {pk for pk, _message in stored["refused"]}
    found = {
        a.pk: a
        for a in selectors.assessments_for_user(request.user)
        .filter(pk__in=ids)
        .select_related("unit", "round", "standard")
    }
    result = services.BulkDecision(
        awarded=[found[pk] for pk in stored["awarded"] if pk in found],
        refused=[
            services.Refusal(found[pk], message) for pk, message in stored["refused"] if pk in found
        ],
    )
    return render(
        request,
        "assessments/decide_many_done.html",
        {"result": result, "left_out": stored["left_out"]},
    )
