"""The audit log in the admin: read-only. Events are only ever appended by audit.services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit import masking
from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "created_at",
        "actor_name",
        "action",
        "object_type",
        "object_label",
        "unit_id",
        "result",
        "ip_address",
    )
    list_filter = ("action", "result")
    search_fields = ("actor_name", "object_label")
    date_hierarchy = "created_at"
    ordering = ("-seq",)
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        # before/after are shown through audit.masking (older events' ID numbers masked today's way)
        shown = [field.name for field in self.model._meta.fields]
        return [
            {"before": "before_shown", "after": "after_shown"}.get(name, name) for name in shown
        ]

    @admin.display(description=_("before"))
    def before_shown(self, obj):
        return masking.shown(obj.before)

    @admin.display(description=_("after"))
    def after_shown(self, obj):
        return masking.shown(obj.after)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
