"""`sanlian prune_jobs`: the daily clean-up of every kind of background job's stored files."""

from django.utils.translation import gettext as _

from jobs.management.commands import prune_import_jobs
from reports import services as reports
from sanlian import idempotency


class Command(prune_import_jobs.Command):
    @property
    def help(self):
        return _(
            "Mark import and report jobs whose worker stopped as failed, then delete the stored "
            "files (uploads, built reports) of jobs that finished or failed more than --days days "
            "ago. The jobs stay. Run it daily, from cron say."
        )

    def handle(self, *args, **options):
        self.prune_imports(options["days"])
        stalled = reports.fail_stalled_report_jobs()
        if stalled:
            self.stdout.write(
                _("Marked %(count)d stalled report job(s) as failed.") % {"count": stalled}
            )
        count = reports.prune_report_files(days=options["days"])
        self.stdout.write(_("Deleted %(count)d stored report file(s).") % {"count": count})
        idempotency.prune()  # (issue 14: keys of double submits, kept a day)
