"""Cleaning what office spreadsheets hold: full-width characters, stray spaces, dates in every
form people type, numbers that went through Excel's floats. Errors are `CellError`s whose message
is for the user."""

import datetime
import re
import unicodedata

from django.utils.translation import gettext as _

EXCEL_EPOCH = datetime.date(1899, 12, 30)
# 1900-01-01 … 2099-12-31 as Excel serials; a plain 8-digit number is read as YYYYMMDD instead.
SERIAL_RANGE = (1, 73415)

DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:0{1,2}(?::0{1,2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class CellError(ValueError):
    """A cell that cannot be read as the column asks; the message is for the user."""


def clean(value) -> str:
    """Text as a person meant it: full-width letters and digits half-width, spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.replace("\u3000", " ").split())


def parse_date(value) -> datetime.date | None:
    """1985-03-05, 1985/3/5, 1985.3.5, 19850305, 1985年3月5日, an Excel date cell or serial."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellError(_("Not a date."))
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 20991231:
            return parse_date(str(int(value)))
        if SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_("Not a date."))
    text = clean(value).replace(" ", "")
    if not text:
        return None
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                raise CellError(_("%(value)s is not a real date.") % {"value": text}) from None
    if re.fullmatch(r"\d{1,5}(\.0+)?", text):  # a serial that came through as text
        return parse_date(float(text))
    raise CellError(
        _("Write the date as 1985-03-05, 1985/3/5, 1985.3.5, 19850305 or 1985年3月5日.")
    )


def digits_text(value, *, what: str) -> str:
    """A long number kept as text (an ID number, a code). A float that has lost digits to
    Excel's 15-digit precision is refused: they cannot be recovered."""
    if value is None:
        return ""
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("%(what)s is not a whole number.") % {"what": what})
        if abs(value) >= 1e15:
            raise CellError(_lost_digits(what))
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = clean(value)
    if re.fullmatch(r"[+-]?\d+(\.\d+)?[eE]\+?\d+", text.replace(" ", "")):
        raise CellError(_lost_digits(what))
    return text


def _lost_digits(what: str) -> str:
    return _(
        "%(what)s was stored as a number and Excel kept only its first 15 digits; format the "
        "column as Text, type the numbers again and import again."
    ) % {"what": what}


def parse_int(value, *, minimum: int = 0) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("Write a whole number."))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("Write a whole number."))
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = clean(value).replace(",", "").replace(" ", "")
        if not text:
            return None
        if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            number = int(float(text)) if "." in text else int(text)
        else:
            raise CellError(_("Write a whole number."))
    if number < minimum:
        raise CellError(_("The number cannot be below %(min)d.") % {"min": minimum})
    return number


YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "t"}
NO = {"否", "n", "no", "false", "0", "×", "✗", "无", "不是", "f", "-"}


def parse_bool(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = clean(value).lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_("Write 是 or 否."))


CATEGORY_SEPARATORS = re.compile(r"[、,;，；/]+")


def split_list(value) -> list[str]:
    """Categories typed in one cell, separated by 、 , ; (full-width or not)."""
    text = clean(value)
    return [part.strip() for part in CATEGORY_SEPARATORS.split(text) if part.strip()]
