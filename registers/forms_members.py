"""Forms of the member and post pages. They shape the input; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registers.models import (
    Education,
    MemberStatus,
    PostKind,
    RecruitmentCategory,
    Sex,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(forms.Form):
    """A member's fields. ID number and phone are typed in full; on an edit they stay empty and
    an empty box keeps what is stored (the page shows the masked form beside it)."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        help_text=_("18 characters; a 15-digit old number is converted."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    education = forms.ChoiceField(
        label=_("Education"), choices=[("", "—"), *Education.choices], required=False
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=50, required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=None, required=False)
    join_date = forms.DateField(label=_("Join date"), required=False, widget=DATE)
    categories = forms.ModelMultipleChoiceField(
        label=_("Recruitment categories"),
        queryset=RecruitmentCategory.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, groups, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["name"].widget.attrs.update({"autofocus": True})
        self.editing = editing
        if editing:
            for name in ("id_number", "phone"):
                self.fields[name].help_text = _("Leave empty to keep what is stored.")

    def service_fields(self) -> dict:
        """The cleaned data as the services take it (an edit leaves out an empty ID or phone)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if self.editing:
            for name in ("id_number", "phone"):
                if not data.get(name):
                    data.pop(name, None)
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices)
    status_date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    status_reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Required when a member is asked to leave (劝退)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TransferForm(forms.Form):
    to_unit = forms.ModelChoiceField(label=_("New association"), queryset=None)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = candidates


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Post"), choices=PostKind.choices)
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=None,
        required=False,
        help_text=_("For a group leader: the group."),
    )
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=None,
        required=False,
        help_text=_("Choose from the register, or type the name of someone who is not on it."),
    )
    holder_name = forms.CharField(
        label=_("Name (not on the register)"), max_length=50, required=False
    )
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, groups, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["member"].queryset = members
        if not groups.exists():
            del self.fields["group"]
            self.fields["kind"].choices = [
                c for c in PostKind.choices if c[0] != PostKind.GROUP_LEADER
            ]

    def clean(self):
        data = super().clean()
        if data.get("kind") == PostKind.GROUP_LEADER and not data.get("group"):
            self.add_error("group", _("Choose the group."))
        return data


class EndPostForm(forms.Form):
    end_date = forms.DateField(label=_("End date"), widget=DATE)
