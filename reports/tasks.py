"""The background task that builds a large node's progress report (registers' import pattern:
a job row with progress, django-tasks with the database backend, the page polls)."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from audit.services import record_event
from jobs.models import Status
from reports.actions import ReportAction
from reports.job_models import ReportJob

logger = logging.getLogger(__name__)

STORAGE_DIR = "reports"


def _update(job_id, **fields) -> int:
    return ReportJob.objects.filter(pk=job_id).update(updated_at=timezone.now(), **fields)


@task()
def run_report_job(job_id: str) -> dict:
    """Build the job's report and store it; a rerun of a finished or running job does nothing."""
    from accounts.access import Action, can
    from reports import progress
    from reports.pdf import FontsMissing

    job = ReportJob.objects.select_related("user", "unit").filter(pk=job_id).first()
    if job is None or not ReportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
        status=Status.RUNNING, updated_at=timezone.now()
    ):
        return {"job": str(job_id), "skipped": True}

    def record(done: int, total: int) -> None:
        _update(job.pk, progress_done=done, progress_total=total)

    with translation.override(job.language or None):
        try:
            # Roles may have changed since the job was queued.
            if job.user is None or not can(job.user, Action.VIEW, job.unit):
                raise PermissionError(_("You may no longer read this unit's figures."))
            report = progress.build_for(job.unit, job.year, record)
            if report is None:
                raise LookupError(_("No campaign covers this unit yet."))
            content = progress.render(report, job.kind)
            filename = progress.file_name(report, job.kind)[0]
        except (PermissionError, LookupError, FontsMissing) as error:
            _update(job.pk, status=Status.FAILED, error=str(error), finished_at=timezone.now())
            return {"job": str(job.pk), "status": Status.FAILED}
        except BaseException:
            logger.exception("Report job %s failed.", job.pk)
            _update(
                job.pk,
                status=Status.FAILED,
                error=_("The report stopped on an unexpected error; try again."),
                finished_at=timezone.now(),
            )
            raise
    stored = default_storage.save(f"{STORAGE_DIR}/{job.pk}.{job.kind}", ContentFile(content))
    done = max(job.progress_total, 1)
    _update(
        job.pk,
        status=Status.DONE,
        stored_name=stored,
        filename=filename[:200],
        progress_done=done,
        progress_total=done,
        finished_at=timezone.now(),
    )
    return {"job": str(job.pk), "status": Status.DONE}


def start_progress_job(user, unit, year: int, kind: str) -> ReportJob:
    """Queue a progress report; the job row and its task commit together, or neither does."""
    with transaction.atomic():
        job = ReportJob.objects.create(
            user=user,
            unit=unit,
            year=year,
            kind=kind,
            language=translation.get_language() or "",
        )
        record_event(
            actor=user,
            action=ReportAction.PROGRESS_QUEUE,
            obj=job,
            unit_id=unit.pk,
            after={"unit": unit.pk, "year": year, "kind": kind},
        )
        result = run_report_job.enqueue(str(job.pk))
        ReportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    return job


def fail_if_stalled(job: ReportJob) -> bool:
    """Fail a running job without a sign of life for the imports' STALE_AFTER (its worker was
    stopped), so its page stops polling; False if it is not stalled."""
    from jobs.services import STALE_AFTER

    now = timezone.now()
    with translation.override(job.language or None):
        message = _("The background worker building this report stopped; start it again.")
    with transaction.atomic():
        changed = ReportJob.objects.filter(
            pk=job.pk, status=Status.RUNNING, updated_at__lt=now - STALE_AFTER
        ).update(status=Status.FAILED, error=message, finished_at=now, updated_at=now)
        if changed:
            record_event(
                actor=None,
                action=ReportAction.PROGRESS_STALLED,
                obj=job,
                unit_id=job.unit_id,
                before={"status": Status.RUNNING},
                after={"status": Status.FAILED, "last_sign_of_life": job.updated_at.isoformat()},
            )
    if changed:
        job.refresh_from_db()
    return bool(changed)


def recent_jobs(user, unit, limit: int = 5) -> list[ReportJob]:
    return list(ReportJob.objects.filter(user=user, unit=unit)[:limit])
