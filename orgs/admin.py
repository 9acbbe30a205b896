"""The association tree in the admin. Every write goes through orgs.services, which records
the audit event in the same transaction; moves and retirements are done on the tree pages."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from orgs.models import LEVEL_COLUMNS, OrgUnit, Status
from orgs.services import (
    EDITABLE_FIELDS,
    do_create_unit,
    do_delete_unit,
    do_reinstate_unit,
    do_update_unit,
)

ANCESTOR_COLUMNS = tuple(LEVEL_COLUMNS.values())
ALWAYS_READ_ONLY = (
    *ANCESTOR_COLUMNS,
    "status",
    "retired_at",
    "retired_reason",
    "created_at",
    "updated_at",
)
# Set once, at creation; afterwards a move (parent) has its own page and service.
CREATE_ONLY = ("level", "parent")
CREATE_FIELDS = ("level", *EDITABLE_FIELDS)


def copy_saved_state(target, saved) -> None:
    """Make the admin's instance the row a service saved, so the admin's redirect and log use it."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "category", "division_code", "status")
    list_filter = ("level", "category", "status")
    search_fields = ("name", "division_code")
    raw_id_fields = ("parent", "home_village")
    list_per_page = 50
    actions = ["reinstate"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ALWAYS_READ_ONLY
        return (*CREATE_ONLY, *ALWAYS_READ_ONLY)

    def get_actions(self, request):
        # Bulk deletion would skip the checks and the audit events of do_delete_unit.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            fields = {name: data[name] for name in CREATE_FIELDS if name in data}
            unit = do_create_unit(request.user, parent=data.get("parent"), **fields)
        else:
            changes = {name: data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            unit = do_update_unit(request.user, obj, **changes)
        copy_saved_state(obj, unit)

    def delete_model(self, request, obj):
        do_delete_unit(request.user, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for unit in queryset.order_by("-level"):
                do_delete_unit(request.user, unit)

    @admin.action(description=gettext_lazy("Reinstate the selected retired units"))
    def reinstate(self, request, queryset):
        done = 0
        for unit in queryset.filter(status=Status.RETIRED).order_by("level", "pk"):
            try:
                do_reinstate_unit(request.user, unit)
            except ValidationError as error:
                self.message_user(
                    request,
                    _("“%(name)s” was not reinstated: %(reason)s")
                    % {"name": unit.name, "reason": " ".join(error.messages)},
                    messages.ERROR,
                )
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d unit reinstated.", "%(count)d units reinstated.", done)
            % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )
