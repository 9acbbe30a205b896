"""A report built by the background worker: the page polls the row, then downloads the file.

The file lives in the default storage under `reports/` (MEDIA_ROOT, outside the web root); the
download view re-checks the user's access to the unit before serving it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jobs.models import BackgroundJob, Status


class ReportJob(BackgroundJob):
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
    filename = models.CharField(max_length=200, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        indexes = [models.Index(fields=["user", "-created_at"], name="reportjob_user_created")]

    def __str__(self):
        return f"{self.kind} {self.unit_id} {self.year}"

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
