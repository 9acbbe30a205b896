"""Accounts, roles and tokens in the admin, every write with its audit event.

Roles are granted and revoked through accounts.services; a role is never edited in place (revoke
it and grant the new one). Tokens are created with `sanlian token create` (the raw key is shown
once, on the terminal) and only revoked here. User and group saves keep Django's forms but write
an audit event in the same transaction as the change.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import router, transaction
from django.utils.translation import gettext_lazy, ngettext

from accounts.actions import AccountAction
from accounts.models import ApiToken, Role
from accounts.services import do_grant_role, do_revoke_role, do_revoke_token
from audit.services import record_event
from orgs.admin import copy_saved_state

User = get_user_model()


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "unit", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "unit__name", "unit__division_code")
    raw_id_fields = ("user", "unit")
    list_select_related = ("user", "unit")
    list_per_page = 50

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        role = do_grant_role(request.user, data["user"], data["unit"], data["kind"])
        copy_saved_state(obj, role)

    def delete_model(self, request, obj):
        do_revoke_role(request.user, obj)

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action lands here: each role is revoked by the service.
        with transaction.atomic():
            for role in queryset.select_related("user"):
                do_revoke_role(request.user, role)


class RevokedFilter(admin.SimpleListFilter):
    title = gettext_lazy("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", gettext_lazy("In use")), ("yes", gettext_lazy("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (RevokedFilter,)
    search_fields = ("name", "key_prefix", "user__username")
    list_select_related = ("user",)
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=gettext_lazy("Revoke the selected tokens"), permissions=["revoke_token"]
    )
    def revoke(self, request, queryset):
        with transaction.atomic():
            tokens = list(queryset.filter(revoked_at__isnull=True).select_for_update())
            for token in tokens:
                do_revoke_token(request.user, token)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )

    def has_revoke_token_permission(self, request):
        return request.user.has_perm("accounts.change_apitoken")


def user_snapshot(user) -> dict:
    return {
        "username": user.get_username(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)) if user.pk else [],
        "user_permissions": sorted(
            f"{app}.{codename}"
            for app, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        )
        if user.pk
        else [],
    }


class AuditedUserAdmin(UserAdmin):
    """Django's user admin; every save, password change and deletion writes an audit event."""

    def get_actions(self, request):
        # Bulk deletion would skip the per-user audit events below.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        # The groups and permissions are saved after this, in save_related; the event is
        # recorded there, still inside the admin's transaction.
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        request._sanlian_user_before = user_snapshot(stored) if stored else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        before = getattr(request, "_sanlian_user_before", None)
        after = user_snapshot(user)
        if before is None:
            after["password"] = "set" if user.has_usable_password() else "unusable"
            record_event(
                actor=request.user,
                action=AccountAction.USER_CREATE,
                obj=user,
                after=after,
                ip_address=_address(request),
            )
            return
        old, new = _changes(before, after)
        if new:
            record_event(
                actor=request.user,
                action=AccountAction.USER_UPDATE,
                obj=user,
                before=old,
                after=new,
                ip_address=_address(request),
            )

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic(using=router.db_for_write(self.model)):
            request._sanlian_password_view = True
            return super().user_change_password(request, id, form_url)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if getattr(request, "_sanlian_password_view", False):
            record_event(
                actor=request.user,
                action=AccountAction.USER_PASSWORD,
                obj=obj,
                after={"password": "set" if obj.has_usable_password() else "unusable"},
                ip_address=_address(request),
            )
        return entry

    def delete_model(self, request, obj):
        with transaction.atomic():
            for role in Role.objects.filter(user=obj).select_related("user", "unit"):
                do_revoke_role(request.user, role)
            for token in ApiToken.objects.filter(user=obj, revoked_at__isnull=True):
                do_revoke_token(request.user, token)
            record_event(
                actor=request.user,
                action=AccountAction.USER_DELETE,
                obj=obj,
                before=user_snapshot(obj),
                ip_address=_address(request),
            )
            super().delete_model(request, obj)


class AuditedGroupAdmin(GroupAdmin):
    """Groups carry admin permissions; their changes are audited too."""

    def save_model(self, request, obj, form, change):
        request._sanlian_group_before = _group_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_sanlian_group_before", None) or {}
        old, new = _changes(before, _group_snapshot(form.instance))
        if new or not change:
            record_event(
                actor=request.user,
                action=AccountAction.GROUP_UPDATE if change else AccountAction.GROUP_CREATE,
                obj=form.instance,
                before=old if change else None,
                after=new,
                ip_address=_address(request),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            record_event(
                actor=request.user,
                action=AccountAction.GROUP_DELETE,
                obj=obj,
                before=_group_snapshot(obj),
                ip_address=_address(request),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for group in queryset:
                self.delete_model(request, group)


def _group_snapshot(group) -> dict:
    stored = Group.objects.filter(pk=group.pk).first() if group.pk else None
    if stored is None:
        return {}
    return {
        "name": stored.name,
        "permissions": sorted(
            f"{app}.{codename}"
            for app, codename in stored.permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
    }


for model, model_admin in ((User, AuditedUserAdmin), (Group, AuditedGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
