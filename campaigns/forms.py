"""Forms of the campaign pages; the services validate again and have the last word."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.plan_models import Campaign, FirstClassBase, Standing
from core.strict_forms import StrictForm, StrictModelForm
from orgs.models import OrgUnit

PERCENT_WIDGET = forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "100"})


class CampaignForm(StrictModelForm):
    last_year = forms.IntegerField(
        label=_("last year"),
        required=False,
        min_value=2000,
        max_value=2110,
        help_text=_("Blank: five years from the first."),
    )
    first_class_base = forms.ChoiceField(
        label=_("first-class share is counted"),
        choices=FirstClassBase.choices,
        widget=forms.RadioSelect,
        help_text=_("The plan's “其中一流…不低于25%” can be read either way; say which is meant."),
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "first_year",
            "last_year",
            "five_good_share",
            "qualified_share",
            "first_class_share",
            "first_class_base",
            "advanced_townships",
            "enterprises_count_as_villages",
            "large_township_population",
        ]
        widgets = {
            "five_good_share": PERCENT_WIDGET,
            "qualified_share": PERCENT_WIDGET,
            "first_class_share": PERCENT_WIDGET,
        }
        help_texts = {
            "advanced_townships": _("How many townships should reach the advanced standard."),
            "enterprises_count_as_villages": _(
                "Unticked, enterprise associations keep their own figures and the village "
                "targets are of villages and communities only."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_year"].widget.attrs.update(min=2000, max=2100)

    def _post_clean(self):
        # The service checks names, years and overlaps with messages of its own; the model's
        # generic constraint messages would only repeat them less clearly. The instance is left
        # as it is: the view passes the cleaned data to the service.
        pass


class TownshipTargetForm(StrictForm):
    five_good_share = forms.DecimalField(
        label=_("groups five-good (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=1,
        widget=PERCENT_WIDGET,
    )
    qualified_share = forms.DecimalField(
        label=_("villages qualified or first-class (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=1,
        widget=PERCENT_WIDGET,
    )
    first_class_share = forms.DecimalField(
        label=_("villages first-class (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=1,
        widget=PERCENT_WIDGET,
    )


class SurveyEntryForm(StrictForm):
    standing = forms.ChoiceField(label=_("current standing"), choices=Standing.choices)
    gaps = forms.CharField(
        label=_("gaps to the next title"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, sections: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = sections
        for index, section in enumerate(sections):
            self.fields[f"score_{index}"] = forms.DecimalField(
                label=_("%(section)s (of %(points)s)")
                % {"section": section["section"], "points": section["points"]},
                required=False,
                min_value=Decimal("0"),
                max_value=Decimal(section["points"] or "1000"),
                decimal_places=1,
            )

    def section_scores(self) -> list[dict]:
        return [
            {
                "section": section["section"],
                "points": section["points"],
                "score": (
                    None
                    if self.cleaned_data.get(f"score_{index}") is None
                    else format(self.cleaned_data[f"score_{index}"].normalize(), "f")
                ),
            }
            for index, section in enumerate(self.sections)
        ]


class PlanForm(StrictForm):
    """Two year choices per village: when it is planned to reach qualified and first-class."""

    def __init__(self, *args, villages: list[OrgUnit], years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *[(str(y), str(y)) for y in years]]
        self.villages = villages
        for village in villages:
            for prefix, label in (("q", _("qualified in")), ("f", _("first-class in"))):
                self.fields[f"{prefix}_{village.pk}"] = forms.TypedChoiceField(
                    label=f"{village.name} · {label}",
                    choices=choices,
                    coerce=int,
                    empty_value=None,
                    required=False,
                )

    def years(self) -> dict[int, tuple[int | None, int | None]]:
        return {
            v.pk: (self.cleaned_data.get(f"q_{v.pk}"), self.cleaned_data.get(f"f_{v.pk}"))
            for v in self.villages
        }

    def rows(self):
        """(village, qualified field, first-class field) for the template."""
        return [(v, self[f"q_{v.pk}"], self[f"f_{v.pk}"]) for v in self.villages]


class SubmitPlanForm(StrictForm):
    note = forms.CharField(
        label=_("note to the county"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApprovePlanForm(StrictForm):
    reason = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnPlanForm(StrictForm):
    reason = forms.CharField(
        label=_("reason for returning"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the plan is returned.")},
    )


class PilotForm(StrictForm):
    village = forms.ModelChoiceField(label=_("village"), queryset=OrgUnit.objects.none())
    note = forms.CharField(label=_("note"), required=False, max_length=200)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda v: (
            f"{v.name}（{_('key village')}）" if v.is_key_village else v.name
        )
