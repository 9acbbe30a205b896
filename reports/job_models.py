"""A report built by the background worker: the page polls the row, then downloads the file.

The file lives in the default storage under `reports/` (MEDIA_ROOT, outside the web root); the
download view re-checks the user's access to the unit before serving it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobs.models import Status


class ReportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="report_jobs",
    )
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("format"), max_length=8)  # xlsx or pdf
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    stored_name = models.CharField(max_length=200, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        indexes = [models.Index(fields=["user", "-created_at"], name="reportjob_user_created")]

    def __str__(self):
        return f"{self.kind} {self.unit_id} {self.year}"

    @property
    def is_active(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING)

    @property
    def is_done(self) -> bool:
        return self.status == Status.DONE

    @property
    def is_pruned(self) -> bool:
        """Built, and its file since deleted by `sanlian prune_jobs` (the row stays)."""
        return self.status == Status.DONE and not self.stored_name

    @property
    def kept_days(self) -> int:
        """Whole days between building the file and deleting it (pruning renews `updated_at`)."""
        if self.finished_at is None:
            return 0
        return max(0, (self.updated_at - self.finished_at).days)

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
