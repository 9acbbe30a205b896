"""Trainings, service activities, 三纳入四同时, profiles and evidence files over the API.

Thin: every unit and record is reached through accounts.access (the pages' helpers), every write
goes through registers.services, and every error has the one shape of api.errors.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.access import Action, get_unit_for_user
from api.schemas import READ_ERRORS, WRITE_ERRORS, BodyIn, ErrorOut, PageParams, Text, page_of
from api.schemas import Count as CountInt
from orgs.models import OrgUnit, subtree_q
from registers import services
from registers.access import (
    get_activity_for_user,
    get_evidence_for_user,
    get_inclusion_unit_for_user,
    get_profile_unit_for_user,
    get_training_for_user,
)
from registers.models import (
    Audience,
    Carrier,
    Evidence,
    InclusionItem,
    Need,
    ProfileItem,
    ServiceActivity,
    Training,
)
from registers.services import ConflictError
from registers.views.records import download_name, evidence_response

router = Router(tags=["records"])

MAX_YEAR = 9999


class RecordPageParams(PageParams):
    year: int | None = Field(None, ge=1, le=MAX_YEAR)
    q: Text = Field("", max_length=100)


class TrainingParams(RecordPageParams):
    audience: Audience | None = None


class ActivityParams(RecordPageParams):
    carrier_id: int | None = Field(None, ge=1, le=2_147_483_647)
    need: Need | None = None


class RecordEvidenceOut(Schema):
    id: int
    slot: str
    original_name: str
    download_name: str
    mime_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_download_name(obj):
        return download_name(obj)

    @staticmethod
    def resolve_download_url(obj):
        return f"/api/v1/records/evidence/{obj.pk}/download"


class TrainingOut(Schema):
    id: int
    organiser_id: int
    organiser_name: str
    date: datetime.date
    title: str
    audiences: list[str]
    hours: Decimal
    location: str
    note: str
    attendee_ids: list[int]

    @staticmethod
    def resolve_organiser_name(obj):
        return obj.organiser.name

    @staticmethod
    def resolve_attendee_ids(obj):
        return sorted(m.pk for m in obj.attendees.all())


class TrainingIn(BodyIn):
    organiser_id: int = Field(..., ge=1, le=2_147_483_647)
    date: datetime.date
    title: Text = Field(..., min_length=1, max_length=100)
    audiences: list[Audience] = Field(..., max_length=len(Audience))
    hours: Decimal = Field(..., gt=0, le=100, max_digits=5, decimal_places=1)
    location: Text = Field("", max_length=100)
    note: Text = Field("", max_length=5000)
    attendee_ids: list[int] = Field(default_factory=list, max_length=100_000)


class ActivityOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    date: datetime.date
    carrier_id: int
    carrier_name: str
    carrier_is_local: bool
    needs: list[str]
    title: str
    description: str
    people_served: int
    funds: Decimal
    evidence: list[RecordEvidenceOut]

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_carrier_name(obj):
        return obj.carrier.name

    @staticmethod
    def resolve_carrier_is_local(obj):
        return obj.carrier.is_local

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.all())


class ActivityIn(BodyIn):
    unit_id: int = Field(..., ge=1, le=2_147_483_647)
    date: datetime.date
    carrier_id: int = Field(..., ge=1, le=2_147_483_647)
    needs: list[Need] = Field(default_factory=list, max_length=len(Need))
    title: Text = Field(..., min_length=1, max_length=100)
    description: Text = Field("", max_length=5000)
    people_served: CountInt = 0
    funds: Decimal = Field(Decimal(0), ge=0, le=Decimal("9999999999.99"), decimal_places=2)


class TrainingPage(Schema):
    count: int
    page: int
    pages: int
    items: list[TrainingOut]


class ActivityPage(Schema):
    count: int
    page: int
    pages: int
    total_people_served: int
    total_funds: Decimal
    items: list[ActivityOut]


class InclusionEntry(BodyIn):
    achieved: bool = False
    date: datetime.date | None = None
    note: Text = Field("", max_length=300)


class InclusionItemOut(Schema):
    item: str
    label: str
    achieved: bool
    date: datetime.date | None
    note: str
    evidence: list[RecordEvidenceOut]


class InclusionOut(Schema):
    township_id: int
    year: int
    version: int = Field(..., description="Send it back with your changes (0: nothing saved).")
    items: list[InclusionItemOut]


class InclusionIn(BodyIn):
    """The items to change, by code; items not sent stay as they are. `version` is the one you
    read; when someone saved since, the answer is 409 and nothing changes."""

    version: int = Field(..., ge=0, le=2_147_483_647)
    items: dict[InclusionItem, InclusionEntry]


class ChecklistEntry(BodyIn):
    present: bool = False
    note: Text = Field("", max_length=300)


class ChecklistEntryOut(Schema):
    # Not the input's class: answers are not held to the input's strict checks.
    present: bool
    note: str
    label: str
    evidence: list[RecordEvidenceOut]


Money = Decimal


class ProfileFields(Schema):
    has_venue: bool = False
    venue_area: Decimal | None = Field(None, ge=0, le=Decimal("9999999.9"), decimal_places=1)
    venue_address: Text = Field("", max_length=200)
    funds_village_committee: Money = Field(Decimal(0), ge=0, le=Decimal("9999999999.99"))
    funds_township: Money = Field(Decimal(0), ge=0, le=Decimal("9999999999.99"))
    funds_county: Money = Field(Decimal(0), ge=0, le=Decimal("9999999999.99"))
    funds_donations: Money = Field(Decimal(0), ge=0, le=Decimal("9999999999.99"))
    funds_happiness_project: Money = Field(Decimal(0), ge=0, le=Decimal("9999999999.99"))
    spending: Money = Field(Decimal(0), ge=0, le=Decimal("9999999999.99"))
    president_paid: bool = False
    leaders_paid: bool = False


class ProfileIn(BodyIn, ProfileFields):
    """The whole profile. `version` is the one you read (0 before the first save); when someone
    saved since, the answer is 409 and nothing changes."""

    version: int = Field(..., ge=0, le=2_147_483_647)
    checklist: dict[ProfileItem, ChecklistEntry] = Field(default_factory=dict)


class ProfileOut(ProfileFields):
    unit_id: int
    year: int
    version: int
    checklist: dict[str, ChecklistEntryOut]


def _filtered(queryset, params: RecordPageParams):
    if params.q.strip():
        queryset = queryset.filter(title__icontains=params.q.strip())
    if params.year:
        queryset = queryset.filter(date__year=params.year)
    return queryset


def _year(year: int) -> int:
    services.check_year(year)
    return year


# Trainings


@router.get("/trainings", response={200: TrainingPage, **READ_ERRORS})
def list_trainings(request, unit_id: int, params: Query[TrainingParams]):
    """Trainings organised in the unit's subtree, newest first."""
    unit = get_unit_for_user(request, unit_id)
    trainings = _filtered(Training.objects.filter(subtree_q(unit, "organiser")), params)
    if params.audience:
        trainings = trainings.filter(
            services.json_list_has("audiences", params.audience.value, len(Audience))
        )
    trainings = (
        trainings.select_related("organiser").prefetch_related("attendees").order_by("-date", "-id")
    )
    return page_of(trainings, params)


class CarrierOut(Schema):
    id: int
    name: str
    is_local: bool
    is_active: bool


class CarrierPage(Schema):
    count: int
    page: int
    pages: int
    items: list[CarrierOut]


class CarrierParams(PageParams):
    include_inactive: bool = False


@router.get("/carriers", response={200: CarrierPage, **READ_ERRORS})
def list_carriers(request, params: Query[CarrierParams]):
    """The carriers an activity can name (`carrier_id`), in the pages' order; those no longer
    in use only with `include_inactive`. The list is configuration, the same for everyone."""
    carriers = Carrier.objects.order_by("sort_order", "id")
    if not params.include_inactive:
        carriers = carriers.filter(is_active=True)
    return page_of(carriers, params)


@router.get("/trainings/{training_id}", response={200: TrainingOut, **READ_ERRORS})
def get_training(request, training_id: int):
    return get_training_for_user(request, training_id)


@router.post("/trainings", response={201: TrainingOut, **WRITE_ERRORS})
def create_training(request, payload: TrainingIn):
    organiser = get_unit_for_user(request, payload.organiser_id, Action.EDIT_RECORDS)
    fields = payload.dict(exclude={"organiser_id", "attendee_ids"})
    fields["audiences"] = [a.value for a in payload.audiences]
    training = services.do_create_training(
        request.user, organiser, attendees=payload.attendee_ids, **fields
    )
    return Status(201, training)


# Service activities


@router.get("/activities", response={200: ActivityPage, **READ_ERRORS})
def list_activities(request, unit_id: int, params: Query[ActivityParams]):
    """Service activities in the unit's subtree, newest first, with the totals of all pages."""
    unit = get_unit_for_user(request, unit_id)
    activities = _filtered(ServiceActivity.objects.filter(subtree_q(unit, "unit")), params)
    if params.carrier_id:
        activities = activities.filter(carrier_id=params.carrier_id)
    if params.need:
        activities = activities.filter(
            services.json_list_has("needs", params.need.value, len(Need))
        )
    totals = activities.aggregate(people=Sum("people_served"), funds=Sum("funds"))
    listed = (
        activities.select_related("unit", "carrier")
        .prefetch_related("evidence")
        .annotate(evidence_count=Count("evidence"))
        .order_by("-date", "-id")
    )
    body = page_of(listed, params)
    body["total_people_served"] = totals["people"] or 0
    body["total_funds"] = Decimal(totals["funds"] or 0).quantize(Decimal("0.01"))
    return body


@router.get("/activities/{activity_id}", response={200: ActivityOut, **READ_ERRORS})
def get_activity(request, activity_id: int):
    return get_activity_for_user(request, activity_id)


@router.post("/activities", response={201: ActivityOut, **WRITE_ERRORS})
def create_activity(request, payload: ActivityIn):
    unit = get_unit_for_user(request, payload.unit_id, Action.EDIT_RECORDS)
    fields = payload.dict(exclude={"unit_id", "carrier_id"})
    fields["needs"] = [n.value for n in payload.needs]
    activity = services.do_create_activity(request.user, unit, carrier=payload.carrier_id, **fields)
    return Status(201, activity)


@router.post(
    "/activities/{activity_id}/evidence", response={201: RecordEvidenceOut, **WRITE_ERRORS}
)
def upload_activity_evidence(request, activity_id: int, file: File[UploadedFile]):
    """Attach an evidence file (multipart field `file`): a JPEG, PNG or WebP image or a PDF,
    recognised by its content, up to the configured size."""
    activity = get_activity_for_user(request, activity_id, Action.EDIT_RECORDS)
    return Status(201, services.do_add_evidence(request.user, activity, file))


# 三纳入四同时


def _inclusion_out(township: OrgUnit, year: int) -> dict:
    records = services.inclusion_records(township, year)
    items = []
    for item in InclusionItem:
        record = records.get(item.value)
        items.append(
            {
                "item": item.value,
                "label": str(item.label),
                "achieved": bool(record and record.achieved),
                "date": record.date if record else None,
                "note": record.note if record else "",
                "evidence": list(record.evidence.all()) if record else [],
            }
        )
    return {
        "township_id": township.pk,
        "year": year,
        "version": services.inclusion_version(records.values()),
        "items": items,
    }


@router.get("/inclusion/{unit_id}/{year}", response={200: InclusionOut, **READ_ERRORS})
def get_inclusion(request, unit_id: int, year: int):
    """The seven items of 三纳入四同时 of a township for one year."""
    township = get_inclusion_unit_for_user(request, unit_id)
    return _inclusion_out(township, _year(year))


@router.put("/inclusion/{unit_id}/{year}", response={200: InclusionOut, **WRITE_ERRORS})
def put_inclusion(request, unit_id: int, year: int, payload: InclusionIn):
    township = get_inclusion_unit_for_user(request, unit_id, Action.EDIT_RECORDS)
    entries = {item.value: entry.dict() for item, entry in payload.items.items()}
    try:
        services.do_save_inclusion(
            request.user, township, year, entries, expected_version=payload.version
        )
    except ConflictError as error:
        return Status(409, {"detail": " ".join(error.messages)})
    return _inclusion_out(township, year)


@router.post(
    "/inclusion/{unit_id}/{year}/{item}/evidence",
    response={201: RecordEvidenceOut, **WRITE_ERRORS},
)
def upload_inclusion_evidence(
    request, unit_id: int, year: int, item: InclusionItem, file: File[UploadedFile]
):
    township = get_inclusion_unit_for_user(request, unit_id, Action.EDIT_RECORDS)
    record = services.do_get_inclusion_record(request.user, township, year, item.value)
    return Status(201, services.do_add_evidence(request.user, record, file))


# Association profiles


def _profile_out(unit: OrgUnit, year: int) -> dict:
    profile = services.get_profile(unit, year)
    body = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
    evidence: dict[str, list[Evidence]] = {code: [] for code in ProfileItem.values}
    if profile.pk:
        for file in profile.evidence.all():
            evidence.setdefault(file.slot, []).append(file)
    body["checklist"] = {
        item.value: {
            **profile.checklist.get(item.value, {"present": False, "note": ""}),
            "label": str(item.label),
            "evidence": evidence.get(item.value, []),
        }
        for item in ProfileItem
    }
    body.update(unit_id=unit.pk, year=year, version=profile.version)
    return body


@router.get("/profiles/{unit_id}/{year}", response={200: ProfileOut, **READ_ERRORS})
def get_profile(request, unit_id: int, year: int):
    """The association's profile for a year; version 0 when nothing was saved yet."""
    unit = get_profile_unit_for_user(request, unit_id)
    return _profile_out(unit, _year(year))


@router.put("/profiles/{unit_id}/{year}", response={200: ProfileOut, **WRITE_ERRORS})
def put_profile(request, unit_id: int, year: int, payload: ProfileIn):
    unit = get_profile_unit_for_user(request, unit_id, Action.EDIT_RECORDS)
    fields = payload.dict(exclude={"version", "checklist"})
    checklist = {code.value: entry.dict() for code, entry in payload.checklist.items()}
    try:
        services.do_save_profile(
            request.user, unit, year, payload.version, checklist=checklist, **fields
        )
    except ConflictError as error:
        return Status(409, {"detail": " ".join(error.messages)})
    return _profile_out(unit, year)


@router.post(
    "/profiles/{unit_id}/{year}/{slot}/evidence",
    response={201: RecordEvidenceOut, **WRITE_ERRORS},
)
def upload_profile_evidence(
    request, unit_id: int, year: int, slot: ProfileItem, file: File[UploadedFile]
):
    unit = get_profile_unit_for_user(request, unit_id, Action.EDIT_RECORDS)
    profile = services.do_get_or_create_profile(request.user, unit, year)
    return Status(201, services.do_add_evidence(request.user, profile, file, slot.value))


# Evidence files


@router.get("/evidence/{evidence_id}", response={200: RecordEvidenceOut, **READ_ERRORS})
def get_evidence(request, evidence_id: int):
    return get_evidence_for_user(request, evidence_id)


@router.get("/evidence/{evidence_id}/download", response={404: ErrorOut, 401: ErrorOut})
def download_evidence(request, evidence_id: int):
    """The file itself, as an attachment of the type its content showed."""
    return evidence_response(get_evidence_for_user(request, evidence_id))


@router.delete("/evidence/{evidence_id}", response={204: None, **WRITE_ERRORS})
def delete_evidence(request, evidence_id: int):
    evidence = get_evidence_for_user(request, evidence_id, Action.EDIT_RECORDS)
    services.do_delete_evidence(request.user, evidence)
    return Status(204, None)
