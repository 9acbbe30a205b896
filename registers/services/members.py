"""Every write to the member register, each with its audit event in the same transaction."""

from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import can_see
from audit.models import AuditEvent
from audit.services import record_change, record_event
from orgs.models import Level, OrgUnit
from registers import pii
from registers.actions import RegisterAction
from registers.identity import (
    IdentityError,
    birth_date_from_id,
    clean_text,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
    sex_from_id,
)
from registers.models import (
    Member,
    MemberStatus,
    Post,
    RecruitmentCategory,
)
from registers.services.posts import post_snapshot
from registers.services.rules import ConflictError, holds_register

MEMBER_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "occupation",
    "group",
    "join_date",
    "categories",
)


def member_snapshot(member: Member) -> dict[str, Any]:
    return {
        "name": member.name,
        "unit": member.unit_id,
        "group": member.group_id,
        "sex": member.sex,
        "birth_date": member.birth_date.isoformat() if member.birth_date else None,
        "id_number": member.id_number_masked,
        "phone": member.phone_masked,
        "education": member.education,
        "occupation": member.occupation,
        "join_date": member.join_date.isoformat() if member.join_date else None,
        "categories": sorted(c.code for c in member.categories.all()) if member.pk else [],
        "status": member.status,
    }


def _set_id_number(member: Member, raw, errors: dict) -> None:
    if raw in (None, ""):
        member.id_number_encrypted, member.id_number_hash, member.id_number_masked = "", None, ""
        return
    try:
        number = parse_id_number(raw)
    except IdentityError as error:
        errors["id_number"] = [str(error)]
        return
    member.id_number_encrypted = pii.encrypt(number)
    member.id_number_hash = pii.blind_index("id", number)
    member.id_number_masked = mask_id_number(number)
    if member.birth_date is None:
        member.birth_date = birth_date_from_id(number)
    elif member.birth_date != birth_date_from_id(number):
        errors["birth_date"] = [_("The birth date does not match the ID number.")]
    if not member.sex:
        member.sex = sex_from_id(number)
    elif member.sex != sex_from_id(number):
        errors["sex"] = [_("The sex does not match the ID number.")]


def _set_phone(member: Member, raw, errors: dict) -> None:
    if raw in (None, ""):
        member.phone_encrypted, member.phone_hash, member.phone_masked = "", "", ""
        return
    try:
        phone = parse_phone(raw)
    except IdentityError as error:
        errors["phone"] = [str(error)]
        return
    member.phone_encrypted = pii.encrypt(phone)
    member.phone_hash = pii.blind_index("phone", phone)
    member.phone_masked = mask_phone(phone)


def _validate(member: Member, errors: dict, today: date, actor=None) -> None:
    member.name = clean_text(member.name)
    if not member.name:
        errors.setdefault("name", []).append(_("The name is required."))
    if not holds_register(member.unit):
        errors.setdefault("unit", []).append(
            _("Members are registered in a village, community or urban branch association.")
        )
    if member.group is not None and (
        member.group.level != Level.GROUP or member.group.parent_id != member.unit_id
    ):
        errors.setdefault("group", []).append(
            _("The group “%(group)s” does not belong to “%(unit)s”.")
            % {"group": member.group.name, "unit": member.unit.name}
        )
    for field in ("birth_date", "join_date"):
        value = getattr(member, field)
        if value and value > today:
            errors.setdefault(field, []).append(_("The date is in the future."))
    if member.birth_date and member.join_date and member.join_date < member.birth_date:
        errors.setdefault("join_date", []).append(_("The join date is before the birth date."))
    if member.id_number_hash:
        other = (
            Member.objects.filter(id_number_hash=member.id_number_hash)
            .exclude(pk=member.pk)
            .select_related("unit")
            .first()
        )
        if other is not None:
            errors.setdefault("id_number", []).append(_duplicate_message(actor, member, other))


# A user may learn that an ID number is registered outside their subtree this many times a day;
# then every ID number they enter is refused until the day is over (docs/decisions.md, issue 16).
HIDDEN_DUPLICATES_PER_DAY = 5
REFUSED_ELSEWHERE = RegisterAction.MEMBER_ID_REGISTERED_ELSEWHERE


def _duplicate_message(actor, member: Member, other: Member) -> str:
    """Name the other association only to a user who sees it; anyone else learns no unit, and
    the refusal is audited (`_auditing_refusals`)."""
    if actor is None or can_see(actor, other.unit):
        return _("This person is already registered in “%(unit)s”.") % {"unit": other.unit.name}
    member._refused_elsewhere = other.unit_id
    return _(
        "This ID number cannot be registered here. If the person moved, ask the county "
        "association to transfer them."
    )


def _over_daily_limit(actor) -> bool:
    if actor is None:
        return False
    since = timezone.now() - timedelta(days=1)
    found = AuditEvent.objects.filter(actor=actor, action=REFUSED_ELSEWHERE, created_at__gte=since)
    return found.count() >= HIDDEN_DUPLICATES_PER_DAY


@contextmanager
def _auditing_refusals(actor):
    """Audit a refusal that told the user an ID number is registered outside their subtree:
    the probe shows in the chain, under the association that holds the person. Written after
    the refused write's transaction has rolled back, so that it stays."""
    try:
        yield
    except ValidationError as error:
        member = getattr(error, "refused_member", None)
        if member is not None and actor is not None:
            _record_refused_elsewhere(actor, member)
        raise


def _record_refused_elsewhere(actor, member: Member) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            action=REFUSED_ELSEWHERE,
            obj=member.unit,
            unit_id=member._refused_elsewhere,
            after={"id_number": member.id_number_masked, "unit": member.unit_id},
        )


def _apply(
    member: Member, fields: dict[str, Any], today: date, actor=None
) -> list[RecruitmentCategory] | None:
    errors: dict[str, list[str]] = {}
    categories = fields.pop("categories", None)
    id_number = fields.pop("id_number", ...)
    phone = fields.pop("phone", ...)
    for field, value in fields.items():
        setattr(member, field, value)
    if id_number is not ...:
        if id_number and _over_daily_limit(actor):
            errors.setdefault("id_number", []).append(
                _("Too many ID numbers were refused today; ask the county association.")
            )
        _set_id_number(member, id_number, errors)
    if phone is not ...:
        _set_phone(member, phone, errors)
    _validate(member, errors, today, actor)
    try:
        member.full_clean(exclude=["id_number_hash", "categories"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        error = ValidationError(errors)
        error.refused_member = member if hasattr(member, "_refused_elsewhere") else None
        raise error
    return categories


def _save(member: Member) -> None:
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as error:
        raise ValidationError(
            {"id_number": [_("This person is already registered in another association.")]}
        ) from error


def do_create_member(actor, unit: OrgUnit, **fields: Any) -> Member:
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown member fields: {sorted(unknown)}")
    member = Member(unit=unit)
    with _auditing_refusals(actor):
        categories = _apply(member, dict(fields), timezone.localdate(), actor)
    with transaction.atomic():
        _save(member)
        if categories:
            member.categories.set(categories)
        record_event(
            actor=actor,
            action=RegisterAction.MEMBER_CREATE,
            obj=member,
            unit_id=unit.pk,
            after=member_snapshot(member),
        )
    return member


def do_update_member(actor, member: Member, expected_version: int | None = None, **changes):
    unknown = set(changes) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown member fields: {sorted(unknown)}")
    with _auditing_refusals(actor), transaction.atomic():
        member = (
            Member.objects.select_for_update(no_key=True, of=("self",))
            .select_related("unit")
            .get(pk=member.pk)
        )
        if expected_version is not None and member.version != expected_version:
            raise ConflictError(
                _("Someone else changed this member after you opened it. Reload and redo.")
            )
        before = member_snapshot(member)
        categories = _apply(member, dict(changes), timezone.localdate(), actor)
        member.version += 1
        _save(member)
        if categories is not None:
            member.categories.set(categories)
        after = member_snapshot(member)
        if after == before:
            # Nothing changed: keep the version, write no event.
            Member.objects.filter(pk=member.pk).update(version=member.version - 1)
            member.version -= 1
            return member
        record_change(
            actor=actor,
            action=RegisterAction.MEMBER_UPDATE,
            obj=member,
            unit_id=member.unit_id,
            before=before,
            after=after,
        )
    return member


def check_member(unit: OrgUnit, member: Member | None = None, actor=None, **fields: Any) -> dict:
    """The errors a save would report, per field, without saving (forms validate as you type)."""
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown member fields: {sorted(unknown)}")
    if member is None:
        draft = Member(unit=unit)
    else:
        draft = Member.objects.select_related("unit").get(pk=member.pk)
    try:
        with _auditing_refusals(actor):
            _apply(draft, dict(fields), timezone.localdate(), actor)
    except ValidationError as error:
        return error.message_dict
    return {}


def _end_current_posts(actor, member: Member, on: date, reason: str) -> None:
    """End the terms the member holds when they leave the register or its association."""
    for post in Post.objects.select_for_update(no_key=True).filter(
        member=member, end_date__isnull=True
    ):
        before = post_snapshot(post)
        post.end_date = max(on, post.start_date)
        post.save(update_fields=["end_date"])
        record_event(
            actor=actor,
            action=RegisterAction.POST_END,
            obj=post,
            unit_id=post.unit_id,
            before={"end_date": before["end_date"]},
            after={"end_date": post.end_date.isoformat(), "reason": reason},
        )


def do_change_member_status(
    actor,
    member: Member,
    status: str,
    on: date | None,
    reason: str = "",
    moved_to=None,
    expected_version: int | None = None,
) -> Member:
    """Withdraw (劝退), record a move away or a death, or put the member back on the register.

    Leaving the register (any status but active) needs its date, and a withdrawal its reason; the
    member's current posts end on that date. Putting them back clears the date and the reason;
    their posts stay ended (appoint them again).
    """
    reason = clean_text(reason)
    errors: dict[str, list[str]] = {}
    if status not in MemberStatus.values:
        errors["status"] = [_("Choose a status.")]
    if status != MemberStatus.ACTIVE and not on:
        errors["status_date"] = [_("Give the date.")]
    if status == MemberStatus.WITHDRAWN and not reason:
        errors["status_reason"] = [_("Say why the member was asked to leave.")]
    if on and on > timezone.localdate():
        errors["status_date"] = [_("The date is in the future.")]
    if moved_to is not None and not holds_register(moved_to):
        errors["moved_to"] = [
            _("Members are registered in a village, community or urban branch association.")
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member = Member.objects.select_for_update(no_key=True).get(pk=member.pk)
        if expected_version is not None and member.version != expected_version:
            raise ConflictError(
                _("Someone else changed this member after you opened it. Reload and redo.")
            )
        if status == member.status == MemberStatus.ACTIVE:
            raise ValidationError({"status": [_("The member is already on the register.")]})
        if member.join_date and on and on < member.join_date:
            raise ValidationError({"status_date": [_("The date is before the join date.")]})
        before = {
            "status": member.status,
            "status_date": str(member.status_date or ""),
            "reason": member.status_reason,
        }
        member.status = status
        member.status_date = on if status != MemberStatus.ACTIVE else None
        member.status_reason = reason if status != MemberStatus.ACTIVE else ""
        member.moved_to = moved_to if status == MemberStatus.MOVED else None
        member.version += 1
        member.save()
        record_event(
            actor=actor,
            action=RegisterAction.MEMBER_STATUS,
            obj=member,
            unit_id=member.unit_id,
            before=before,
            after={
                "status": status,
                "status_date": str(member.status_date or ""),
                "reason": member.status_reason,
                "moved_to": member.moved_to_id,
            },
        )
        if status != MemberStatus.ACTIVE:
            _end_current_posts(actor, member, on, status)
    return member


def do_transfer_member(
    actor, member: Member, to_unit: OrgUnit, group=None, expected_version: int | None = None
) -> Member:
    """Move a member's registration to another association; the history stays with them.

    Their current posts in the old association end today. Callers check that the actor may keep
    the registers of both associations.
    """
    if not holds_register(to_unit):
        raise ValidationError(
            {
                "unit": [
                    _("Members are registered in a village, community or urban branch association.")
                ]
            }
        )
    with transaction.atomic():
        member = Member.objects.select_for_update(no_key=True).get(pk=member.pk)
        if expected_version is not None and member.version != expected_version:
            raise ConflictError(
                _("Someone else changed this member after you opened it. Reload and redo.")
            )
        if member.unit_id == to_unit.pk:
            raise ValidationError({"unit": [_("The member is already registered there.")]})
        before = {"unit": member.unit_id, "group": member.group_id}
        member.unit, member.group = to_unit, group
        errors: dict = {}
        _validate(member, errors, timezone.localdate())
        if errors:
            raise ValidationError(errors)
        member.version += 1
        member.save()
        record_event(
            actor=actor,
            action=RegisterAction.MEMBER_TRANSFER,
            obj=member,
            unit_id=to_unit.pk,
            before=before,
            after={"unit": to_unit.pk, "group": member.group_id},
        )
        _end_current_posts(actor, member, timezone.localdate(), "transfer")
    return member


def reveal_personal_info(actor, member: Member, request_address: str = "") -> dict[str, str]:
    """The full ID number and phone. Callers check the unmask permission; this audits it.

    The event names what was revealed, in its masked form only.
    """
    with transaction.atomic():
        record_event(
            actor=actor,
            action=RegisterAction.MEMBER_UNMASK,
            obj=member,
            unit_id=member.unit_id,
            after={"id_number": member.id_number_masked, "phone": member.phone_masked},
            ip_address=request_address,
        )
    return {
        "id_number": pii.decrypt(member.id_number_encrypted),
        "phone": pii.decrypt(member.phone_encrypted),
    }


def record_identity_search(actor, unit: OrgUnit, kind: str, text: str) -> None:
    """Audit a member search by a full ID number or phone ("id" or "phone"): it tells whether
    that person is on the register, so it is a disclosure like an unmask (callers allow it only
    to users who may unmask). The event keeps the number masked."""
    shown = mask_id_number(parse_id_number(text)) if kind == "id" else mask_phone(parse_phone(text))
    with transaction.atomic():
        record_event(
            actor=actor,
            action=RegisterAction.MEMBER_SEARCH_IDENTITY,
            obj=unit,
            unit_id=unit.pk,
            after={"kind": kind, "query": shown},
        )
