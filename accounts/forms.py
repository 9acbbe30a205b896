from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import Result
from core.strict_forms import StrictForm
from core.widgets import DateTextField
from orgs.models import OrgUnit


class AuditFilterForm(StrictForm):
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.all(), required=False, widget=forms.HiddenInput
    )
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", _("All"))] + list(Result.choices)
    )
    date_from = DateTextField(label=_("From"), required=False)
    date_to = DateTextField(label=_("To"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
