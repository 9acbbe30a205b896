"""Excel exports of the registers, scoped and filtered as the list pages show them."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from accounts.access import Action, can, client_address, get_unit_for_user
from audit.services import record_event
from registers.actions import RegisterAction
from registers.exporters import EXPORT_KINDS, export_workbook
from registers.forms_records import ActivityFilterForm, TrainingFilterForm
from registers.selectors import MemberFilters, activities_for, members_for, trainings_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def export(request):
    """GET ?kind=…&unit=…[&the list page's filters][&unmasked=1] → an .xlsx download of the
    rows the list page shows (all its pages)."""
    kind = request.GET.get("kind", "")
    if kind not in EXPORT_KINDS:
        raise Http404("No such register.")
    unit = get_unit_for_user(request, request.GET.get("unit"))
    unmasked = request.GET.get("unmasked") == "1" and can(request.user, Action.UNMASK, unit)
    narrowed = {}
    if kind == "members":
        narrowed["members"] = members_for(request.user, unit, MemberFilters.from_query(request.GET))
    elif kind == "trainings":
        form = TrainingFilterForm(request.GET)
        narrowed["trainings"] = trainings_for(unit, form.cleaned_data if form.is_valid() else {})
    elif kind == "activities":
        form = ActivityFilterForm(request.GET)
        narrowed["activities"] = activities_for(unit, form.cleaned_data if form.is_valid() else {})
    content = export_workbook(
        kind, None, actor=request.user, unit=unit, unmasked=unmasked, **narrowed
    )
    with transaction.atomic():
        # An export carries personal information out of the system: worth a record.
        record_event(
            actor=request.user,
            action=RegisterAction.EXPORT,
            object_type="registers.export",
            object_label=kind,
            unit_id=unit.pk,
            after={"kind": kind, "unmasked": unmasked, "query": request.GET.urlencode()[:500]},
            ip_address=client_address(request),
        )
    filename = f"{unit.name}-{kind}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
