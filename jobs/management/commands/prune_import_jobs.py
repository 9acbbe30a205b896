"""`sanlian prune_import_jobs`: delete uploaded files that no import will read any more."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jobs import services
from jobs.models import ImportJob


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Mark import jobs whose worker stopped as failed, then delete the stored files of "
            "import jobs that finished or failed more than --days days ago (previews never "
            "confirmed, say). The jobs and their reports stay."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=7, help=_("Age in days (default %(default)s).")
        )

    def handle(self, *args, **options):
        self.prune_imports(options["days"])

    def prune_imports(self, days: int) -> None:
        """Fail the stalled import jobs, delete the old uploads, and say how many of each
        (shared with `sanlian prune_jobs`)."""
        stalled = services.fail_stalled_jobs()
        if stalled:
            self.stdout.write(
                _("Marked %(count)d stalled import job(s) as failed.") % {"count": stalled}
            )
        count = services.discard_files_of_ended_jobs(
            ImportJob, services.discard_upload, ended_field="updated_at", days=days
        )
        self.stdout.write(_("Deleted %(count)d stored upload(s).") % {"count": count})
