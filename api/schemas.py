"""Request and response shapes of the API. Request shapes refuse what the database cannot store."""

import datetime
import types
import typing
from decimal import Decimal
from typing import Annotated, Any

from django.core.paginator import Paginator
from ninja import Field, Schema
from pydantic import AfterValidator, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticKnownError

from orgs.models import Category

# The ceiling of a PostgreSQL integer column, which also holds population and households.
MAX_COUNT = 2_147_483_647


def _no_null_characters(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise PydanticCustomError("null_characters", "Null characters are not allowed.")
    return value


Text = Annotated[str, AfterValidator(_no_null_characters)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]

# What JSON value each declared type accepts in a request body, and the error it answers
# otherwise; anything not listed is left to pydantic.
_JSON_TYPES = {
    bool: ((bool,), "bool_type"),
    int: ((int,), "int_type"),
    datetime.date: ((str, datetime.date), "date_type"),
}


def _unwrapped(annotation) -> tuple[Any, bool]:
    """The declared type without Annotated and Optional, and whether null is allowed."""
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, nullable
            annotation = args[0]
        else:
            return annotation, nullable


def _type_errors(annotation, value, loc: tuple) -> list[InitErrorDetails]:
    declared, nullable = _unwrapped(annotation)
    if value is None:
        return []  # pydantic answers a null where none is allowed
    if typing.get_origin(declared) is list and isinstance(value, list):
        (item,) = typing.get_args(declared) or (Any,)
        return [e for i, v in enumerate(value) for e in _type_errors(item, v, (*loc, i))]
    if declared is str and isinstance(value, str):
        return [] if _clean_text(value) else [_unclean(loc, value)]
    accepted = _JSON_TYPES.get(declared)
    if accepted is None:
        return []
    kinds, error = accepted
    # bool is an int in Python; JSON's true is not a whole number.
    if not (type(value) in kinds or (isinstance(value, kinds) and type(value) is not bool)):
        return [InitErrorDetails(type=error, loc=loc, input=value)]
    if declared is int and not -MAX_ID <= value <= MAX_ID:
        # No column holds more than a bigint: 2**63 failed in the database with a 500.
        bound = "less_than_equal" if value > 0 else "greater_than_equal"
        limit = {"le": MAX_ID} if value > 0 else {"ge": -MAX_ID}
        return [InitErrorDetails(type=bound, loc=loc, input=value, ctx=limit)]
    return []


# Control characters (but tab and line breaks) and unpaired surrogates: a database cannot
# store a lone surrogate (a 500 in a post holder's name), and neither means anything in a name.
_UNCLEAN = {*range(1, 9), 11, 12, *range(14, 32), 127}  # NUL: Text says so by name


def _clean_text(value: str) -> bool:
    return not any(ord(ch) in _UNCLEAN or "\ud800" <= ch <= "\udfff" for ch in value)


def _unclean(loc: tuple, value: str) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError(
            "control_characters", "Control characters and unpaired surrogates are not allowed."
        ),
        loc=loc,
        input=value,
    )


class BodyIn(Schema):
    """A request body, or an object inside one, with its types kept strictly: a true/false field
    takes only true or false, a whole number only a number without a fraction, a date only a
    text, and an object only an object. Pydantic (and ninja's attribute reading) would turn "x",
    1, [1] or null into false, a default or an empty entry, and the save would then wipe what
    was stored (issue 16)."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        if values is None or isinstance(values, str | int | float | bool | list):
            raise PydanticCustomError("model_type", "Enter a valid value.")
        if isinstance(values, dict):
            errors = [
                error
                for name, field in cls.model_fields.items()
                if (field.alias or name) in values
                for error in _type_errors(field.annotation, values[field.alias or name], (name,))
            ]
            if errors:
                # The other fields' findings too, so that one answer names every bad field.
                try:
                    super()._run_root_validator(values, handler, info)
                except ValidationError as found:
                    seen = {tuple(error["loc"]) for error in errors}
                    errors += [_again(e) for e in found.errors() if tuple(e["loc"]) not in seen]
                raise ValidationError.from_exception_data(cls.__name__, errors)
        return super()._run_root_validator(values, handler, info)


def _again(error: dict) -> InitErrorDetails:
    """A pydantic error as found, to raise again beside ours."""
    ctx = error.get("ctx") or {}
    try:
        kind = PydanticKnownError(error["type"], ctx or None) and error["type"]
    except (KeyError, TypeError):
        kind = PydanticCustomError(error["type"], error.get("msg", ""), ctx or None)
    return InitErrorDetails(type=kind, loc=tuple(error["loc"]), input=error.get("input"), ctx=ctx)


class UnitOut(Schema):
    id: int
    name: str
    level: int
    level_label: str
    category: str
    parent_id: int | None
    division_code: str | None
    population: int | None
    households: int | None
    is_key_village: bool
    home_village_id: int | None
    status: str

    @staticmethod
    def resolve_level_label(obj):
        return str(obj.get_level_display())


class UnitCreate(BodyIn):
    parent_id: int
    name: Text = Field(..., min_length=1, max_length=100)
    category: Category = Category.NONE
    division_code: Text | None = Field(None, max_length=12)
    population: Count | None = None
    households: Count | None = None
    is_key_village: bool = False
    home_village_id: int | None = None


class UnitUpdate(BodyIn):
    """Send only the fields that change. Name, category and the key-village flag cannot be null."""

    # A default of None keeps them optional, while an explicit null still fails their type.
    name: Text = Field(None, min_length=1, max_length=100)
    category: Category = None
    division_code: Text | None = Field(None, max_length=12)
    population: Count | None = None
    households: Count | None = None
    is_key_village: bool = None
    home_village_id: int | None = None


class RetireIn(BodyIn):
    reason: Text = Field(..., min_length=1, max_length=200)


class UnitMoveIn(BodyIn):
    parent_id: int


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


# What a request can answer besides success; every error has the ErrorOut shape.
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {status: ErrorOut for status in (400, 401, 403, 404, 409, 422)}
MAX_PAGE_SIZE = 200
MAX_ID = 2**63 - 1  # the largest key a bigint column holds


class PageParams(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


def page_of(rows, params: PageParams) -> dict:
    """Every list's one shape: count, page, pages, items. A page past the last is an empty page
    under the number asked for (it used to answer the last page again, so a client paging until
    a short page looped, or read the last page twice)."""
    paginator = Paginator(rows, params.page_size)
    items = list(paginator.page(params.page)) if params.page <= paginator.num_pages else []
    return {
        "count": paginator.count,
        "page": params.page,
        "pages": paginator.num_pages,
        "items": items,
    }


class StageOut(Schema):
    """A stage of an assessment chain (a standard's, or an assessment's copy of it)."""

    position: int
    kind: str
    level: int
    is_spot_check: bool


class AttainmentFields(Schema):
    """One target attained against its goal; the campaigns and figures routers answer with these
    fields (the figures add the outlook) under schema names of their own."""

    indicator: str
    label: str
    numerator: int
    denominator: int | None
    value: Decimal | None
    target: Decimal | None
    gap: Decimal | None
    still_needed: int | None
    met: bool | None
    base: str
    base_label: str
