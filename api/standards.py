"""Standards over the API: list and read the versions the caller may see, export one as the
JSON document `sanlian standards import` reads back, and copy one to a new version.

Thin, scoped as the standards pages are (standards.access): the shipped examples and the
standards of units on the caller's roles' paths; anything else answers 404, recorded. A copy goes
through standards.services, which writes the audit event; only county officers and
administrators copy (else 403, recorded).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from ninja import Field, Query, Router, Schema, Status

from accounts.access import get_unit_for_user, record_denial
from api.schemas import (
    MAX_ID,
    MAX_PAGE_SIZE,
    READ_ERRORS,
    WRITE_ERRORS,
    BodyIn,
    StageOut,
    Text,
    page_of,
)
from standards import services
from standards.access import (
    get_standard_for_user,
    keeping_units_for_copy,
    may_keep_shared,
    visible_standards,
)
from standards.files import standard_to_document
from standards.models import Standard, TitleKind

router = Router(tags=["standards"])


class StandardParams(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    q: Text = Field("", max_length=100)
    title: TitleKind | None = None


class StandardOut(Schema):
    id: int
    title: str
    title_label: str
    version: int
    name: str
    description: str
    pass_total: Decimal
    pass_rule_is_assumption: bool
    prerequisite: str
    prerequisite_same_round: bool
    is_example: bool
    unit_id: int | None
    based_on_id: int | None
    confirmed_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_title_label(obj):
        return str(obj.get_title_display())


class StandardPage(Schema):
    count: int
    page: int
    pages: int
    items: list[StandardOut]


class ItemOut(Schema):
    id: int
    number: str
    text: str
    points: Decimal
    guidance: str
    evidence_asked: str
    is_veto: bool
    metric: str
    metric_bands: list[dict]
    is_assumption: bool


class SectionOut(Schema):
    id: int
    name: str
    points: Decimal
    min_points: Decimal | None
    is_assumption: bool
    note: str
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return sorted(obj.items.all(), key=lambda i: i.position)


class StandardDetail(StandardOut):
    is_frozen: bool
    total_points: Decimal
    sections: list[SectionOut]
    stages: list[StageOut]

    @staticmethod
    def resolve_sections(obj):
        return list(obj.sections.order_by("position").prefetch_related("items"))

    @staticmethod
    def resolve_stages(obj):
        return obj.ordered_stages()


class CopyIn(BodyIn):
    """Who keeps the copy: one of your county-officer or administrator roles' units; left out,
    your only such unit (an administrator may leave it out to keep the copy shared)."""

    unit_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.get("/", response={200: StandardPage, **READ_ERRORS})
def list_standards(request, params: Query[StandardParams]):
    """The shipped examples and the versions of units on your roles' paths, by title and newest
    version first; `q` searches names and descriptions."""
    rows = visible_standards(request.user).order_by("title", "-version", "id")
    if params.q.strip():
        q = params.q.strip()
        rows = rows.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if params.title:
        rows = rows.filter(title=params.title.value)
    return page_of(rows, params)


@router.get("/{standard_id}", response={200: StandardDetail, **READ_ERRORS})
def get_standard(request, standard_id: int):
    """One version with its sections, items and authority chain."""
    return get_standard_for_user(request, standard_id)


@router.get("/{standard_id}/export", response={200: dict, **READ_ERRORS})
def export_standard(request, standard_id: int):
    """The version as the JSON document `sanlian standards import` reads back."""
    return standard_to_document(get_standard_for_user(request, standard_id))


@router.post("/{standard_id}/copy", response={201: StandardDetail, **WRITE_ERRORS})
def copy_standard(request, standard_id: int, payload: CopyIn):
    """Copy the version to a new one, kept by your unit; it stays an example until confirmed."""
    standard = get_standard_for_user(request, standard_id)
    units = keeping_units_for_copy(request, standard)
    if payload.unit_id is not None:
        unit = get_unit_for_user(request, payload.unit_id)
        if all(u.pk != unit.pk for u in units):
            record_denial(request, request.user, "copy_standard", reason="forbidden", unit=unit)
            raise PermissionDenied()
    else:
        unit = None if may_keep_shared(request.user) else units[0]
    copy = services.do_copy_standard(request.user, standard, unit=unit)
    return Status(201, Standard.objects.get(pk=copy.pk))
