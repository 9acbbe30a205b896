"""Background jobs the pages follow: an upload, its preview (a dry run) and its import.

The job row is the shared state between the web process that took the upload and whichever worker
process runs the task, so any number of either can serve. The uploaded file itself lives in the
default storage under `imports/` (MEDIA_ROOT, outside the web root and never served).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    IMPORT = "import", _("Import")


class Status(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


# A job still waiting this long after it was asked for means no worker is taking the queue.
NOT_STARTED_AFTER = timedelta(minutes=1)


class BackgroundJob(models.Model):
    """What every job the worker runs and a page polls keeps: its state, its progress, the stored
    file it reads or writes, and when it ended."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    stored_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_active(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING)

    @property
    def waits_too_long(self) -> bool:
        """Not started a minute after it was asked for: its page says so and offers a way out."""
        return self.status == Status.QUEUED and timezone.now() - self.created_at > NOT_STARTED_AFTER

    @property
    def minutes_waiting(self) -> int:
        return int((timezone.now() - self.created_at).total_seconds() // 60)

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class ImportJob(BackgroundJob):
    """One uploaded file on its way into the registers: previewed first, then imported."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    kind = models.CharField(_("register"), max_length=20)
    filename = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    only_valid = models.BooleanField(_("only the valid rows"), default=False)
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.PREVIEW
    )
    preview = models.JSONField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_created")]

    def __str__(self):
        return f"{self.kind} {self.filename}"

    @property
    def current_report(self) -> dict | None:
        return self.report if self.stage == Stage.IMPORT else self.preview


class WorkerHeartbeat(models.Model):
    """The last sign of life of a task worker (`sanlian db_worker`), written by its heartbeat
    thread every few seconds; on SQLite a file in the var directory stands in (jobs.heartbeat)."""

    worker_id = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id
