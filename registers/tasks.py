"""Background tasks of the registers: previewing and running a web import.

The task reads its job row (jobs.models.ImportJob), claims it, runs `run_import` over the stored
file with a progress callback that writes to the row, and records the report. Any number of worker
processes may run (`sanlian db_worker`); the claim makes a repeated task a no-op.
"""

import logging
import threading
import time

from cryptography.fernet import InvalidToken
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from jobs import services as jobs
from jobs.models import ImportJob, Stage, Status

logger = logging.getLogger(__name__)

# A report keeps at most this many row errors; the count of all of them is kept beside.
MAX_STORED_ERRORS = 5000
PROGRESS_INTERVAL_SECONDS = 0.5


class ProgressRecorder:
    """The `progress(done, total)` callback: writes to the job row at most twice a second.

    Outside a transaction the worker writes the row itself. Inside one (the importer writes its
    rows all-or-nothing), its own UPDATE would stay invisible until the commit, so on PostgreSQL a
    side thread with its own connection writes instead; on SQLite the import holds the only write
    lock, so the progress goes to a file beside the upload, which the job page reads.
    """

    def __init__(self, job_id, interval: float = PROGRESS_INTERVAL_SECONDS):
        self.job_id = job_id
        self.interval = interval
        self._last = float("-inf")
        self._side: _SideWriter | None = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < self.interval and done < total:
            return
        self._last = now
        if not connection.in_atomic_block:
            try:
                jobs.record_progress(self.job_id, done, total)
            except Exception:  # progress is best effort; the import goes on
                logger.warning("Could not record import progress.", exc_info=True)
        elif connection.vendor == "postgresql":
            if self._side is None:
                self._side = _SideWriter(self.job_id)
            self._side.offer(done, total)
        else:
            try:
                jobs.record_progress_aside(self.job_id, done, total)
            except OSError:
                logger.warning("Could not record import progress.", exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


class _SideWriter:
    """A thread with its own database connection that writes the latest progress it was given."""

    def __init__(self, job_id):
        self.job_id = job_id
        self._condition = threading.Condition()
        self._pending: tuple[int, int] | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="import-progress", daemon=True)
        self._thread.start()

    def offer(self, done: int, total: int) -> None:
        with self._condition:
            self._pending = (done, total)
            self._condition.notify()

    def close(self) -> None:
        """Write what is pending, then stop. A write that comes too late changes nothing: progress
        is only written while the job is running."""
        with self._condition:
            self._closed = True
            self._condition.notify()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        from django.db import connections

        try:
            while True:
                with self._condition:
                    while self._pending is None and not self._closed:
                        self._condition.wait()
                    if self._pending is None:
                        return
                    item, self._pending = self._pending, None
                try:
                    jobs.record_progress(self.job_id, *item)
                except Exception:
                    logger.warning("Could not record import progress.", exc_info=True)
        finally:
            connections.close_all()


def _stored_report(report) -> dict:
    data = report.as_dict()
    errors = list(data.get("errors") or [])
    data["error_count"] = len(errors)
    data["errors"] = errors[:MAX_STORED_ERRORS]
    return data


def import_file_name(job: ImportJob) -> str:
    return job.filename or "upload"


@task()
def run_import_job(job_id: str) -> dict:
    """Preview (dry run) or import the file of one job, as its stage says."""
    from registers.imports import UnreadableFile, run_import

    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or not jobs.mark_running(job.pk, job.stage):
        return {"job": str(job_id), "skipped": True}
    stage = job.stage
    recorder = ProgressRecorder(job.pk)
    with translation.override(job.language or None):
        try:
            if job.user is None or not job.user.is_active:
                raise PermissionError(_("The account that uploaded this file is no longer active."))
            if not job.stored_name or not default_storage.exists(job.stored_name):
                raise FileNotFoundError(_("The uploaded file is no longer available."))
            try:
                source = jobs.open_upload(job)
            except InvalidToken:
                raise FileNotFoundError(
                    _("The uploaded file can no longer be read; upload it again.")
                ) from None
            try:
                report = run_import(
                    job.kind,
                    source,
                    filename=import_file_name(job),
                    actor=job.user,
                    dry_run=stage == Stage.PREVIEW,
                    only_valid=job.only_valid,
                    progress=recorder,
                )
            finally:
                recorder.close()
        except UnreadableFile as error:
            jobs.fail(job.pk, str(error))
            jobs.discard_upload(job)
            return {"job": str(job.pk), "status": Status.FAILED}
        except (PermissionError, FileNotFoundError) as error:
            jobs.fail(job.pk, str(error))
            return {"job": str(job.pk), "status": Status.FAILED}
        except BaseException:
            logger.exception("Import job %s failed.", job.pk)
            jobs.fail(
                job.pk,
                _("The import stopped on an unexpected error; nothing of this run was kept."),
            )
            raise
    jobs.finish(job.pk, stage, _stored_report(report))
    if stage == Stage.IMPORT:
        jobs.discard_upload(job)
    return {"job": str(job.pk), "status": Status.DONE}


def _enqueue(job: ImportJob) -> None:
    # With the database backend the task row commits with the job's state, or neither does.
    with transaction.atomic():
        result = run_import_job.enqueue(str(job.pk))
        jobs.set_task_id(job.pk, result.id)


def start_preview(job: ImportJob) -> None:
    """Queue the dry run of a newly uploaded file."""
    _enqueue(job)


def start_import(actor, job: ImportJob, *, only_valid: bool, ip_address: str = "") -> bool:
    """Queue the real import of a previewed file; False if the job was not waiting for it."""
    with transaction.atomic():
        if not jobs.do_confirm_import(actor, job, only_valid=only_valid, ip_address=ip_address):
            return False
        _enqueue(job)
    return True


def task_failed_behind_our_back(job: ImportJob) -> bool:
    """True when the job still looks active but its task has already ended (a crashed run)."""
    if not job.is_active or not job.task_id:
        return False
    try:
        result = run_import_job.get_backend().get_result(job.task_id)
    except Exception:
        return False
    return str(result.status) in {"FAILED", "SUCCESSFUL"}
