"""Forms of the assessment pages. The services check the rules again; these only say early and
precisely, in the user's language, what is wrong next to the field."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from assessments.models import AssessmentState, RevocationCause
from assessments.services import ScoreInput
from core.strict_forms import StrictForm
from core.widgets import DateTextField, PickedFileInput
from standards.models import TitleKind

MAX_STAGES = 4


def title_field_name(title: str) -> str:
    return f"standard_{title}"


def due_field_name(title: str, position: int) -> str:
    return f"due_{title}_{position}"


class RoundForm(StrictForm):
    organiser = forms.ModelChoiceField(label=_("Organised by"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("Campaign year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args, organisers, standards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers
        self.fields["year"].initial = timezone.localdate().year
        self.title_rows = []
        for title in TitleKind:
            choices = standards.filter(title=title).order_by("-version")
            name = title_field_name(title)
            self.fields[name] = forms.ModelChoiceField(
                label=title.label,
                queryset=choices,
                required=False,
                empty_label=_("Not assessed in this round"),
            )
            newest = choices.first()
            stages = newest.ordered_stages() if newest else []
            dues = []
            for position in range(MAX_STAGES):
                label = (
                    stages[position].get_kind_display()
                    if position < len(stages)
                    else _("Stage %(number)s") % {"number": position + 1}
                )
                field_name = due_field_name(title, position)
                self.fields[field_name] = DateTextField(label=label, required=False)
                if position < len(stages):
                    dues.append(self[field_name])
            self.title_rows.append((title, self[name], dues))

    def clean(self):
        data = super().clean()
        chosen = {
            title: data.get(title_field_name(title))
            for title in TitleKind
            if data.get(title_field_name(title))
        }
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Choose a standard for at least one title."))
        deadlines = {}
        for title, standard in chosen.items():
            count = len(standard.ordered_stages())
            dues = {}
            for position in range(MAX_STAGES):
                due = data.get(due_field_name(title, position))
                if due is None:
                    continue
                if position >= count:
                    self.add_error(
                        due_field_name(title, position),
                        _("The chosen standard has only %(count)s stages.") % {"count": count},
                    )
                    continue
                dues[position] = due
            ordered = [dues[p] for p in sorted(dues)]
            if ordered != sorted(ordered):
                self.add_error(
                    due_field_name(title, max(dues)),
                    _("A later stage cannot be due before an earlier one."),
                )
            deadlines[title] = dues
        data["standards"] = chosen
        data["deadlines"] = deadlines
        return data


class RoundFilterForm(StrictForm):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class OverviewFilterForm(StrictForm):
    q = forms.CharField(label=_("Unit name"), required=False, max_length=100)
    township = forms.ModelChoiceField(
        label=pgettext_lazy("assessment", "Township"),
        queryset=None,
        required=False,
        empty_label=_("All townships"),
    )
    title = forms.ChoiceField(label=pgettext_lazy("assessment", "Title"), required=False)
    stage = forms.TypedChoiceField(label=_("Stage"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("State"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, townships, titles, max_stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["title"].choices = [("", _("All titles"))] + [
            (t, TitleKind(t).label) for t in titles
        ]
        self.fields["stage"].choices = [("", _("All stages"))] + [
            (n, _("Stage %(number)s") % {"number": n + 1}) for n in range(max_stages)
        ]
        self.fields["state"].choices = [
            ("", _("All states")),
            *AssessmentState.choices,
            (REVOKED_FILTER, _("Revoked (摘牌)")),
        ]


# Not a state of the assessment but of the title it awarded: the round lists it beside them.
REVOKED_FILTER = "revoked"


class WaitingFilterForm(StrictForm):
    """待我处理's filters: the unit's name, the title, overdue only."""

    q = forms.CharField(label=_("Unit name"), required=False, max_length=100)
    title = forms.ChoiceField(label=pgettext_lazy("assessment", "Title"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    passing = forms.BooleanField(label=_("Meeting the standard only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("", _("By due date")),
            ("township", _("By township")),
            ("total", _("By total, highest first")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].choices = [("", _("All titles")), *TitleKind.choices]


VETO_CHOICES = [("", "—"), ("clear", pgettext_lazy("veto", "Clear")), ("violated", _("Violated"))]


class SheetForm(StrictForm):
    """The current stage's column: one set of fields per item the user may change."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Overall comment with this save"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, items, current, readings, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        self.current = current
        self.readings = readings
        for item in items:
            score = current.get(item.pk)
            reading = readings.get(item.pk)
            pk = item.pk
            if item.points:
                # The suggestion is a placeholder, never a value: an item the reviewer leaves
                # alone must not be saved as scored by them.
                attrs = {"step": "0.1", "inputmode": "decimal", "class": "score"}
                if reading is not None and reading.suggested is not None:
                    attrs["placeholder"] = f"{reading.suggested:f}"
                self.fields[f"points-{pk}"] = forms.DecimalField(
                    label=_("Score of item %(number)s") % {"number": item.number},
                    required=False,
                    min_value=Decimal("0"),
                    max_value=item.points,
                    decimal_places=1,
                    initial=score.points if score else None,
                    widget=forms.NumberInput(attrs=attrs),
                )
            if item.is_veto:
                veto = None if score is None else score.veto_violated
                self.fields[f"veto-{pk}"] = forms.ChoiceField(
                    label=_("Veto item %(number)s") % {"number": item.number},
                    choices=VETO_CHOICES,
                    required=False,
                    initial="" if veto is None else ("violated" if veto else "clear"),
                )
            self.fields[f"state-{pk}"] = forms.CharField(
                label=_("Current state"),
                required=False,
                initial=score.current_state if score else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"measures-{pk}"] = forms.CharField(
                label=_("Corrective measures"),
                required=False,
                initial=score.measures if score else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if item.metric:
                self.fields[f"reason-{pk}"] = forms.CharField(
                    label=_("Reason for overriding the suggestion"),
                    required=False,
                    initial=score.override_reason if score else "",
                )
            self.fields[f"base-{pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=score.pk if score else 0, required=False
            )

    def fields_for(self, item_id: int) -> dict:
        """The item's bound fields by kind, for the template's cells."""
        names = ["points", "veto", "state", "measures", "reason", "base"]
        return {n: self[f"{n}-{item_id}"] for n in names if f"{n}-{item_id}" in self.fields}

    def clean(self):
        data = super().clean()
        for item in self.items:
            reading = self.readings.get(item.pk)
            points = data.get(f"points-{item.pk}")
            if (
                reading is not None
                and reading.suggested is not None
                and points is not None
                and points != reading.suggested
                and not (data.get(f"reason-{item.pk}") or "").strip()
            ):
                self.add_error(
                    f"reason-{item.pk}",
                    _("The registers suggest %(suggested)s; say why you score otherwise.")
                    % {"suggested": reading.suggested},
                )
            if item.is_veto and points is not None and not data.get(f"veto-{item.pk}"):
                self.add_error(
                    f"veto-{item.pk}",
                    _("Say whether veto item %(number)s is clear.") % {"number": item.number},
                )
        return data

    def entries(self) -> list[ScoreInput]:
        """What to save: every item with something entered or already saved at this stage."""
        data = self.cleaned_data
        entries = []
        for item in self.items:
            pk = item.pk
            veto = data.get(f"veto-{pk}") or ""
            entry = ScoreInput(
                item_id=pk,
                points=data.get(f"points-{pk}"),
                veto_violated=None if not veto else veto == "violated",
                current_state=data.get(f"state-{pk}", ""),
                measures=data.get(f"measures-{pk}", ""),
                override_reason=data.get(f"reason-{pk}", ""),
                base=data.get(f"base-{pk}") or 0,
            )
            blank = (
                entry.points is None
                and entry.veto_violated is None
                and not entry.current_state.strip()
                and not entry.measures.strip()
            )
            if blank and pk not in self.current:
                continue
            entries.append(entry)
        return entries


class EvidenceForm(StrictForm):
    item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_("JPEG, PNG or WebP images, or PDF documents."),
        widget=PickedFileInput({"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )


class CommentForm(StrictForm):
    item = forms.TypedChoiceField(label=_("About"), required=False, coerce=int, empty_value=None)
    text = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("The whole assessment"))] + [
            (item.pk, _("Item %(number)s") % {"number": item.number}) for item in items
        ]


class ConfirmForm(StrictForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(ConfirmForm):
    reason = forms.CharField(
        label=pgettext_lazy("assessment", "Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReturnForm(ConfirmForm):
    items = forms.TypedMultipleChoiceField(
        label=_("Items to reopen"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the items to send back; tick none to return the whole assessment."),
    )
    reason = forms.CharField(
        label=pgettext_lazy("assessment", "Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the assessment goes back.")},
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [
            (item.pk, f"{item.number}. {item.text[:60]}") for item in items
        ]


class DecideForm(ConfirmForm):
    award = forms.TypedChoiceField(
        label=pgettext_lazy("assessment", "Decision"),
        choices=[("yes", _("Award the title")), ("no", _("Do not award"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to award the title.")},
    )
    reason = forms.CharField(
        label=pgettext_lazy("assessment", "Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, above_suggestion: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.above_suggestion = above_suggestion

    def clean(self):
        data = super().clean()
        reason = (data.get("reason") or "").strip()
        if data.get("award") is False and not reason:
            self.add_error("reason", _("Say why the title is not awarded."))
        if data.get("award") and self.above_suggestion and not reason:
            self.add_error("reason", award_reason_message(self.above_suggestion))
        return data


def award_reason_message(count: int) -> str:
    return ngettext(
        "%(count)s item is scored above the registers' suggestion: say why you award all the same.",
        "%(count)s items are scored above the registers' suggestion: say why you award all the "
        "same.",
        count,
    ) % {"count": count}


class RevokeForm(StrictForm):
    cause = forms.ChoiceField(label=_("Cause"), choices=RevocationCause.choices)
    reason = forms.CharField(
        label=pgettext_lazy("assessment", "Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the title is revoked.")},
    )
    effective_year = forms.IntegerField(
        label=_("Revoked from the year"),
        required=False,
        min_value=1990,
        max_value=2100,
        help_text=_(
            "Blank: from the title's own year, as if that year's rating had not awarded it. A "
            "later year keeps the title counting until then."
        ),
    )


class SpotCheckForm(StrictForm):
    title = forms.ChoiceField(label=pgettext_lazy("assessment", "Title"))
    township = forms.ModelChoiceField(
        label=pgettext_lazy("assessment", "Township"),
        queryset=None,
        required=False,
        empty_label=_("All townships"),
        help_text=_("Leave at all townships, or draw only among one township's units."),
    )
    share = forms.DecimalField(
        label=_("Share per township (%)"),
        help_text=_("Fill in either the share or the count, not both."),
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        decimal_places=1,
    )
    count = forms.IntegerField(
        label=_("Count per township"),
        help_text=_("Or a fixed number of units from each township, e.g. 1."),
        required=False,
        min_value=1,
        max_value=1000,
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=2**48,
        help_text=_("Leave empty for a random seed; it is recorded so anyone can re-draw."),
    )

    def __init__(self, *args, titles, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].choices = [(t, TitleKind(t).label) for t in titles]
        self.fields["township"].queryset = townships

    def clean(self):
        data = super().clean()
        if (data.get("share") is None) == (data.get("count") is None) and not self.errors:
            raise forms.ValidationError(_("Give either a share or a count per township, not both."))
        return data


class InspectionForm(StrictForm):
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[("passed", _("Passed")), ("failed", _("Failed: revoke the title"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the result of the inspection.")},
    )
    reason = forms.CharField(
        label=_("What the inspection found"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == "failed" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say what the inspection found."))
        return data
