"""`sanlian restore FILE --yes`: replace the database by a backup, then check its integrity and
its audit chain (see sanlian.backup); exit 1 when either check fails."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import format_head
from sanlian.backup import BackupError, restore


class Command(BaseCommand):
    # Django formats the command description eagerly, so it stays untranslated as in Django's own.
    help = "Replace the whole database by a backup written by `sanlian backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=gettext_lazy("The backup to restore."))
        parser.add_argument(
            "--yes",
            action="store_true",
            help=gettext_lazy("Confirm that everything written since the backup is to be lost."),
        )

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError(
                _("A restore replaces the whole database; run it again with --yes to confirm.")
            )
        try:
            report = restore(options["file"])
        except (BackupError, OSError) as error:
            raise CommandError(_("Restore failed: %(error)s") % {"error": error}) from error
        if report.integrity != "ok":
            raise CommandError(
                _("Restored, but the database failed its integrity check: %(report)s")
                % {"report": report.integrity}
            )
        chain = report.chain
        if not chain.ok:
            raise CommandError(chain.broken_message)
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored: integrity ok, audit chain intact, head %(head)s.")
                % {"head": format_head((chain.last_seq, chain.last_hash))}
            )
        )
