"""Appointing and ending the association's posts, and the posts a unit still lacks."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.errors import StateConflict
from orgs.models import Level, OrgUnit
from registers.actions import RegisterAction
from registers.identity import (
    clean_text,
)
from registers.models import (
    REQUIRED_POSTS,
    SINGLE_HOLDER_POSTS,
    Member,
    MemberStatus,
    Post,
    PostKind,
)
from registers.services.rules import holds_register

# Posts


def post_snapshot(post: Post) -> dict[str, Any]:
    return {
        "unit": post.unit_id,
        "kind": post.kind,
        "member": post.member_id,
        "holder_name": post.holder_name,
        "start_date": post.start_date.isoformat() if post.start_date else None,
        "end_date": post.end_date.isoformat() if post.end_date else None,
        "note": post.note,
    }


def _post_unit_errors(unit: OrgUnit, kind: str) -> list[str]:
    if kind == PostKind.GROUP_LEADER:
        if unit.level != Level.GROUP:
            return [_("A group leader is appointed on an association group.")]
    elif unit.level == Level.GROUP:
        return [_("An association group has only a group leader.")]
    if not unit.is_active:
        return [_("The unit is retired.")]
    return []


def _holder_errors(unit: OrgUnit, kind: str, member: Member | None) -> list[str]:
    if member is None:
        if kind == PostKind.GROUP_LEADER:
            return [_("Choose the group leader from the village's members.")]
        return []
    if member.status != MemberStatus.ACTIVE:
        return [_("“%(name)s” is not on the register.") % {"name": member.name}]
    home = unit.parent if kind == PostKind.GROUP_LEADER else unit
    if home is None:
        return [_("Choose the group leader from the village's members.")]
    if kind == PostKind.GROUP_LEADER or holds_register(home):
        belongs = member.unit_id == home.pk
    else:  # a township or county association: a member anywhere below it
        belongs = home.contains(member.unit)
    if not belongs:
        return [
            _("“%(name)s” is not a member of “%(unit)s”.")
            % {"name": member.name, "unit": home.name}
        ]
    return []


def do_appoint_post(
    actor,
    unit: OrgUnit,
    kind: str,
    start_date: date,
    member: Member | None = None,
    holder_name: str | None = None,
    note: str = "",
) -> Post:
    """Start a term: `member` from the register, or only a `holder_name` for someone who is not.

    A person may hold several posts. President, secretary-general and group leader have one
    current holder at a time:

    - a new **president** or **secretary-general** is refused while a term is current — the
      council's change of office is recorded by ending that term first (`do_end_post`), so that
      nobody's term is closed by mistake;
    - a new **group leader** replaces the current one: that term ends the day before the new one
      starts (groups change leaders often, and the village operator records only the new name).
      The new term must start after the current one did.

    A group leader's post lives on the group (level GROUP) and its holder must be a member of
    the group's village (or urban branch). Dates cannot be in the future.
    """
    today = timezone.localdate()
    if member is not None:  # as stored now, not as the caller read it
        member = Member.objects.select_related("unit").get(pk=member.pk)
    holder_name = clean_text(holder_name or (member.name if member else ""))
    note = clean_text(note)
    errors: dict[str, list[str]] = {}
    if kind not in PostKind.values:
        errors["kind"] = [_("Choose a post.")]
    else:
        if unit_errors := _post_unit_errors(unit, kind):
            errors["unit"] = unit_errors
        if holder_errors := _holder_errors(unit, kind, member):
            errors["member"] = holder_errors
    if not holder_name:
        errors.setdefault("holder_name", []).append(_("Give the holder's name."))
    if start_date is None:
        errors["start_date"] = [_("Give the date.")]
    elif start_date > today:
        errors["start_date"] = [_("The date is in the future.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Post.objects.select_for_update(no_key=True).filter(
            unit=unit, kind=kind, end_date__isnull=True
        )
        if kind in SINGLE_HOLDER_POSTS:
            holder = current.first()
            if holder is not None and kind != PostKind.GROUP_LEADER:
                raise ValidationError(
                    {
                        "kind": [
                            _(
                                "“%(name)s” is the current %(post)s since %(date)s; "
                                "end that term first."
                            )
                            % {
                                "name": holder.holder_name,
                                "post": holder.get_kind_display(),
                                "date": holder.start_date.isoformat(),
                            }
                        ]
                    }
                )
            if holder is not None:
                if start_date <= holder.start_date:
                    raise ValidationError(
                        {
                            "start_date": [
                                _("The new term must start after the current one (%(date)s).")
                                % {"date": holder.start_date.isoformat()}
                            ]
                        }
                    )
                _end_post(actor, holder, start_date - timedelta(days=1), "replaced")
        elif member is not None and current.filter(member=member).exists():
            raise ValidationError(
                {"member": [_("“%(name)s” already holds this post.") % {"name": member.name}]}
            )
        post = Post(
            unit=unit,
            kind=kind,
            member=member,
            holder_name=holder_name,
            start_date=start_date,
            note=note,
        )
        try:
            post.full_clean(validate_constraints=False)
        except ValidationError as error:
            raise ValidationError(error.message_dict) from error
        try:
            with transaction.atomic():
                post.save()
        except IntegrityError as error:  # a concurrent appointment won the race
            raise ValidationError(
                {"kind": [_("Someone else filled this post at the same time. Reload and check.")]}
            ) from error
        record_event(
            actor=actor,
            action=RegisterAction.POST_APPOINT,
            obj=post,
            unit_id=unit.pk,
            after=post_snapshot(post),
        )
    return post


def _end_post(actor, post: Post, end_date: date, reason: str = "") -> Post:
    post.end_date = end_date
    post.save(update_fields=["end_date"])
    after = {"end_date": end_date.isoformat()}
    if reason:
        after["reason"] = reason
    record_event(
        actor=actor,
        action=RegisterAction.POST_END,
        obj=post,
        unit_id=post.unit_id,
        before={"end_date": None},
        after=after,
    )
    return post


def do_end_post(actor, post: Post, end_date: date) -> Post:
    """End a current term on `end_date` (not before it started, not in the future)."""
    errors: dict[str, list[str]] = {}
    if end_date is None:
        errors["end_date"] = [_("Give the date.")]
    elif end_date > timezone.localdate():
        errors["end_date"] = [_("The date is in the future.")]
    elif end_date < post.start_date:
        errors["end_date"] = [
            _("A term cannot end before it started (%(date)s).")
            % {"date": post.start_date.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        post = Post.objects.select_for_update(no_key=True).get(pk=post.pk)
        if post.end_date is not None:
            raise StateConflict({"end_date": [_("This term has already ended.")]})
        return _end_post(actor, post, end_date)


@dataclass(frozen=True)
class PostGap:
    """A required post with nobody in it: `unit` is the association or, for a leader, the group."""

    unit: OrgUnit
    kind: str

    @property
    def label(self) -> str:
        return str(PostKind(self.kind).label)


def post_gaps(unit: OrgUnit) -> list[PostGap]:
    """Required posts that are empty: REQUIRED_POSTS of a register-holding association, and a
    group leader for each of its active groups. Other units have no required posts here."""
    if not holds_register(unit):
        return []
    groups = list(unit.children.filter(level=Level.GROUP, status="active").order_by("name", "id"))
    filled = set(
        Post.objects.filter(unit__in=[unit, *groups], end_date__isnull=True).values_list(
            "unit_id", "kind"
        )
    )
    gaps = [PostGap(unit, kind) for kind in REQUIRED_POSTS if (unit.pk, kind) not in filled]
    gaps += [
        PostGap(group, PostKind.GROUP_LEADER)
        for group in groups
        if (group.pk, PostKind.GROUP_LEADER) not in filled
    ]
    return gaps
