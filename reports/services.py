"""Writes to report jobs outside their worker (`reports.tasks` builds them): pruning the stored
files of old jobs. The job rows stay, the record of who built what."""

from datetime import datetime

from django.core.files.storage import default_storage
from django.utils import timezone

from jobs.models import Status
from jobs.services import STALE_AFTER, discard_files_of_ended_jobs
from reports import tasks
from reports.job_models import ReportJob

# What `sanlian prune_jobs` keeps by default, the imports' seven days.
KEEP_DAYS = 7


def fail_stalled_report_jobs() -> int:
    """`tasks.fail_if_stalled` (the imports' STALE_AFTER rule, audited) for every running job
    quiet that long; how many were failed."""
    quiet = ReportJob.objects.filter(
        status=Status.RUNNING, updated_at__lt=timezone.now() - STALE_AFTER
    )
    return sum(tasks.fail_if_stalled(job) for job in list(quiet))


def discard_report_file(job: ReportJob) -> None:
    """Delete the stored file; the row keeps its unit, year, user and times, `updated_at` marking
    when the file went (the job page says how many days it was kept). Not audited, as imports'
    `discard_upload`: the file is a copy of figures the database still holds."""
    if job.stored_name:
        default_storage.delete(job.stored_name)
        ReportJob.objects.filter(pk=job.pk).update(stored_name="", updated_at=timezone.now())


def prune_report_files(*, days: int = KEEP_DAYS, now: datetime | None = None) -> int:
    """Delete the files of report jobs that finished or failed more than `days` days ago; queued
    and running jobs keep theirs. How many files were deleted."""
    return discard_files_of_ended_jobs(
        ReportJob, discard_report_file, ended_field="finished_at", days=days, now=now
    )
