from django import forms
from django.utils.translation import gettext_lazy as _

from core.strict_forms import StrictForm, StrictModelForm
from orgs.models import CATEGORIES_BY_LEVEL, Category, Level, OrgUnit
from orgs.services import EDITABLE_FIELDS


class UnitForm(StrictModelForm):
    class Meta:
        model = OrgUnit
        fields = list(EDITABLE_FIELDS)

    def __init__(self, *args, level: int, parent: OrgUnit | None, home_villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.level = level
        self.instance.parent = parent
        allowed = CATEGORIES_BY_LEVEL[Level(level)]
        if allowed == [Category.NONE]:
            del self.fields["category"]
        else:
            self.fields["category"].choices = [(c.value, c.label) for c in allowed]
            self.fields["category"].required = True
        if level == Level.GROUP:
            del self.fields["division_code"]
        if level != Level.VILLAGE:
            del self.fields["is_key_village"]
        is_branch_group = level == Level.GROUP and parent and parent.category == "urban_branch"
        if is_branch_group:
            self.fields["home_village"].queryset = home_villages
            self.fields["home_village"].required = True
        else:
            del self.fields["home_village"]
        self.fields["name"].widget.attrs.update({"autofocus": True, "maxlength": 100})


class RetireForm(StrictForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MoveForm(StrictForm):
    new_parent = forms.ModelChoiceField(label=_("New parent unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = candidates
