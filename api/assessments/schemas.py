"""The shapes the assessment operations take and answer."""

import datetime
from decimal import Decimal

from ninja import Field, Schema

from api.schemas import (
    MAX_ID,
    BodyIn,
    PageParams,
    StageOut,
    Text,
)
from assessments import services
from assessments.models import (
    AssessmentState,
    RevocationCause,
)
from standards.models import TitleKind

Id = int  # path ids: ninja refuses non-integers with 422; ids beyond the column find nothing
Version = int


# --- shapes --------------------------------------------------------------------------------


class AssessmentParams(PageParams):
    round_id: int | None = Field(None, ge=1, le=MAX_ID)
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    title: TitleKind | None = None
    state: AssessmentState | None = None
    waiting_for_me: bool = False


class RoundTitleOut(Schema):
    title: str
    standard_id: int


class RoundOut(Schema):
    id: int
    organiser_id: int
    year: int
    name: str
    status: str
    titles: list[RoundTitleOut]

    @staticmethod
    def resolve_titles(obj):
        return [{"title": t.title, "standard_id": t.standard_id} for t in obj.titles.all()]


class RoundPage(Schema):
    count: int
    page: int
    pages: int
    items: list[RoundOut]


class ScoreOut(Schema):
    id: int
    item_id: int
    stage: int
    points: Decimal | None
    veto_violated: bool | None
    current_state: str
    measures: str
    suggested: Decimal | None
    metric_value: str
    override_reason: str
    is_current: bool
    author_id: int | None
    created_at: datetime.datetime


class TransitionOut(Schema):
    action: str
    from_stage: int
    to_stage: int
    reason: str
    items: list[int]
    actor_id: int | None
    created_at: datetime.datetime


class OutcomeOut(Schema):
    total: Decimal
    passes: bool
    reasons: list[str]


class AssessmentOut(Schema):
    id: int
    round_id: int
    title: str
    standard_id: int
    unit_id: int
    unit_name: str
    access_unit_id: int
    parent_id: int | None
    stage: int
    state: str
    reopened_items: list[int]
    version: int
    decided_at: datetime.datetime | None


class AssessmentDetail(AssessmentOut):
    stages: list[StageOut]
    can_act: bool
    outcome: OutcomeOut
    scores: list[ScoreOut]
    transitions: list[TransitionOut]
    group_rating_ids: list[int]


class AssessmentPage(Schema):
    count: int
    page: int
    pages: int
    items: list[AssessmentOut]


class ApplyIn(BodyIn):
    round_id: int = Field(..., ge=1, le=MAX_ID)
    title: TitleKind
    unit_id: int = Field(..., ge=1, le=MAX_ID)


class ScoreEntryIn(BodyIn):
    item_id: int = Field(..., ge=1, le=MAX_ID)
    points: Decimal | None = Field(None, ge=0, le=Decimal("99999.9"), decimal_places=1)
    veto_violated: bool | None = None
    current_state: Text = Field("", max_length=5000)
    measures: Text = Field("", max_length=5000)
    override_reason: Text = Field("", max_length=2000)
    base: int | None = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="The id of the current score you were shown (0: none). A different "
        "current score answers 409 and nothing is saved; leave it out to skip the check.",
    )


class ScoresIn(BodyIn):
    entries: list[ScoreEntryIn] = Field(..., max_length=1000)
    comment: Text = Field("", max_length=5000)


class TransitionIn(BodyIn):
    version: int | None = Field(
        None,
        ge=0,
        le=2_147_483_647,
        description="The assessment's version you read: a later save answers 409, as everywhere.",
    )
    expected_version: int | None = Field(
        None, ge=0, le=2_147_483_647, description="The same as `version` (its former name)."
    )

    @property
    def read_version(self) -> int | None:
        return self.version if self.version is not None else self.expected_version


class PassIn(TransitionIn):
    reason: Text = Field("", max_length=5000)


class ReturnIn(TransitionIn):
    reason: Text = Field(..., max_length=5000)
    items: list[int] = Field(default_factory=list, max_length=1000)


class DecideIn(TransitionIn):
    award: bool
    reason: Text = Field("", max_length=5000)


class EvidenceOut(Schema):
    id: int
    slot: str
    original_name: str
    mime_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj):
        return f"/api/v1/records/evidence/{obj.pk}/download"


class EvidencePage(Schema):
    count: int
    page: int
    pages: int
    items: list[EvidenceOut]


class RoundIn(BodyIn):
    """A new round: the organising unit (a county or above), the year, a name, and the standard
    version for each title it assesses."""

    organiser_id: int = Field(..., ge=1, le=MAX_ID)
    year: int = Field(..., ge=2000, le=2100)
    name: Text = Field(..., min_length=1, max_length=100)
    standards: dict[TitleKind, int] = Field(..., min_length=1)


class SpotCheckPage(Schema):
    count: int
    page: int
    pages: int
    items: list["SpotCheckOut"]


class SpotCheckIn(BodyIn):
    title: TitleKind = TitleKind.QUALIFIED_VILLAGE
    share: Decimal | None = Field(None, gt=0, le=1, decimal_places=3)
    count: int | None = Field(None, ge=1, le=services.MAX_SAMPLE_COUNT)
    seed: int | None = Field(None, ge=0, le=services.MAX_SEED)
    township_id: int | None = Field(None, ge=1, le=2**31 - 1)


class SpotCheckEntryOut(Schema):
    id: int
    assessment_id: int
    unit_id: int
    result: str
    reason: str
    inspected_by_id: int | None
    inspected_at: datetime.datetime | None

    @staticmethod
    def resolve_unit_id(obj):
        return obj.assessment.unit_id


class SpotCheckOut(Schema):
    id: int
    round_id: int
    title: str
    share: Decimal | None
    count: int | None
    seed: int
    township_id: int | None
    population: int
    drawn_at: datetime.datetime
    entries: list[SpotCheckEntryOut]

    @staticmethod
    def resolve_population(obj):
        return len(obj.population)

    @staticmethod
    def resolve_entries(obj):
        return list(obj.entries.select_related("assessment"))


class InspectionIn(BodyIn):
    passed: bool
    reason: Text = Field("", max_length=5000)


class RevokeIn(BodyIn):
    cause: RevocationCause
    reason: Text = Field(..., max_length=5000)


class TitleOut(Schema):
    id: int
    unit_id: int
    title: str
    year: int
    assessment_id: int | None
    status: str
    awarded_by_id: int | None
    awarded_at: datetime.datetime
    revoked_by_id: int | None
    revoked_at: datetime.datetime | None
    revocation_cause: str
    revocation_reason: str


# Before /{assessment_id}: Django would match that pattern first.
class BulkChoice(BodyIn):
    id: int = Field(..., ge=1, le=MAX_ID)
    version: int = Field(..., ge=0, le=2_147_483_647)


class BulkAwardIn(BodyIn):
    items: list[BulkChoice] = Field(..., min_length=1, max_length=services.BULK_DECISION_LIMIT)
    reason: Text = Field("", max_length=2000)


class BulkRefusalOut(Schema):
    id: int
    detail: str
    forbidden: bool


class BulkAwardOut(Schema):
    awarded: list[int]
    refused: list[BulkRefusalOut]
    not_found: list[int] = Field(..., description="Ids outside your subtrees (recorded).")


class TitlePage(Schema):
    count: int
    page: int
    pages: int
    items: list[TitleOut]


# --- 五好小组评定: a village's group ratings of one round -------------------------------------


class GroupRatingOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    stage: int
    state: str
    version: int
    entered_by_township: bool
    total: Decimal | None
    passes: bool
    can_act: bool


class GroupUnitOut(Schema):
    id: int
    name: str


class VillageGroupsOut(Schema):
    round_id: int
    village_id: int
    village_name: str
    rates_groups: bool
    can_open: bool
    on_behalf: bool = Field(
        description="The caller is the township entering the rating of a village without an "
        "operator account (recorded as 乡镇代录)."
    )
    unopened: list[GroupUnitOut]
    ratings: list[GroupRatingOut]


class GroupScoresIn(BodyIn):
    rating_id: int = Field(..., ge=1, le=MAX_ID)
    entries: list[ScoreEntryIn] = Field(..., max_length=1000)


class GroupRatingsScoresIn(BodyIn):
    ratings: list[GroupScoresIn] = Field(..., min_length=1, max_length=1000)


class GroupDecisionIn(BodyIn):
    rating_id: int = Field(..., ge=1, le=MAX_ID)
    award: bool
    reason: Text = Field("", max_length=5000)


class GroupDecisionsIn(BodyIn):
    decisions: list[GroupDecisionIn] = Field(..., min_length=1, max_length=1000)
