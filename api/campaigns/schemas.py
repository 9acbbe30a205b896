"""The shapes the campaign operations take and answer."""

import datetime
from decimal import Decimal

from ninja import Field, Schema

from api.schemas import (
    MAX_ID,
    AttainmentFields,
    BodyIn,
    Text,
)
from campaigns.plan_models import (
    FirstClassBase,
)

Year = int
Share = Decimal


# --- shapes --------------------------------------------------------------------------------


class CampaignYearParams(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


class CampaignOut(Schema):
    id: int
    organiser_id: int
    organiser_name: str
    name: str
    first_year: int
    last_year: int
    five_good_share: Decimal
    qualified_share: Decimal
    first_class_share: Decimal
    first_class_base: str
    first_class_base_label: str
    advanced_townships: int | None
    enterprises_count_as_villages: bool
    large_township_population: int

    @staticmethod
    def resolve_organiser_name(obj):
        return obj.organiser.name

    @staticmethod
    def resolve_first_class_base_label(obj):
        return str(FirstClassBase(obj.first_class_base).label)


class AttainmentOut(AttainmentFields):
    @staticmethod
    def resolve_label(obj):
        return str(obj.label)

    @staticmethod
    def resolve_base_label(obj):
        return str(obj.base_label)


class TargetsOut(Schema):
    five_good_share: Decimal
    qualified_share: Decimal
    first_class_share: Decimal
    first_class_base: str
    advanced_townships: int | None


class TownshipTargetOut(Schema):
    township_id: int
    township_name: str
    own_five_good_share: Decimal | None
    own_qualified_share: Decimal | None
    own_first_class_share: Decimal | None
    targets: TargetsOut
    plan_status: str | None


class CampaignTargetsOut(Schema):
    campaign: CampaignOut
    year: int
    attainments: list[AttainmentOut]
    townships: list[TownshipTargetOut]


class TownshipTargetIn(BodyIn):
    """Blank figures inherit the campaign's; all blank removes the township's own targets."""

    five_good_share: Share | None = Field(None, ge=0, le=100, decimal_places=1)
    qualified_share: Share | None = Field(None, ge=0, le=100, decimal_places=1)
    first_class_share: Share | None = Field(None, ge=0, le=100, decimal_places=1)


class TownshipOut(Schema):
    campaign: CampaignOut
    township_id: int
    township_name: str
    year: int
    targets: TargetsOut
    attainments: list[AttainmentOut]
    plan_status: str | None
    approved_version: int | None
    keeps_township: bool


class SurveyLineOut(Schema):
    village_id: int
    village_name: str
    standing: str
    standing_label: str
    section_scores: list[dict]
    assessment_id: int | None
    gaps: str
    notes: str
    saved: bool


class SurveyEntryIn(BodyIn):
    """One village's line as the township reports it; its section scores stay as saved (or as
    prefilled)."""

    standing: Text = Field(..., max_length=32)
    gaps: Text = Field("", max_length=5000)
    notes: Text = Field("", max_length=5000)


class FindingOut(Schema):
    severity: str
    code: str
    message: str
    village_id: int | None = None


class PlanEntryOut(Schema):
    village_id: int
    village_name: str
    standing: str
    qualified_year: int | None
    first_class_year: int | None


class PlanVersionOut(Schema):
    number: int
    status: str
    note: str
    checks: list[FindingOut]
    submitted_by_id: int | None
    submitted_at: datetime.datetime
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    reason: str


class PlanVersionDetail(PlanVersionOut):
    entries: list[PlanEntryOut]


class PlanOut(Schema):
    township_id: int
    status: str | None
    editable: bool
    entries: list[PlanEntryOut]
    findings: list[FindingOut]
    versions: list[PlanVersionOut]


class PlanEntryIn(BodyIn):
    village_id: int = Field(..., ge=1, le=MAX_ID)
    qualified_year: Year | None = Field(None, ge=2000, le=2100)
    first_class_year: Year | None = Field(None, ge=2000, le=2100)


class PlanDraftIn(BodyIn):
    """The years of the villages sent; a village sent with both years blank leaves the draft."""

    entries: list[PlanEntryIn] = Field(..., max_length=2000)


class SubmitIn(BodyIn):
    note: Text = Field("", max_length=2000)


class ApproveIn(BodyIn):
    reason: Text = Field("", max_length=2000)


class PlanReturnIn(BodyIn):
    reason: Text = Field(..., max_length=2000)


class PilotOut(Schema):
    id: int
    year: int
    village_id: int
    village_name: str
    is_key_village: bool
    note: str

    @staticmethod
    def resolve_village_name(obj):
        return obj.village.name

    @staticmethod
    def resolve_is_key_village(obj):
        return obj.village.is_key_village


class PilotsOut(Schema):
    township_id: int
    year: int
    required: int
    pilots: list[PilotOut]
    findings: list[FindingOut]


class PilotIn(BodyIn):
    year: int = Field(..., ge=2000, le=2100)
    village_id: int = Field(..., ge=1, le=MAX_ID)
    note: Text = Field("", max_length=200)


# --- campaigns and targets ------------------------------------------------------------------


class CampaignPage(Schema):
    count: int
    page: int
    pages: int
    items: list[CampaignOut]
