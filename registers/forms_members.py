"""Forms of the member and post pages. They shape the input; the services hold the rules."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.strict_forms import StrictForm
from core.widgets import DateTextField, DateTextInput
from orgs.models import OrgUnit
from registers.models import (
    Education,
    Member,
    MemberStatus,
    Post,
    PostKind,
    RecruitmentCategory,
    Sex,
)
from registers.selectors import search_members


def _label(model, name):
    """The model field's own (translated) name, so that a form and the admin say the same."""
    return capfirst(model._meta.get_field(name).verbose_name)


DATE = DateTextInput()


class MemberForm(StrictForm):
    """A member's fields. ID number and phone are typed in full; on an edit they stay empty and
    an empty box keeps what is stored (the page shows the masked form beside it)."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    sex = forms.ChoiceField(
        label=_label(Member, "sex"), choices=[("", "—"), *Sex.choices], required=False
    )
    id_number = forms.CharField(
        label=_label(Member, "id_number_masked"),
        max_length=30,
        required=False,
        help_text=_("18 characters; a 15-digit old number is converted."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    birth_date = DateTextField(label=_label(Member, "birth_date"), required=False, widget=DATE)
    phone = forms.CharField(
        label=_label(Member, "phone_masked"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    education = forms.ChoiceField(
        label=_label(Member, "education"), choices=[("", "—"), *Education.choices], required=False
    )
    occupation = forms.CharField(label=_label(Member, "occupation"), max_length=50, required=False)
    group = forms.ModelChoiceField(label=_label(Member, "group"), queryset=None, required=False)
    join_date = DateTextField(label=_label(Member, "join_date"), required=False, widget=DATE)
    categories = forms.ModelMultipleChoiceField(
        label=_label(Member, "categories"),
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


class StatusForm(StrictForm):
    status = forms.ChoiceField(
        label=_label(Member, "status"),
        choices=[("", _("Choose the new status")), *MemberStatus.choices],
        error_messages={"required": _("Choose the new status.")},
    )
    status_date = DateTextField(label=_label(Member, "status_date"), required=False, widget=DATE)
    status_reason = forms.CharField(
        label=_label(Member, "status_reason"),
        max_length=200,
        required=False,
        help_text=_("Required when a member is asked to leave (劝退)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TransferForm(StrictForm):
    to_unit = forms.ModelChoiceField(label=_("New association"), queryset=None)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = candidates


MEMBER_LIST_LIMIT = 300  # beyond this many candidates the post form searches the register
MEMBER_MATCHES = 50


class PostForm(StrictForm):
    kind = forms.ChoiceField(label=_label(Post, "kind"), choices=PostKind.choices)
    group = forms.ModelChoiceField(
        label=_label(Member, "group"),
        queryset=None,
        required=False,
        help_text=_("For a group leader: the group."),
    )
    member = forms.ModelChoiceField(
        label=_label(Post, "member"),
        queryset=None,
        required=False,
        help_text=_("Choose from the register, or type the name of someone who is not on it."),
    )
    holder_name = forms.CharField(
        label=_("Name (not on the register)"), max_length=50, required=False
    )
    start_date = DateTextField(label=_label(Post, "start_date"), widget=DATE)
    note = forms.CharField(label=_label(Post, "note"), max_length=200, required=False)

    def __init__(self, *args, groups, members, member_search="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["member"].queryset = members
        # Above a village the register runs to tens of thousands: listing them all made a page of
        # megabytes that took half a minute. Beyond the limit the list shows search matches only
        # (validation still accepts any member of the queryset).
        self.member_search = None
        if members.count() > MEMBER_LIST_LIMIT:
            self._narrow_members(members, member_search.strip())
        if not groups.exists():
            del self.fields["group"]
            self.fields["kind"].choices = [
                c for c in PostKind.choices if c[0] != PostKind.GROUP_LEADER
            ]

    def _narrow_members(self, members, text):
        self.member_search = text
        shown = list(search_members(members, text)[:MEMBER_MATCHES]) if text else []
        chosen = self.data.get(self.add_prefix("member"), "") if self.is_bound else ""
        if chosen.isdigit() and all(str(m.pk) != chosen for m in shown):
            shown += list(members.filter(pk=chosen))
        field = self.fields["member"]
        units = {u.pk: u.name for u in OrgUnit.objects.filter(pk__in={m.unit_id for m in shown})}
        field.widget.choices = [("", field.empty_label)] + [
            (m.pk, f"{m.name} · {units.get(m.unit_id, '')}") for m in shown
        ]
        field.help_text = _(
            "Find the person on the register with the search above, then choose; or type the "
            "name of someone who is not on it."
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == PostKind.GROUP_LEADER and not data.get("group"):
            self.add_error("group", _("Choose the group."))
        return data


class EndPostForm(StrictForm):
    end_date = DateTextField(label=_label(Post, "end_date"), widget=DATE)
