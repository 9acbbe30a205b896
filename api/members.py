"""Member registers and posts over the API (/api/v1/members/). Thin: every unit and member is
reached through the one access helper, every write is a service, and ID numbers and phones are
masked in every answer; only `POST /{id}/unmask` gives them in full, to a user who may unmask,
and that is audited."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.access import Action, client_address, get_unit_for_user, record_denial
from api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, BodyIn, PageParams, Text, page_of
from orgs.models import Level
from registers import selectors, services
from registers.access import get_member_for_user
from registers.models import (
    Education,
    Member,
    MemberStatus,
    Post,
    PostKind,
    RecruitmentCategory,
    Sex,
)

router = Router(tags=["members"])

_Date = date  # StatusIn has a field named `date`


# Shapes


class MemberOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    group_id: int | None
    name: str
    sex: str
    birth_date: date | None
    id_number: str = Field(
        ..., description="Masked: 430*************** (no digit beyond the first three)"
    )
    phone: str = Field(..., description="Masked: 138****5678")
    education: str
    occupation: str
    join_date: date | None
    categories: list[str]
    status: str
    status_date: date | None
    status_reason: str
    moved_to_id: int | None
    version: int

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_id_number(obj):
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj):
        return obj.phone_masked

    @staticmethod
    def resolve_categories(obj):
        return [c.code for c in obj.categories.all()]


class MemberPage(Schema):
    count: int
    page: int
    pages: int
    items: list[MemberOut]


class MemberIn(BodyIn):
    name: Text = Field(..., min_length=1, max_length=50)
    sex: Sex | None = None
    birth_date: date | None = None
    id_number: Text | None = Field(None, max_length=30)
    phone: Text | None = Field(None, max_length=30)
    education: Education | None = None
    occupation: Text = Field("", max_length=50)
    group_id: int | None = Field(None, ge=1, le=MAX_ID)
    join_date: date | None = None
    categories: list[Text] = Field(default_factory=list, max_length=20)


class MemberUpdate(BodyIn):
    """Send `version` as read, and only the fields that change."""

    version: int = Field(..., ge=1, le=2_147_483_647)
    name: Text = Field(None, min_length=1, max_length=50)
    sex: Sex | None = None
    birth_date: date | None = None
    id_number: Text | None = Field(None, max_length=30)
    phone: Text | None = Field(None, max_length=30)
    education: Education | None = None
    occupation: Text = Field(None, max_length=50)
    group_id: int | None = Field(None, ge=1, le=MAX_ID)
    join_date: date | None = None
    categories: list[Text] = Field(None, max_length=20)


class StatusIn(BodyIn):
    status: MemberStatus
    date: _Date | None = None
    reason: Text = Field("", max_length=200)
    version: int | None = Field(None, ge=1, le=2_147_483_647)


class TransferIn(BodyIn):
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    version: int | None = Field(None, ge=1, le=2_147_483_647)


class PersonalInfoOut(Schema):
    id_number: str
    phone: str


class MemberFilterParams(PageParams):
    q: Text = Field("", max_length=100)
    status: MemberStatus | None = None
    category: Text = Field("", max_length=40)
    group: int | None = Field(None, ge=1, le=MAX_ID)
    post: PostKind | None = None
    sort: str = Field("name", pattern=r"^-?(name|join_date)$")


class PostOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    kind: str
    kind_label: str
    member_id: int | None
    holder_name: str
    start_date: date
    end_date: date | None
    note: str
    is_current: bool

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())


class GapOut(Schema):
    unit_id: int
    unit_name: str
    kind: str
    kind_label: str


class PostParams(PageParams):
    current: bool = False


class PostList(Schema):
    count: int
    page: int
    pages: int
    items: list[PostOut]
    gaps: list[GapOut] = Field(..., description="The required posts that are empty.")


class PostIn(BodyIn):
    kind: PostKind
    start_date: date
    member_id: int | None = Field(None, ge=1, le=MAX_ID)
    holder_name: Text | None = Field(None, max_length=50)
    note: Text = Field("", max_length=200)


class EndPostIn(BodyIn):
    end_date: date


# Access


def _member(request, member_id: int, action: Action = Action.VIEW) -> Member:
    member = get_member_for_user(request, member_id, action)
    prefetch_related_objects([member], "categories")
    return member


def _fresh(member: Member) -> Member:
    return (
        Member.objects.select_related("unit", "group")
        .prefetch_related("categories")
        .get(pk=member.pk)
    )


def _register_unit(request, unit_id: int, action: Action) -> object:
    unit = get_unit_for_user(request, unit_id, action)
    if not services.holds_register(unit):
        raise ValidationError(
            {
                "unit_id": [
                    _("Members are registered in a village, community or urban branch association.")
                ]
            }
        )
    return unit


def _fields(request, data: dict) -> dict:
    """API names to service fields: a group reached through the access helper, categories by
    code."""
    if "group_id" in data:
        group_id = data.pop("group_id")
        data["group"] = get_unit_for_user(request, group_id) if group_id else None
        if data["group"] is not None and data["group"].level != Level.GROUP:
            raise ValidationError({"group_id": [_("Choose an association group.")]})
    if "categories" in data:
        codes = list(dict.fromkeys(data["categories"] or []))
        found = list(RecruitmentCategory.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {c.code for c in found})
        if unknown:
            raise ValidationError(
                {
                    "categories": [
                        _("Unknown recruitment category: %(codes)s") % {"codes": ", ".join(unknown)}
                    ]
                }
            )
        data["categories"] = found
    for name in ("sex", "education"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


def _conflict(error):
    return Status(409, {"detail": " ".join(error.messages)})


# Members


@router.get("/units/{unit_id}/members", response={200: MemberPage, **READ_ERRORS})
def list_members(request, unit_id: int, params: Query[MemberFilterParams]):
    """Members of the unit's subtree (a township: all its villages'), filtered and paged. `q`
    matches part of a name, or a full ID number or phone exactly."""
    unit = get_unit_for_user(request, unit_id)
    filters = selectors.MemberFilters(
        q=params.q.strip(),
        status=params.status or "",
        category=params.category.strip(),
        group=params.group,
        post=params.post or "",
        sort=params.sort,
    )
    return page_of(selectors.members_for(request.user, unit, filters), params)


@router.post("/units/{unit_id}/members", response={201: MemberOut, **WRITE_ERRORS})
def create_member(request, unit_id: int, payload: MemberIn):
    unit = _register_unit(request, unit_id, Action.EDIT_RECORDS)
    fields = _fields(request, payload.dict())
    member = services.do_create_member(request.user, unit, **fields)
    return Status(201, _fresh(member))


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    is_active: bool


class CategoryPage(Schema):
    count: int
    page: int
    pages: int
    items: list[CategoryOut]


class CategoryParams(PageParams):
    include_inactive: bool = False


@router.get("/categories", response={200: CategoryPage, **READ_ERRORS})
def list_categories(request, params: Query[CategoryParams]):
    """The recruitment categories a member can hold (`categories` by `code`), in the pages'
    order; those no longer in use only with `include_inactive`."""
    categories = RecruitmentCategory.objects.order_by("sort_order", "id")
    if not params.include_inactive:
        categories = categories.filter(is_active=True)
    return page_of(categories, params)


@router.get("/{member_id}", response={200: MemberOut, **READ_ERRORS})
def get_member(request, member_id: int):
    return _member(request, member_id)


@router.patch("/{member_id}", response={200: MemberOut, **WRITE_ERRORS})
def update_member(request, member_id: int, payload: MemberUpdate):
    """Change the fields sent. A `version` other than the stored one answers 409: someone else
    saved first; read the member again and redo."""
    member = _member(request, member_id, Action.EDIT_RECORDS)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    try:
        member = services.do_update_member(
            request.user, member, expected_version=version, **_fields(request, changes)
        )
    except services.ConflictError as error:
        return _conflict(error)
    return _fresh(member)


@router.post("/{member_id}/status", response={200: MemberOut, **WRITE_ERRORS})
def change_status(request, member_id: int, payload: StatusIn):
    """Withdraw (劝退, with a reason), moved away, deceased — each with its date — or back on
    the register (`active`)."""
    member = _member(request, member_id, Action.EDIT_RECORDS)
    try:
        member = services.do_change_member_status(
            request.user,
            member,
            payload.status,
            payload.date,
            reason=payload.reason,
            expected_version=payload.version,
        )
    except services.ConflictError as error:
        return _conflict(error)
    return _fresh(member)


@router.post("/{member_id}/transfer", response={200: MemberOut, **WRITE_ERRORS})
def transfer_member(request, member_id: int, payload: TransferIn):
    """Register the member in another association of your subtree; the history moves along."""
    member = _member(request, member_id, Action.EDIT_RECORDS)
    to_unit = _register_unit(request, payload.unit_id, Action.EDIT_RECORDS)
    try:
        member = services.do_transfer_member(
            request.user, member, to_unit, expected_version=payload.version
        )
    except services.ConflictError as error:
        return _conflict(error)
    return _fresh(member)


@router.post("/{member_id}/unmask", response={200: PersonalInfoOut, **WRITE_ERRORS})
def unmask_member(request, member_id: int):
    """The full ID number and phone, for a user with the unmask permission on the unit; every
    call is recorded in the audit log."""
    member = _member(request, member_id, Action.UNMASK)
    return services.reveal_personal_info(
        request.user, member, request_address=client_address(request)
    )


# Posts


def _gap_out(gap) -> dict:
    return {
        "unit_id": gap.unit.pk,
        "unit_name": gap.unit.name,
        "kind": gap.kind,
        "kind_label": gap.label,
    }


@router.get("/units/{unit_id}/posts", response={200: PostList, **READ_ERRORS})
def list_posts(request, unit_id: int, params: Query[PostParams]):
    """Terms in the unit's posts (an association: with its groups' leaders), newest first within
    each post, and (beside the page) the required posts that are empty."""
    unit = get_unit_for_user(request, unit_id)
    return {
        **page_of(selectors.posts_of(unit, current_only=params.current), params),
        "gaps": [_gap_out(gap) for gap in services.post_gaps(unit)],
    }


@router.post("/units/{unit_id}/posts", response={201: PostOut, **WRITE_ERRORS})
def appoint_post(request, unit_id: int, payload: PostIn):
    """Appoint to a post of the unit; a group leader is appointed on the group's own id. A new
    group leader ends the current one's term the day before; a president or secretary-general
    is refused while one is in office."""
    unit = get_unit_for_user(request, unit_id, Action.EDIT_RECORDS)
    member = None
    if payload.member_id is not None:
        member = _member(request, payload.member_id)
    post = services.do_appoint_post(
        request.user,
        unit,
        payload.kind,
        payload.start_date,
        member=member,
        holder_name=payload.holder_name,
        note=payload.note,
    )
    return Status(201, post)


@router.post("/posts/{post_id}/end", response={200: PostOut, **WRITE_ERRORS})
def end_post(request, post_id: int, payload: EndPostIn):
    post = Post.objects.select_related("unit").filter(pk=post_id).first()
    if post is None:
        record_denial(
            request,
            request.user,
            Action.EDIT_RECORDS,
            reason="not_found",
            object_type="registers.post",
            object_id=str(post_id),
        )
        raise Http404("No such post.")
    get_unit_for_user(request, post.unit_id, Action.EDIT_RECORDS)
    return services.do_end_post(request.user, post, payload.end_date)
