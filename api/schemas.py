from ninja import Field, Schema

from orgs.models import Category


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
    name: str = Field(..., min_length=1, max_length=100)
    category: Category = Category.NONE
    division_code: str | None = Field(None, max_length=12)
    population: int | None = Field(None, ge=0, le=2_000_000_000)
    households: int | None = Field(None, ge=0, le=2_000_000_000)
    is_key_village: bool = False
    home_village_id: int | None = None


class UnitUpdate(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    category: Category | None = None
    division_code: str | None = Field(None, max_length=12)
    population: int | None = Field(None, ge=0, le=2_000_000_000)
    households: int | None = Field(None, ge=0, le=2_000_000_000)
    is_key_village: bool | None = None
    home_village_id: int | None = None


class RetireIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class MoveIn(Schema):
    parent_id: int


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None
