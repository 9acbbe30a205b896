"""Request and response shapes of the API. Request shapes refuse what the database cannot store."""

from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

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


class UnitCreate(Schema):
    parent_id: int
    name: Text = Field(..., min_length=1, max_length=100)
    category: Category = Category.NONE
    division_code: Text | None = Field(None, max_length=12)
    population: Count | None = None
    households: Count | None = None
    is_key_village: bool = False
    home_village_id: int | None = None


class UnitUpdate(Schema):
    """Send only the fields that change. Name, category and the key-village flag cannot be null."""

    # A default of None keeps them optional, while an explicit null still fails their type.
    name: Text = Field(None, min_length=1, max_length=100)
    category: Category = None
    division_code: Text | None = Field(None, max_length=12)
    population: Count | None = None
    households: Count | None = None
    is_key_village: bool = None
    home_village_id: int | None = None


class RetireIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=200)


class UnitMoveIn(Schema):
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
