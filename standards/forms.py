"""Forms of the standards editor: plain field checks here; the rules live in standards.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.strict_forms import StrictForm
from orgs.models import Level
from standards.metrics import METRICS
from standards.models import StageKind, TitleKind
from standards.services import parse_bands_text

POINTS = {"max_digits": 6, "decimal_places": 1, "min_value": 0}


def _levels():
    return [(value, label) for value, label in Level.choices if value != Level.GROUP]


class StandardForm(StrictForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=pgettext_lazy("standards", "Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pass_total = forms.DecimalField(label=_("Minimum total"), **POINTS)
    pass_rule_is_assumption = forms.BooleanField(
        label=_("The pass rule is a local assumption"), required=False
    )
    prerequisite = forms.ChoiceField(label=_("Prerequisite title (递次达标)"), required=False)
    prerequisite_same_round = forms.BooleanField(
        label=_("The prerequisite may be earned in the same round"), required=False
    )
    validity_years = forms.IntegerField(
        label=_("Validity in years"),
        required=False,
        min_value=1,
        max_value=10,
        help_text=_(
            "Blank: the title is re-rated every year (动态管理). A number: the title is held for "
            "that many years from its award."
        ),
    )

    def __init__(self, *args, title: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prerequisite"].choices = [("", _("None"))] + [
            (value, label) for value, label in TitleKind.choices if value != title
        ]


class SectionForm(StrictForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    points = forms.DecimalField(label=_("Points"), **POINTS)
    min_points = forms.DecimalField(
        label=_("Minimum points"),
        required=False,
        help_text=_("Leave empty when the section has no minimum of its own."),
        **POINTS,
    )
    is_assumption = forms.BooleanField(label=_("Local assumption"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ItemForm(StrictForm):
    number = forms.CharField(label=_("Number"), max_length=10)
    text = forms.CharField(
        label=pgettext_lazy("standards", "Item"), widget=forms.Textarea(attrs={"rows": 2})
    )
    points = forms.DecimalField(
        label=_("Points"), help_text=_("0 for a veto item that carries no points."), **POINTS
    )
    guidance = forms.CharField(
        label=_("Scoring guidance"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_asked = forms.CharField(
        label=pgettext_lazy("standards", "Evidence asked for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_veto = forms.BooleanField(
        label=_("Veto item (一票否决: fails the title whatever the total)"), required=False
    )
    metric = forms.ChoiceField(label=_("Metric from the registers"), required=False)
    metric_bands = forms.CharField(
        label=_("Suggested score bands"),
        required=False,
        help_text=_("Minimum=score pairs, separated by ；, e.g. 50=5；30=3."),
    )
    is_assumption = forms.BooleanField(label=_("Local assumption"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", _("None"))] + [
            (key, metric.label) for key, metric in METRICS.items()
        ]

    def clean_metric_bands(self):
        try:
            return parse_bands_text(self.cleaned_data["metric_bands"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class StageForm(StrictForm):
    kind = forms.ChoiceField(label=pgettext_lazy("standards", "Stage"), choices=StageKind.choices)
    level = forms.TypedChoiceField(label=_("Acting level"), coerce=int, choices=_levels)
    is_spot_check = forms.BooleanField(label=_("Spot check of a sample (抽查)"), required=False)


class SearchForm(StrictForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    title = forms.ChoiceField(
        label=pgettext_lazy("standards", "Title"),
        required=False,
        choices=[("", _("All titles"))] + TitleKind.choices,
    )
