"""Mainland ID numbers and phone numbers: normalise what offices type, refuse what is wrong."""

import re
import unicodedata
from datetime import date
from functools import lru_cache
from operator import mul

from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_WEIGHTED_ZEROS = ord("0") * sum(ID_WEIGHTS)  # what the weights add up to over the "0" codes
ID_SHAPE = re.compile(r"\d{17}[\dX]")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Three-digit area codes are 010 and 02x; all others have four digits.
LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d{2})(\d{7,8})$")


class IdentityError(ValueError):
    """A value that cannot be a valid ID number or phone; its message is for the user."""


def clean_text(value) -> str:
    """Full-width letters and digits to half-width, stray spaces out: what Excel users type."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.replace("\u3000", " ").split())


def id_check_char(first17: str) -> str:
    """The check character of 17 ASCII digits (weights over the character codes, in C)."""
    if len(first17) != 17:
        raise ValueError("An ID number's check character is computed over 17 digits.")
    total = sum(map(mul, ID_WEIGHTS, first17.encode("ascii"))) - _ID_WEIGHTED_ZEROS
    return ID_CHECK_CHARS[total % 11]


@lru_cache(maxsize=32768)  # birth dates repeat across a register; an import asks for each
def _birth_date(digits8: str) -> date | None:
    try:
        return date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


def parse_id_number(value, today: date | None = None) -> str:
    """An 18-character ID number, upper-case; a 15-digit legacy number is converted."""
    if value.__class__ is str and len(value) == 18 and value.isascii() and value[:17].isdigit():
        text = value.upper()  # already clean: what nearly every row of a register holds
    else:
        text = clean_text(value).replace(" ", "").upper()
        if text.endswith(".0") and text[:-2].isdigit():  # a number that went through a float
            text = text[:-2]
        if len(text) == 15 and text.isascii() and text.isdigit():
            first17 = text[:6] + "19" + text[6:]
            text = first17 + id_check_char(first17)
    if not (text.isascii() and ID_SHAPE.fullmatch(text)):
        raise IdentityError(_("An ID number has 18 characters: 17 digits and a digit or X."))
    born = _birth_date(text[6:14])
    if born is None:
        raise IdentityError(_("The birth date inside the ID number is not a real date."))
    if born > (today or date.today()):
        raise IdentityError(_("The birth date inside the ID number is in the future."))
    if id_check_char(text[:17]) != text[17]:
        raise IdentityError(_("The ID number's check character is wrong; check for a typo."))
    return text


def birth_date_from_id(id_number: str) -> date:
    return _birth_date(id_number[6:14])


def sex_from_id(id_number: str) -> str:
    return "male" if int(id_number[16]) % 2 else "female"


def parse_phone(value) -> str:
    """A mainland mobile (13812345678) or landline (0731-88881234)."""
    if value.__class__ is str and len(value) == 11 and value.isascii() and MOBILE.fullmatch(value):
        return value  # already clean: what nearly every row of a register holds
    text = clean_text(value)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if MOBILE.fullmatch(digits):
        return digits
    landline = LANDLINE.fullmatch(digits)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise IdentityError(
        _("A phone number is an 11-digit mobile starting with 1, or a landline with area code.")
    )


ID_MASK_VISIBLE = 3


def mask_id_number(id_number: str) -> str:
    """The first three characters (province and city, which the unit's public division code
    already tells) and stars: no digit of the sequence or the check character, since beside
    the birth date and the division code they rebuilt the whole number (docs/decisions.md,
    the masking policy). Applied to an older masked form (110***********001X) it gives the
    current one."""
    if not id_number:
        return ""
    return id_number[:ID_MASK_VISIBLE] + "*" * (len(id_number) - ID_MASK_VISIBLE)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if MOBILE.fullmatch(phone):
        return phone[:3] + "****" + phone[-4:]
    area, _sep, number = phone.partition("-")
    return f"{area}-" + "*" * (len(number) - 4) + number[-4:]
