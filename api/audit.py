"""The audit log over the API: the events the audit page shows, to the same readers (county
officers, city reviewers, administrators), filtered the same way (accounts.audit_log), and the
chain's head for export. Read-only: the log is only ever appended to by the services."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from accounts import audit_log
from accounts.access import get_unit_for_user, record_denial
from api.schemas import MAX_ID, READ_ERRORS, ErrorOut, PageParams, Text, page_of
from audit import masking
from audit.models import Result
from audit.services import current_head, format_head

router = Router(tags=["audit"])

AUDIT_ERRORS = {**READ_ERRORS, 403: ErrorOut}


class AuditFilterParams(PageParams):
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    user: Text = Field("", max_length=150)
    action: Text = Field("", max_length=64)
    result: Result | None = None
    date_from: date | None = None
    date_to: date | None = None


class AuditEventOut(Schema):
    seq: int
    created_at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    unit_id: int | None = Field(
        None, description="The unit concerned; null when it lies outside your subtrees."
    )
    before: dict | list | str | int | float | bool | None
    after: dict | list | str | int | float | bool | None
    result: str
    ip_address: str
    prev_hash: str
    hash: str


class AuditEventPage(Schema):
    count: int
    page: int
    pages: int
    items: list[AuditEventOut]


class ChainHeadOut(Schema):
    seq: int
    hash: str
    exported: str = Field(..., description="`SEQ:HASH`, for `sanlian audit verify --head`.")


def _require_reader(request) -> None:
    if not audit_log.may_read_audit(request.user):
        record_denial(
            request, request.user, "view_audit", reason="forbidden", object_type="audit.auditevent"
        )
        raise PermissionDenied


@router.get("/events", response={200: AuditEventPage, **AUDIT_ERRORS})
def list_events(request, params: Query[AuditFilterParams]):
    """Newest first: the events of your subtrees' units and of the users who hold roles there."""
    _require_reader(request)
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise ValidationError({"date_to": [_("The start date is after the end date.")]})
    unit = get_unit_for_user(request, params.unit_id) if params.unit_id else None
    events = audit_log.filter_events(
        audit_log.readable_events(request.user),
        request.user,
        unit=unit,
        actor_name=params.user.strip(),
        action=params.action.strip(),
        result=params.result or "",
        date_from=params.date_from,
        date_to=params.date_to,
    )
    body = page_of(events, params)
    shown = audit_log.shown_units(request.user, body["items"])
    items = []
    for event in body["items"]:
        item = AuditEventOut.model_validate(event).model_dump()
        item["unit_id"] = event.unit_id if event.unit_id in shown else None
        item["before"], item["after"] = masking.shown(event.before), masking.shown(event.after)
        items.append(item)
    return {**body, "items": items}


@router.get("/head", response={200: ChainHeadOut, **AUDIT_ERRORS})
def chain_head(request):
    """The chain's last sequence and hash: keep it elsewhere, and check the log against it later."""
    _require_reader(request)
    head = current_head()
    return {"seq": head[0], "hash": head[1], "exported": format_head(head)}
