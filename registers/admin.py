"""The registers in the admin.

Members and posts are read-only here: they are kept on the register pages, whose services check
the rules and write the audit events, and the admin shows only the masked ID numbers and phones
(never the encrypted columns or the lookup hashes). The configurable lists — recruitment
categories and carriers — are edited here, each save and deletion with its audit event.
"""

from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict

from audit.services import record_event
from registers.actions import RegisterAction
from registers.models import Carrier, Member, Post, RecruitmentCategory


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("name", "unit", "group", "id_number_masked", "phone_masked", "status")
    list_filter = ("status",)
    search_fields = ("name", "unit__name", "unit__division_code")
    list_select_related = ("unit", "group")
    list_per_page = 50
    fields = (
        "name",
        "unit",
        "group",
        "sex",
        "birth_date",
        "id_number_masked",
        "phone_masked",
        "education",
        "occupation",
        "join_date",
        "categories",
        "status",
        "status_date",
        "status_reason",
        "moved_to",
        "version",
    )


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("holder_name", "kind", "unit", "start_date", "end_date")
    list_filter = ("kind",)
    search_fields = ("holder_name", "unit__name")
    list_select_related = ("unit",)
    list_per_page = 50


class AuditedListAdmin(admin.ModelAdmin):
    """A configurable list: saves and deletions write their audit events."""

    list_display = ("name", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")

    def _snapshot(self, obj) -> dict:
        return {k: v for k, v in model_to_dict(obj).items() if k != "id"}

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            before = self._snapshot(type(obj).objects.get(pk=obj.pk))
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_event(
                actor=request.user,
                action=RegisterAction(
                    f"{obj._meta.label_lower}.{'update' if change else 'create'}"
                ),
                obj=obj,
                before=before,
                after=self._snapshot(obj),
                ip_address=request.META.get("REMOTE_ADDR", ""),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            record_event(
                actor=request.user,
                action=RegisterAction(f"{obj._meta.label_lower}.delete"),
                obj=obj,
                before=self._snapshot(obj),
                ip_address=request.META.get("REMOTE_ADDR", ""),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(RecruitmentCategory)
class RecruitmentCategoryAdmin(AuditedListAdmin):
    list_display = ("name", "code", "sort_order", "is_active")


@admin.register(Carrier)
class CarrierAdmin(AuditedListAdmin):
    list_display = ("name", "is_local", "sort_order", "is_active")
