"""Every write to accounts, roles and tokens, with its audit event."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.actions import AccountAction
from accounts.models import ApiToken, Role, hash_token
from audit.services import record_event
from orgs.models import OrgUnit


def _forget_cached_roles(user) -> None:
    # accounts.access caches a user's roles on the user object for the request.
    user.__dict__.pop("_sanlian_roles", None)


def do_create_user(
    actor,
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
):
    User = get_user_model()
    user = User(
        username=username, first_name=full_name, is_staff=is_staff, is_superuser=is_superuser
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        record_event(
            actor=actor,
            action=AccountAction.USER_CREATE,
            obj=user,
            after={"username": username, "is_staff": is_staff, "is_superuser": is_superuser},
        )
    return user


def do_grant_role(actor, user, unit: OrgUnit, kind: str) -> Role:
    role = Role(user=user, unit=unit, kind=kind)
    role.full_clean()
    with transaction.atomic():
        role.save()
        _forget_cached_roles(user)
        record_event(
            actor=actor,
            action=AccountAction.ROLE_GRANT,
            obj=role,
            unit_id=unit.pk,
            after={"user": user.get_username(), "kind": kind, "unit": unit.pk},
        )
    return role


def do_revoke_role(actor, role: Role) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            action=AccountAction.ROLE_REVOKE,
            obj=role,
            unit_id=role.unit_id,
            before={"user": role.user.get_username(), "kind": role.kind, "unit": role.unit_id},
        )
        role.delete()
        _forget_cached_roles(role.user)


def do_create_token(actor, user, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its raw key, which is never stored and cannot be shown again."""
    raw = ApiToken.new_raw_key()
    token = ApiToken(
        user=user, name=name.strip() or "api", key_prefix=raw[:10], key_hash=hash_token(raw)
    )
    with transaction.atomic():
        token.save()
        record_event(
            actor=actor,
            action=AccountAction.TOKEN_CREATE,
            obj=token,
            after={"user": user.get_username(), "name": token.name, "prefix": token.key_prefix},
        )
    return token, raw


def do_revoke_token(actor, token: ApiToken) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            actor=actor,
            action=AccountAction.TOKEN_REVOKE,
            obj=token,
            after={"prefix": token.key_prefix},
        )


def user_for_token(raw: str):
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # Touching last_used is bookkeeping, not a change worth an audit event.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
