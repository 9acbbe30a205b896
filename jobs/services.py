"""Every write to import jobs. Uploads and confirmations are audited; progress is bookkeeping.

The worker's writes (`mark_running`, `record_progress`, `finish`, `fail`) address the row by its id
with one UPDATE each, so they never overwrite fields another process changed meanwhile.
"""

import io
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record_event
from jobs.actions import JobAction
from jobs.models import ImportJob, Stage, Status

UPLOAD_DIR = "imports"
# A running job shows a sign of life (its progress, every batch of rows; on SQLite in a file beside
# the upload while the run's transaction holds the write lock) well within this; without one for
# this long its worker is gone.
STALE_AFTER = timedelta(minutes=15)


def _stored_name(job_id: uuid.UUID) -> str:
    return f"{UPLOAD_DIR}/{job_id}"


def _fernet() -> Fernet:
    # The key that encrypts ID numbers and phones in the database (outside it, in settings).
    return Fernet(settings.PII_KEY.encode())


def open_upload(job: ImportJob) -> io.BytesIO:
    """The uploaded file's content. Raises cryptography's InvalidToken if the key has changed."""
    with default_storage.open(job.stored_name, "rb") as stored:
        return io.BytesIO(_fernet().decrypt(stored.read()))


def do_create_import_job(
    actor, *, kind: str, upload, filename: str, language: str = "", ip_address: str = ""
) -> ImportJob:
    """Store the uploaded file, encrypted (it holds ID numbers and phones in full), under a
    generated name, and record the job (not yet enqueued)."""
    job_id = uuid.uuid4()
    content = b"".join(upload.chunks())
    stored = default_storage.save(_stored_name(job_id), ContentFile(_fernet().encrypt(content)))
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                id=job_id,
                user=actor,
                kind=kind,
                filename=filename[:200],
                stored_name=stored,
                size=len(content),
                language=language[:10],
            )
            record_event(
                actor=actor,
                action=JobAction.IMPORTS_UPLOAD,
                obj=job,
                after={"kind": kind, "filename": job.filename, "size": job.size},
                ip_address=ip_address,
            )
    except BaseException:
        default_storage.delete(stored)
        raise
    return job


def do_confirm_import(actor, job: ImportJob, *, only_valid: bool, ip_address: str = "") -> bool:
    """Turn a finished preview into a queued import; False if the job is not in that state."""
    with transaction.atomic():
        changed = ImportJob.objects.filter(
            pk=job.pk, stage=Stage.PREVIEW, status=Status.DONE
        ).update(
            stage=Stage.IMPORT,
            status=Status.QUEUED,
            only_valid=only_valid,
            progress_done=0,
            progress_total=0,
            error="",
            finished_at=None,
            updated_at=timezone.now(),
        )
        if changed:
            record_event(
                actor=actor,
                action=JobAction.IMPORTS_CONFIRM,
                obj=job,
                after={"kind": job.kind, "filename": job.filename, "only_valid": only_valid},
                ip_address=ip_address,
            )
    job.refresh_from_db()
    return bool(changed)


def set_task_id(job_id, task_id) -> None:
    ImportJob.objects.filter(pk=job_id).update(task_id=str(task_id)[:64])


def mark_running(job_id, stage: str) -> bool:
    """Claim a queued job for this worker; False if it is not queued at that stage (a rerun)."""
    return bool(
        ImportJob.objects.filter(pk=job_id, stage=stage, status=Status.QUEUED).update(
            status=Status.RUNNING, updated_at=timezone.now()
        )
    )


def record_progress(job_id, done: int, total: int) -> None:
    ImportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
        progress_done=max(0, done), progress_total=max(0, total), updated_at=timezone.now()
    )


# Progress of a run inside SQLite's write lock: no connection may write the job row until the run
# commits, so the worker leaves "done total" in a file beside the stored upload, and the job page
# reads it. Storages without local files go without (progress shows before and after).


def _progress_file(job_id) -> Path | None:
    try:
        return Path(default_storage.path(f"{UPLOAD_DIR}/{job_id}.progress"))
    except NotImplementedError:
        return None


def record_progress_aside(job_id, done: int, total: int) -> None:
    path = _progress_file(job_id)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(f"{max(0, done)} {max(0, total)}")
    os.replace(partial, path)  # a reader sees the old figures or the new, never half


def _progress_aside(job_id) -> tuple[int, int, datetime] | None:
    """(done, total, when written) from the progress file, or None."""
    path = _progress_file(job_id)
    try:
        text, written = path.read_text(), path.stat().st_mtime
        done, total = (int(part) for part in text.split())
    except (AttributeError, OSError, ValueError):
        return None
    return done, total, datetime.fromtimestamp(written, tz=UTC)


def discard_progress_aside(job_id) -> None:
    path = _progress_file(job_id)
    if path is not None:
        path.unlink(missing_ok=True)


def with_progress_aside(job: ImportJob) -> ImportJob:
    """The running job with the progress its worker left beside the upload, if any (unsaved)."""
    aside = _progress_aside(job.pk) if job.status == Status.RUNNING else None
    if aside is not None:
        job.progress_done, job.progress_total, _written = aside
    return job


def last_sign_of_life(job: ImportJob) -> datetime:
    aside = _progress_aside(job.pk) if job.status == Status.RUNNING else None
    return max(job.updated_at, aside[2]) if aside else job.updated_at


def finish(job_id, stage: str, report: dict) -> None:
    field = "report" if stage == Stage.IMPORT else "preview"
    rows = int(report.get("rows") or 0)
    ImportJob.objects.filter(pk=job_id).update(
        **{field: report},
        status=Status.DONE,
        progress_done=rows,
        progress_total=rows,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    discard_progress_aside(job_id)


def fail(job_id, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=Status.FAILED,
        error=message,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    discard_progress_aside(job_id)


def discard_upload(job: ImportJob) -> None:
    """Delete the stored file (the import is over); the job row keeps its reports."""
    if job.stored_name:
        default_storage.delete(job.stored_name)
        ImportJob.objects.filter(pk=job.pk).update(stored_name="")


def discard_files_of_ended_jobs(
    model, discard: Callable, *, ended_field: str, days: int, now: datetime | None = None
) -> int:
    """`discard` the stored file of every job of `model` (import or report jobs) that finished
    or failed more than `days` days ago by `ended_field`; queued and running jobs keep theirs.
    How many files were discarded (`sanlian prune_jobs`)."""
    cutoff = (now or timezone.now()) - timedelta(days=max(0, days))
    ended = (
        model.objects.exclude(stored_name="")
        .exclude(status__in=[Status.QUEUED, Status.RUNNING])
        .filter(**{f"{ended_field}__lt": cutoff})
    )
    count = 0
    for job in ended.iterator():
        discard(job)
        count += 1
    return count


def stalled_jobs(*, now: datetime | None = None, user=None):
    """Running jobs without a sign of life (`updated_at`) for STALE_AFTER."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    jobs = ImportJob.objects.filter(status=Status.RUNNING, updated_at__lt=cutoff)
    return jobs.filter(user=user) if user is not None else jobs


def fail_stalled_job(job: ImportJob, *, now: datetime | None = None) -> bool:
    """Mark a job whose worker was stopped (killed, restarted, out of memory) as failed, with a
    message in the uploader's language, and audit it; False if the job is not stalled. The run's
    transaction died with the worker, so nothing of it was kept."""
    now = now or timezone.now()
    if job.status != Status.RUNNING or last_sign_of_life(job) >= now - STALE_AFTER:
        return False
    with translation.override(job.language or None):
        message = _(
            "The import stopped: the background worker running it stopped without finishing "
            "(no sign of it for %(minutes)d minutes). Nothing of this run was kept; upload the "
            "file again."
        ) % {"minutes": int(STALE_AFTER.total_seconds() // 60)}
    with transaction.atomic():
        changed = ImportJob.objects.filter(
            pk=job.pk, status=Status.RUNNING, updated_at__lt=now - STALE_AFTER
        ).update(status=Status.FAILED, error=message, finished_at=now, updated_at=now)
        if changed:
            discard_progress_aside(job.pk)
            record_event(
                actor=None,
                action=JobAction.IMPORTS_STALLED,
                obj=job,
                before={"status": Status.RUNNING, "stage": job.stage},
                after={"status": Status.FAILED, "last_sign_of_life": job.updated_at.isoformat()},
            )
    if changed:
        job.refresh_from_db()
    return bool(changed)


def fail_stalled_jobs(*, now: datetime | None = None, user=None) -> int:
    """`fail_stalled_job` for every stalled job (of one user, if given); how many were failed."""
    return sum(fail_stalled_job(job, now=now) for job in stalled_jobs(now=now, user=user))
