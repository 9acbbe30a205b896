"""`sanlian backup FILE`: an online, consistent copy of the database (see sanlian.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanlian.backup import BackupError, backup


class Command(BaseCommand):
    # Django formats the command description eagerly, so it stays untranslated as in Django's own.
    help = "Copy the database to FILE while the app keeps serving."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=gettext_lazy("Where to write the backup."))

    def handle(self, *args, **options):
        try:
            path = backup(options["file"])
        except (BackupError, OSError) as error:
            raise CommandError(_("Backup failed: %(error)s") % {"error": error}) from error
        self.stdout.write(self.style.SUCCESS(_("Backup written to %(path)s.") % {"path": path}))
