"""Forms that take their fields at their types only, like the API's bodies (issue 16).

Every form of the apps derives from `StrictForm` or `StrictModelForm`. Before a form cleans its
fields, each field is hardened once:

- a text field refuses control characters (but tab and line breaks) and unpaired surrogates: a
  database cannot store a lone surrogate, and neither means anything in a name or a note;
- a whole number without its own bounds is held to what a bigint column stores: 2**63 failed in
  the database with a 500;
- a choice of a stored object refuses a key past a bigint before it reaches the database (the
  lookup overflowed with a 500 on SQLite);
- a check box takes only what a browser sends for it ("on", or true/false, 1/0): Django's check
  box reads any other text as ticked.

Hardening happens in `full_clean`, not in `__init__`, because many forms add their fields in
their own `__init__` after the base class has run. A file's name needs nothing here: Django cuts
a name past 255 characters on arrival, and the evidence store keeps 200 (registers/uploads.py).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

MAX_INTEGER = 2**63 - 1  # the largest value a bigint column holds
_UNCLEAN = {*range(0, 9), 11, 12, *range(14, 32), 127}


def is_clean_text(value: str) -> bool:
    """No control character (but tab and line breaks) and no unpaired surrogate."""
    return not any(ord(ch) in _UNCLEAN or "\ud800" <= ch <= "\udfff" for ch in value)


def refuse_unclean_text(value) -> None:
    if isinstance(value, str) and not is_clean_text(value):
        raise ValidationError(
            _("Control characters and unpaired surrogates are not allowed."), code="unclean"
        )


def _too_big(value) -> bool:
    text = str(value).strip()
    return text.lstrip("-").isdigit() and abs(int(text)) > MAX_INTEGER


def _bound_keys(field: forms.ModelChoiceField) -> None:
    """Refuse a key no bigint column holds as an unknown choice, before any lookup."""
    original = field.clean

    def clean(value):
        values = value if isinstance(value, list | tuple) else [value]
        for one in values:
            if _too_big(one):
                raise ValidationError(
                    field.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": one},
                )
        return original(value)

    field.clean = clean


CHECKBOX_VALUES = {"", "on", "true", "false", "1", "0"}


def _harden(field: forms.Field) -> None:
    if getattr(field, "_hardened", False):
        return
    field._hardened = True
    if isinstance(field, forms.ModelChoiceField):
        _bound_keys(field)
    elif isinstance(field, forms.CharField):
        field.validators.append(refuse_unclean_text)
    elif isinstance(field, forms.IntegerField) and not isinstance(
        field, forms.DecimalField | forms.FloatField
    ):
        if field.max_value is None:
            field.validators.append(MaxValueValidator(MAX_INTEGER))
        if field.min_value is None:
            field.validators.append(MinValueValidator(-MAX_INTEGER))


class StrictFieldsMixin:
    """Harden every field (see the module's docstring) before the form cleans them."""

    def full_clean(self):
        for field in self.fields.values():
            _harden(field)
        super().full_clean()
        if self.is_bound:
            self._refuse_odd_checkboxes()

    def _refuse_odd_checkboxes(self) -> None:
        for name, field in self.fields.items():
            if not isinstance(field.widget, forms.CheckboxInput) or field.disabled:
                continue
            raw = self.data.get(self.add_prefix(name))
            if isinstance(raw, str) and raw.strip().lower() not in CHECKBOX_VALUES:
                self.add_error(
                    name, ValidationError(_("Tick the box or leave it empty."), code="invalid")
                )


class StrictForm(StrictFieldsMixin, forms.Form):
    pass


class StrictModelForm(StrictFieldsMixin, forms.ModelForm):
    pass
