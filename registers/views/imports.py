"""The web import: upload → preview (a dry run in the background) → confirm → import.

Every page needs a login and a role that keeps registers somewhere (Action.EDIT_RECORDS); which
rows a user may import is decided row by row by the importer, with the user as the actor. A job is
its uploader's alone: anyone else gets 404.
"""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Action, can, client_address, record_denial, roles_of
from jobs import services as jobs
from jobs.models import ImportJob, Stage, Status
from registers import tasks
from registers.forms_imports import KIND_LABELS, UploadForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 1000
# A queued job that has not started after this long probably has no worker to run it.
WORKER_HINT_AFTER = timedelta(seconds=20)


def _may_import(user) -> bool:
    return any(can(user, Action.EDIT_RECORDS, role.unit) for role in roles_of(user))


def _require_importer(request) -> None:
    if not _may_import(request.user):
        record_denial(
            request, request.user, "import", reason="forbidden", object_type="jobs.importjob"
        )
        raise PermissionDenied(_("Your roles do not allow importing registers."))


def _job_for_user(request, job_id) -> ImportJob:
    _require_importer(request)
    job = ImportJob.objects.filter(pk=job_id, user=request.user).first()
    if job is None:
        record_denial(
            request,
            request.user,
            "import",
            reason="not_found",
            object_type="jobs.importjob",
            object_id=str(job_id),
        )
        raise Http404(_("No such import."))
    return job


@login_required
def import_start(request):
    """Choose the register and upload a file; the preview starts in the background."""
    _require_importer(request)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = jobs.do_create_import_job(
                request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                filename=form.import_name(),
                language=get_language() or "",
                ip_address=client_address(request),
            )
            tasks.start_preview(job)
            return redirect("registers:import_job", job.pk)
    else:
        form = UploadForm(initial={"kind": request.GET.get("kind", "members")})
    jobs.fail_stalled_jobs(user=request.user)
    recent = ImportJob.objects.filter(user=request.user).order_by("-created_at")[:10]
    return render(
        request,
        "registers/import_start.html",
        {
            "form": form,
            "kinds": list(KIND_LABELS.items()),
            "recent": recent,
            "kind_labels": KIND_LABELS,
            "nav_active": "members",
        },
    )


def _state_context(job: ImportJob) -> dict:
    jobs.fail_stalled_job(job)
    jobs.with_progress_aside(job)
    if tasks.task_failed_behind_our_back(job):
        jobs.fail(job.pk, _("The background task ended without finishing this job."))
        job.refresh_from_db()
    report = job.current_report or {}
    errors = report.get("errors") or []
    error_count = report.get("error_count", len(errors))
    return {
        "job": job,
        "kind_label": KIND_LABELS.get(job.kind, job.kind),
        "report": report,
        "errors": errors[:ERRORS_SHOWN],
        "error_count": error_count,
        "errors_hidden": max(0, error_count - min(len(errors), ERRORS_SHOWN)),
        "several_sheets": len(report.get("sheets") or []) > 1,
        "worker_hint": job.status == Status.QUEUED
        and timezone.now() - job.updated_at > WORKER_HINT_AFTER,
        "Stage": Stage,
        "Status": Status,
    }


@login_required
def import_job(request, job_id):
    """The job's page: progress while it runs, then the preview or the import's report."""
    job = _job_for_user(request, job_id)
    context = _state_context(job)
    context["nav_active"] = "members"
    return render(request, "registers/import_job.html", context)


@login_required
def import_progress(request, job_id):
    """The fragment the job page polls (htmx, every second) until the job has finished."""
    job = _job_for_user(request, job_id)
    return render(request, "registers/import_state.html", _state_context(job))


@login_required
@require_POST
def import_confirm(request, job_id):
    """Import a previewed file: all of it, or (when asked) only its valid rows."""
    job = _job_for_user(request, job_id)
    only_valid = request.POST.get("only_valid") == "1"
    tasks.start_import(request.user, job, only_valid=only_valid, ip_address=client_address(request))
    return redirect("registers:import_job", job.pk)


@login_required
def import_help(request, kind: str):
    """A template's columns: which are required, and every header each is recognised under."""
    _require_importer(request)
    if kind not in KIND_LABELS:
        raise Http404(_("No such register."))
    from registers.imports import layout_for
    from spreadsheets.headers import WORD_FAMILY_LABELS

    return render(
        request,
        "registers/import_help.html",
        {
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "columns": layout_for(kind),
            "families": list(WORD_FAMILY_LABELS.values()),
            "nav_active": "members",
        },
    )


@login_required
def import_template(request, kind: str):
    """An empty workbook with the register's Chinese headers, to fill in and upload."""
    _require_importer(request)
    if kind not in KIND_LABELS:
        raise Http404(_("No such register."))
    from registers.exporters import template_workbook

    try:
        content = template_workbook(kind)
    except ValueError:  # a register without a template yet
        raise Http404(_("No such register.")) from None
    response = HttpResponse(content, content_type=XLSX_TYPE)
    filename = _("%(register)s import template.xlsx") % {"register": KIND_LABELS[kind]}
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
