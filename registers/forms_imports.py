"""The web import's upload form: which register, and a file that must be .xlsx or CSV text.

The type is told from the content, never from the name: an .xlsx file is a zip archive (its first
bytes `PK\\x03\\x04`); a CSV file is text in UTF-8 or GBK (GB 18030) without control bytes. The
importer checks the rest (a zip that is not a workbook, a truncated one, a zip bomb) as it reads.
"""

import codecs
from pathlib import PurePath

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.strict_forms import StrictForm
from core.widgets import PickedFileInput

IMPORT_MAX_MB = 20
SNIFF_BYTES = 64 * 1024

KIND_LABELS = {
    "members": gettext_lazy("Members"),
    "posts": gettext_lazy("Posts"),
    "trainings": gettext_lazy("Trainings"),
    "activities": gettext_lazy("Service activities"),
    "orgs": gettext_lazy("Org units"),
}

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted .xlsx
# Bytes that never occur in a text file: C0 controls other than tab, line feed, form feed and
# carriage return (and the DOS end-of-file mark).
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 26})


def sniff_spreadsheet(head: bytes) -> str | None:
    """ "xlsx", "csv" or None, from the first bytes of the file."""
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if not head or head.startswith(OLE_MAGIC):
        return None
    if any(byte in _CONTROL for byte in head):
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # Not final: the sample may end in the middle of a character.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return "csv"
    return None


class UploadForm(StrictForm):
    kind = forms.ChoiceField(label=gettext_lazy("Register"), choices=list(KIND_LABELS.items()))
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=PickedFileInput(
            {
                "accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet,text/csv"
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read now: other apps add their kinds when they are ready (assessments' titles).
        self.fields["kind"].choices = list(KIND_LABELS.items())
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file, at most %(limit)s MB."
        ) % {"limit": IMPORT_MAX_MB}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB; split it and import the parts.")
                % {"limit": IMPORT_MAX_MB},
                code="too_big",
            )
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        if not head:
            raise forms.ValidationError(_("The file is empty."), code="empty")
        if head.startswith(OLE_MAGIC):
            raise forms.ValidationError(
                _(
                    "This is an old Excel file (.xls) or a workbook protected by a password. "
                    "Open it in Excel or WPS, save it as an Excel workbook (.xlsx) without a "
                    "password, and upload that."
                ),
                code="file_type",
            )
        detected = sniff_spreadsheet(head)
        if detected is None:
            raise forms.ValidationError(
                _("This file is neither an Excel workbook (.xlsx) nor a CSV text file."),
                code="file_type",
            )
        self.detected_type = detected
        return upload

    def import_name(self) -> str:
        """The name the importer sees: the user's name, with the extension of the real type."""
        name = (self.cleaned_data["file"].name or "").replace("\\", "/").rsplit("/", 1)[-1]
        name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
        stem = PurePath(name.strip()).stem.strip()[:150] or "upload"
        return f"{stem}.{self.detected_type}"
