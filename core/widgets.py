"""Form controls whose visible text is ours, in the page's language, not the browser's: a native
file input reads "Choose File / No file chosen" and a native date input "mm/dd/yyyy" in an
English-language browser, whatever language the page is in."""

import re

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

# 2026-03-15, 2026/3/15, 2026.3.15, 2026年3月15日 and 20260315 all read as 2026-03-15.
_DATE_PARTS = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_DATE_DIGITS = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def normalised_date(text: str) -> str:
    """The typed date as YYYY-MM-DD when it is one in a form people write; else unchanged, so
    the field reports it."""
    found = _DATE_PARTS.match(text) or _DATE_DIGITS.match(text)
    if not found:
        return text
    year, month, day = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


class DateTextInput(forms.DateInput):
    """A text box for a date with a year-month-day hint in the page's language."""

    input_type = "text"

    def __init__(self, attrs=None):
        base = {"placeholder": _("YYYY-MM-DD"), "autocomplete": "off", "class": "date-text"}
        super().__init__({**base, **(attrs or {})}, format="%Y-%m-%d")

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return normalised_date(value) if isinstance(value, str) else value


class DateTextField(forms.DateField):
    """A date typed as year-month-day, with a message that says so."""

    widget = DateTextInput
    default_error_messages = {"invalid": _("Enter the date as year-month-day, e.g. 2026-03-15.")}


class PickedFileInput(forms.FileInput):
    """A file input hidden behind our own 选择文件 label, with the chosen file's name beside it
    (base.html's script fills it in)."""

    def __init__(self, attrs=None, pick_label=None):
        super().__init__(attrs)
        self.pick_label = pick_label

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        attrs["class"] = f"{attrs.get('class', '')} file-input".strip()
        control = super().render(name, value, attrs, renderer)
        input_id = self.build_attrs(self.attrs, attrs).get("id", "")
        return format_html(
            '<span class="file-field"><label class="file-pick" for="{}">{}</label>{}'
            '<span class="file-chosen muted" data-for="{}">{}</span></span>',
            input_id,
            self.pick_label or _("Choose a file"),
            control,
            input_id,
            _("No file chosen"),
        )
