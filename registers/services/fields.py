"""The limits and cleaning helpers that the records' writes share."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from core.errors import add_error
from registers.identity import clean_text

MAX_HOURS = Decimal(100)
MAX_FUNDS = Decimal("9999999999.99")
MAX_PEOPLE = 2_147_483_647
FIRST_YEAR = 2000

# Django's own msgids (its catalogue translates them); held in constants so that makemessages
# does not copy them, untranslated, into ours (as api.errors does).
NUMBER = "Enter a number."
WHOLE_NUMBER = "Enter a whole number."

TRAINING_FIELDS = ("date", "title", "audiences", "hours", "location", "note", "attendees")
ACTIVITY_FIELDS = (
    "date",
    "carrier",
    "needs",
    "title",
    "description",
    "people_served",
    "funds",
)
PROFILE_FIELDS = (
    "has_venue",
    "venue_area",
    "venue_address",
    "funds_village_committee",
    "funds_township",
    "funds_county",
    "funds_donations",
    "funds_happiness_project",
    "spending",
    "president_paid",
    "leaders_paid",
)
PROFILE_MONEY_FIELDS = (
    "funds_village_committee",
    "funds_township",
    "funds_county",
    "funds_donations",
    "funds_happiness_project",
    "spending",
)


def _decimal_text(instance, name: str) -> str | None:
    """A decimal as the database keeps it (its field's places), so that snapshots compare."""
    value = getattr(instance, name)
    if value is None:
        return None
    places = instance._meta.get_field(name).decimal_places
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def _text(value) -> str:
    return clean_text(value)


def _long_text(value) -> str:
    """A description keeps its line breaks; only surrounding space goes."""
    return str(value or "").replace("\r\n", "\n").strip()


def _check_date(errors: dict, field: str, value, today: date, required: bool = True) -> None:
    if value is None:
        if required:
            add_error(errors, field, _("Enter the date."))
        return
    if value > today:
        add_error(errors, field, _("The date is in the future."))
    elif value.year < FIRST_YEAR:
        add_error(errors, field, _("The date is before %(year)s.") % {"year": FIRST_YEAR})


def _decimal(errors: dict, field: str, value, low: Decimal, high: Decimal, message: str):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        add_error(errors, field, gettext(NUMBER))
        return None
    if not number.is_finite() or number < low or number > high:
        add_error(errors, field, message)
        return None
    return number


def _merge_model_errors(instance, errors: dict, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field not in errors:  # our own message already says what is wrong
                errors[field] = list(messages)


def json_list_has(field: str, value: str, length: int) -> Q:
    """A JSON list field containing `value`, on SQLite and PostgreSQL alike (no `contains` on
    SQLite): one equality per position."""
    condition = Q()
    for index in range(length):
        condition |= Q(**{f"{field}__{index}": value})
    return condition
