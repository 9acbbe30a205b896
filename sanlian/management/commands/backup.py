"""`sanlian backup FILE [--database-only]`: the whole installation in one 0600 archive (database,
uploaded files, manifest; sanlian.archive), or the database alone (sanlian.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanlian.archive import write_archive
from sanlian.backup import BackupError, backup


class Command(BaseCommand):
    # Django formats the command description eagerly, so it stays untranslated as in Django's own.
    help = "Copy the database and the uploaded files to FILE while the app keeps serving."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=gettext_lazy("Where to write the backup."))
        parser.add_argument(
            "--database-only",
            action="store_true",
            help=gettext_lazy("Copy only the database, without the uploaded files."),
        )

    def handle(self, *args, **options):
        try:
            if options["database_only"]:
                path = backup(options["file"])
            else:
                manifest = write_archive(options["file"])
                path = options["file"]
        except (BackupError, OSError) as error:
            raise CommandError(_("Backup failed: %(error)s") % {"error": error}) from error
        self.stdout.write(self.style.SUCCESS(_("Backup written to %(path)s.") % {"path": path}))
        if not options["database_only"]:
            self.stdout.write(
                _("%(files)d uploaded files; key fingerprint %(fingerprint)s; audit head %(seq)s.")
                % {
                    "files": sum(1 for name in manifest["files"] if name.startswith("media/")),
                    "fingerprint": manifest["key_fingerprint"],
                    "seq": manifest["audit_head"][0],
                }
            )
