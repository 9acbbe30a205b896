"""Reads of the member and post registers, shared by the pages, the API and the exports.

Every function takes a unit the caller has already reached through the access helper
(`accounts.access.get_unit_for_user`); `members_for` checks again and refuses a unit the user
cannot see, so that an export or report cannot leak a register by mistake.

Nothing here returns personal information in full: members carry only the encrypted and masked
forms, and the masked ones are what callers show.
"""

import contextlib
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access import Action, can
from audit.models import AuditEvent
from orgs.models import Level, OrgUnit, subtree_q
from orgs.selectors import in_number_order
from registers import pii
from registers.identity import IdentityError, clean_text, parse_id_number, parse_phone
from registers.models import (
    Audience,
    Member,
    MemberStatus,
    Need,
    Post,
    PostKind,
    RecruitmentCategory,
    ServiceActivity,
    Training,
)
from registers.services import (
    PostGap,
    holds_register,
    json_list_has,
    post_gaps,
    record_identity_search,
)

SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "join_date": ("join_date", "name", "id"),
    "-join_date": ("-join_date", "name", "id"),
}
DEFAULT_SORT = "name"


@dataclass
class MemberFilters:
    """What a member list is narrowed by; every field optional, unknown values ignored.

    - `q`: part of a name, or an exact ID number or phone in any form people type (matched
      through the blind index, never by decrypting);
    - `status`: a MemberStatus value; `category`: a RecruitmentCategory code;
    - `group`: a group unit id; `post`: a PostKind value the member currently holds;
    - `sort`: one of SORTS (name, -name, join_date, -join_date).
    """

    q: str = ""
    status: str = ""
    category: str = ""
    group: int | None = None
    post: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, data) -> "MemberFilters":
        """From a QueryDict or a dict of strings (a page's or an export's query string)."""

        def text(name, limit=100):
            return clean_text(data.get(name, "") or "").replace("\x00", "")[:limit]

        group = text("group", 20)
        sort = text("sort", 20)
        return cls(
            q=text("q"),
            status=text("status", 20) if text("status", 20) in MemberStatus.values else "",
            category=text("category", 40),
            group=int(group) if group.isdigit() and len(group) < 19 else None,
            post=text("post", 20) if text("post", 20) in PostKind.values else "",
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )

    def as_query(self) -> dict[str, str]:
        """The non-empty filters as query-string pairs (for pagination and export links)."""
        pairs = {
            "q": self.q,
            "status": self.status,
            "category": self.category,
            "group": str(self.group) if self.group else "",
            "post": self.post,
            "sort": self.sort if self.sort != DEFAULT_SORT else "",
        }
        return {key: value for key, value in pairs.items() if value}


def subtree_members(unit: OrgUnit) -> QuerySet[Member]:
    """Every member registered in the unit or below it (a group: the group's members)."""
    if unit.level == Level.GROUP:  # a group's members are registered on its village
        return Member.objects.filter(group=unit)
    return Member.objects.filter(subtree_q(unit, "unit"))


# A member is on the register at the end of year Y when they had joined by then (or their join
# date is unknown) and were still on it: on it now, or left in a later year. The one home of the
# rule (docs/decisions.md, "One home per rule"): the roll-ups count it from aggregated rows with
# `on_register_in`, the metrics and reports filter with `on_register_at_end_of`.


def on_register_at_end_of(year: int, prefix: str = "") -> Q:
    """On members, or (`prefix`) on rows whose foreign key `prefix` points at a member."""
    field = f"{prefix}__" if prefix else ""
    end = date(year, 12, 31)
    joined = Q(**{f"{field}join_date__isnull": True}) | Q(**{f"{field}join_date__lte": end})
    left_later = Q(**{f"{field}status_date__gt": end})
    return joined & (Q(**{f"{field}status": MemberStatus.ACTIVE}) | left_later)


def on_register_in(join_year: int | None, status: str, left_year: int | None, year: int) -> bool:
    """The same rule on one row's join year, status and status-date year."""
    joined = join_year is None or join_year <= year
    left_later = left_year is not None and left_year > year
    return joined and (status == MemberStatus.ACTIVE or left_later)


def members_on_register(unit: OrgUnit, year: int) -> QuerySet[Member]:
    """The members of the unit's subtree on the register at the end of `year`."""
    return subtree_members(unit).filter(on_register_at_end_of(year))


def identity_kind(text: str) -> str:
    """ "id" or "phone" when the text is a full ID number or phone as people type them, else ""."""
    for kind, parse in (("id", parse_id_number), ("phone", parse_phone)):
        with contextlib.suppress(IdentityError):
            parse(text)
            return kind
    return ""


def _search(queryset: QuerySet[Member], text: str, by_identity: bool) -> QuerySet[Member]:
    condition = Q(name__icontains=text)
    if by_identity:
        with contextlib.suppress(IdentityError):
            condition |= Q(id_number_hash=pii.blind_index("id", parse_id_number(text)))
        with contextlib.suppress(IdentityError):
            condition |= Q(phone_hash=pii.blind_index("phone", parse_phone(text)))
    return queryset.filter(condition)


def search_members(
    queryset: QuerySet[Member], text: str, by_identity: bool = False
) -> QuerySet[Member]:
    """Members whose name holds the text, or (`by_identity`, for a caller that has checked the
    unmask permission and audits it) whose full ID number or phone it is."""
    return _search(queryset, text, by_identity)


def members_for(user, unit: OrgUnit, filters: MemberFilters | None = None) -> QuerySet[Member]:
    """The members of `unit`'s subtree that `user` may see, filtered and sorted.

    Raises PermissionDenied if the user cannot see the unit. The queryset selects the unit and
    group and prefetches the categories, so listing or exporting it costs a fixed number of
    queries.

    A `q` that is a full ID number or phone finds its member only for a user who may unmask
    there, and that search is audited: it discloses that the number is on the register, and
    without the rule it confirmed guesses at a masked number's hidden digits. For anyone else
    the number matches no one (a name search finds no digits).
    """
    if not can(user, Action.VIEW, unit):
        raise PermissionDenied(_("Not allowed for your role."))
    filters = filters or MemberFilters()
    queryset = subtree_members(unit)
    if filters.q:
        kind = identity_kind(filters.q)
        by_identity = bool(kind) and can(user, Action.UNMASK, unit)
        if by_identity:
            record_identity_search(user, unit, kind, filters.q)
        queryset = _search(queryset, filters.q, by_identity)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.category:
        queryset = queryset.filter(
            Exists(
                Member.categories.through.objects.filter(
                    member_id=OuterRef("pk"), recruitmentcategory__code=filters.category
                )
            )
        )
    if filters.group:
        queryset = queryset.filter(group_id=filters.group)
    if filters.post:
        queryset = queryset.filter(
            Exists(
                Post.objects.filter(
                    member_id=OuterRef("pk"), kind=filters.post, end_date__isnull=True
                )
            )
        )
    return (
        queryset.select_related("unit", "group")
        .prefetch_related("categories")
        .order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))
    )


def status_totals(queryset: QuerySet[Member]) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the lifecycle's order."""
    counts = dict(
        queryset.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in MemberStatus.choices]


def category_totals(queryset: QuerySet[Member]) -> list[tuple[RecruitmentCategory, int]]:
    """(category, active members in it) for every category in use."""
    counts = dict(
        Member.categories.through.objects.filter(
            member__in=queryset.filter(status=MemberStatus.ACTIVE).order_by().values("pk")
        )
        .values_list("recruitmentcategory_id")
        .annotate(n=Count("id"))
        .values_list("recruitmentcategory_id", "n")
    )
    return [(c, counts.get(c.pk, 0)) for c in RecruitmentCategory.objects.filter(is_active=True)]


def groups_of(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The active groups of the unit's subtree (for filters and the member form)."""
    if unit.level == Level.GROUP:
        return OrgUnit.objects.filter(pk=unit.pk)
    groups = (
        OrgUnit.objects.subtree_of(unit)
        .filter(level=Level.GROUP, status="active")
        .select_related("parent")
        .order_by("parent__name", "name", "id")
    )
    # A village's own groups read 第一、第二…第十二 in its forms and filters, not by character
    # code (第一、第七、第三…); a wider subtree keeps the cheap order of the database.
    return in_number_order(groups) if unit.level == Level.VILLAGE else groups


def posts_of(unit: OrgUnit, current_only: bool = False) -> QuerySet[Post]:
    """Terms held in the unit and its groups (a register-holding unit) or in the unit alone."""
    if holds_register(unit):
        queryset = Post.objects.filter(Q(unit=unit) | Q(unit__parent=unit, unit__level=Level.GROUP))
    else:
        queryset = Post.objects.filter(unit=unit)
    if current_only:
        queryset = queryset.filter(end_date__isnull=True)
    return queryset.select_related("unit", "member").order_by(
        "unit__level", "unit__name", "kind", "-start_date", "-id"
    )


def member_posts(member: Member) -> QuerySet[Post]:
    return member.posts.select_related("unit").order_by("-start_date", "-id")


def member_history(member: Member) -> QuerySet[AuditEvent]:
    """The audit events of the member and of their terms in posts, newest first. Personal
    information in them is masked (the services write masked snapshots)."""
    post_ids = [str(pk) for pk in member.posts.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        Q(object_type="registers.member", object_id=str(member.pk))
        | Q(object_type="registers.post", object_id__in=post_ids)
    ).order_by("-seq")


@dataclass
class RegisterSummary:
    unit: OrgUnit
    members: int
    statuses: list
    categories: list
    current_posts: list
    past_posts: list
    gaps: list[PostGap]
    trainings: int
    activities: int
    year: int


def register_summary(unit: OrgUnit, today: date) -> RegisterSummary:
    """A unit's register at a glance: members by status and category (its whole subtree), its
    posts current and past, the required posts that are empty, and this year's trainings and
    service activities (organised in the subtree)."""
    members = subtree_members(unit)
    posts = list(posts_of(unit))
    subtree = OrgUnit.objects.subtree_of(unit).values("pk")
    return RegisterSummary(
        unit=unit,
        members=members.filter(status=MemberStatus.ACTIVE).count(),
        statuses=status_totals(members),
        categories=category_totals(members),
        current_posts=[p for p in posts if p.is_current],
        past_posts=[p for p in posts if not p.is_current],
        gaps=post_gaps(unit),
        trainings=Training.objects.filter(organiser__in=subtree, date__year=today.year).count(),
        activities=ServiceActivity.objects.filter(unit__in=subtree, date__year=today.year).count(),
        year=today.year,
    )


def trainings_for(unit: OrgUnit, filters: dict | None = None) -> QuerySet[Training]:
    """The trainings organised in the unit's subtree, narrowed as the list page narrows them
    (`filters`: a TrainingFilterForm's cleaned data: q, year, audience)."""
    trainings = Training.objects.filter(subtree_q(unit, "organiser"))
    filters = filters or {}
    if filters.get("q"):
        trainings = trainings.filter(title__icontains=filters["q"].replace("\x00", ""))
    if filters.get("year"):
        trainings = trainings.filter(date__year=filters["year"])
    if filters.get("audience"):
        trainings = trainings.filter(json_list_has("audiences", filters["audience"], len(Audience)))
    return trainings


def activities_for(unit: OrgUnit, filters: dict | None = None) -> QuerySet[ServiceActivity]:
    """The service activities of the unit's subtree, narrowed as the list page narrows them
    (`filters`: an ActivityFilterForm's cleaned data: q, year, carrier, need)."""
    activities = ServiceActivity.objects.filter(subtree_q(unit, "unit"))
    filters = filters or {}
    if filters.get("q"):
        activities = activities.filter(title__icontains=filters["q"].replace("\x00", ""))
    if filters.get("year"):
        activities = activities.filter(date__year=filters["year"])
    if filters.get("carrier"):
        activities = activities.filter(carrier=filters["carrier"])
    if filters.get("need"):
        activities = activities.filter(json_list_has("needs", filters["need"], len(Need)))
    return activities
