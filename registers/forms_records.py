"""Forms of the trainings, service activities, 三纳入四同时 and profile pages. They parse what the
user typed; the rules live in registers.services."""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.strict_forms import StrictForm
from core.widgets import DateTextField, DateTextInput, PickedFileInput
from orgs.models import Level
from registers.models import Audience, Carrier, InclusionItem, Need, ProfileItem
from registers.services import FIRST_YEAR, carrier_choices, eligible_attendees

DATE_INPUT = DateTextInput()
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal(0)}


def year_choices():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]


class _OfferedChoices(forms.models.ModelChoiceIterator):
    """The choices a widget renders, from a narrower queryset than the field validates with."""

    def __init__(self, field, queryset):
        super().__init__(field)
        self.queryset = queryset


class AttendeeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.unit.name} · {obj.name}"


class CarrierField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.is_local:
            return f"{obj.name}（{_('Example, to be confirmed locally')}）"
        return obj.name


class TrainingForm(StrictForm):
    date = DateTextField(label=_("Date"), widget=DATE_INPUT)
    title = forms.CharField(label=_("Title"), max_length=100)
    audiences = forms.MultipleChoiceField(
        label=_("Audience"), choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal(100),
        help_text=_("More than 0 and at most 100."),
    )
    location = forms.CharField(label=_("Place"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 3}))
    attendees = AttendeeField(
        label=_("Attendees"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple({"size": 12}),
        help_text=_("Active members of the associations under the organising unit."),
    )

    def __init__(self, *args, organiser, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attendees"]
        field.queryset = eligible_attendees(organiser)
        if organiser.level < Level.VILLAGE:
            # A township's or county's register runs to thousands: offer the people who hold a
            # post (the usual trainees at these levels) and those already chosen. Validation
            # still accepts any active member of the subtree.
            chosen = [int(v) for v in self._chosen_ids()]
            field.widget.choices = _OfferedChoices(
                field,
                field.queryset.filter(
                    Q(posts__isnull=False, posts__end_date__isnull=True) | Q(pk__in=chosen)
                ).distinct(),
            )
            field.help_text = _(
                "Members holding a post in the associations under the organising unit."
            )
        self.fields["title"].widget.attrs["autofocus"] = True

    def _chosen_ids(self):
        raw = self.data.getlist("attendees") if self.is_bound else self.initial.get("attendees")
        return [v for v in (raw or []) if str(v).isdigit()]


class ActivityForm(StrictForm):
    date = DateTextField(label=_("Date"), widget=DATE_INPUT)
    carrier = CarrierField(label=_("Carrier or project"), queryset=None)
    needs = forms.MultipleChoiceField(
        label=_("Needs served"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea({"rows": 4})
    )
    people_served = forms.IntegerField(
        label=_("People served"), min_value=0, max_value=2_147_483_647, initial=0
    )
    funds = forms.DecimalField(label=_("Funds (yuan)"), initial=0, **MONEY)

    def __init__(self, *args, current_carrier: Carrier | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = carrier_choices()
        if current_carrier is not None and not current_carrier.is_active:
            queryset = Carrier.objects.filter(pk__in=[*queryset.values_list("pk", flat=True)])
            queryset = (queryset | Carrier.objects.filter(pk=current_carrier.pk)).distinct()
        self.fields["carrier"].queryset = queryset


class EvidenceForm(StrictForm):
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_("JPEG, PNG or WebP images, or PDF documents."),
        widget=PickedFileInput({"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )


class TrainingFilterForm(StrictForm):
    q = forms.CharField(label=_("Title"), required=False, max_length=100)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    audience = forms.ChoiceField(label=_("Audience"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *year_choices()]
        self.fields["audience"].choices = [("", _("All audiences")), *Audience.choices]


class ActivityFilterForm(StrictForm):
    q = forms.CharField(label=_("Title"), required=False, max_length=100)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    carrier = forms.ModelChoiceField(
        label=_("Carrier or project"),
        queryset=Carrier.objects.all(),
        required=False,
        empty_label=_("All carriers"),
    )
    need = forms.ChoiceField(label=_("Needs served"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *year_choices()]
        self.fields["need"].choices = [("", _("All needs")), *Need.choices]


class InclusionForm(StrictForm):
    """One row per item: achieved, date, note (fields named `<item>-achieved` and so on)."""

    FORM_ID = "inclusion-form"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The inputs sit in table cells beside each item's evidence upload form; the HTML `form`
        # attribute ties them to the checklist's form.
        tie = {"form": self.FORM_ID}
        # The checklist's version as the page read it: a save after someone else's is refused.
        self.fields["version"] = forms.IntegerField(
            min_value=0, widget=forms.HiddenInput(tie), required=True
        )
        for item in InclusionItem:
            self.fields[f"{item.value}-achieved"] = forms.BooleanField(
                label=item.label, required=False, widget=forms.CheckboxInput(tie)
            )
            self.fields[f"{item.value}-date"] = DateTextField(
                label=_("Date"), required=False, widget=DateTextInput(tie)
            )
            self.fields[f"{item.value}-note"] = forms.CharField(
                label=_("Note"), required=False, max_length=300, widget=forms.TextInput(tie)
            )

    def rows(self):
        return [
            (
                item,
                self[f"{item.value}-achieved"],
                self[f"{item.value}-date"],
                self[f"{item.value}-note"],
            )
            for item in InclusionItem
        ]

    def entries(self) -> dict:
        data = self.cleaned_data
        return {
            item.value: {
                "achieved": data[f"{item.value}-achieved"],
                "date": data[f"{item.value}-date"],
                "note": data[f"{item.value}-note"],
            }
            for item in InclusionItem
        }


class ProfileForm(StrictForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    has_venue = forms.BooleanField(label=_("Has an activity venue"), required=False)
    venue_area = forms.DecimalField(
        label=_("Venue area (m²)"),
        required=False,
        max_digits=8,
        decimal_places=1,
        min_value=Decimal(0),
    )
    venue_address = forms.CharField(label=_("Venue address"), max_length=200, required=False)
    funds_village_committee = forms.DecimalField(
        label=_("Funds from the village committees (yuan)"), **MONEY
    )
    funds_township = forms.DecimalField(label=_("Funds from the township (yuan)"), **MONEY)
    funds_county = forms.DecimalField(label=_("Funds from the county (yuan)"), **MONEY)
    funds_donations = forms.DecimalField(label=_("Donations (yuan)"), **MONEY)
    funds_happiness_project = forms.DecimalField(label=_("Funds from 幸福工程 (yuan)"), **MONEY)
    spending = forms.DecimalField(label=_("Spending (yuan)"), **MONEY)
    president_paid = forms.BooleanField(label=_("President's remuneration paid"), required=False)
    leaders_paid = forms.BooleanField(label=_("Group leaders' remuneration paid"), required=False)

    FORM_ID = "profile-form"
    VENUE = ("has_venue", "venue_area", "venue_address")
    FUNDS = (
        "funds_village_committee",
        "funds_township",
        "funds_county",
        "funds_donations",
        "funds_happiness_project",
        "spending",
    )
    PAID = ("president_paid", "leaders_paid")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tie = {"form": self.FORM_ID}
        for item in ProfileItem:
            self.fields[f"item-{item.value}-present"] = forms.BooleanField(
                label=item.label, required=False, widget=forms.CheckboxInput(tie)
            )
            self.fields[f"item-{item.value}-note"] = forms.CharField(
                label=_("Note"), required=False, max_length=300, widget=forms.TextInput(tie)
            )

    @classmethod
    def initial_from(cls, profile) -> dict:
        initial = {name: getattr(profile, name) for name in (*cls.VENUE, *cls.FUNDS, *cls.PAID)}
        initial["version"] = profile.version
        for code, entry in (profile.checklist or {}).items():
            initial[f"item-{code}-present"] = entry.get("present", False)
            initial[f"item-{code}-note"] = entry.get("note", "")
        return initial

    def group(self, names):
        return [self[name] for name in names]

    def checklist_rows(self):
        return [
            (item, self[f"item-{item.value}-present"], self[f"item-{item.value}-note"])
            for item in ProfileItem
        ]

    def values(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in (*self.VENUE, *self.FUNDS, *self.PAID)}

    def checklist(self) -> dict:
        data = self.cleaned_data
        return {
            item.value: {
                "present": data[f"item-{item.value}-present"],
                "note": data[f"item-{item.value}-note"],
            }
            for item in ProfileItem
        }
