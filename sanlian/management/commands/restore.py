"""`sanlian restore FILE --yes`: replace the database by a backup, then check its integrity and
its audit chain (see sanlian.backup); exit 1 when either check fails."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import format_head
from sanlian.archive import is_archive, restore_archive
from sanlian.backup import BackupError, restore
from sanlian.evidence import describe


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
            if is_archive(options["file"]):
                return self.restore_archive(options["file"])
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

    def restore_archive(self, path: Path) -> None:
        report = restore_archive(path)
        if report.previous_media is not None:
            self.stdout.write(
                _("The uploaded files found before the restore are kept in %(path)s.")
                % {"path": report.previous_media}
            )
        for name, (backed_up, restored) in report.count_differences.items():
            self.stderr.write(
                _("%(name)s: %(backed_up)d in the manifest, %(restored)d restored.")
                % {"name": name, "backed_up": backed_up, "restored": restored}
            )
        for problem in report.evidence.problems:
            self.stderr.write(describe(problem))
        if report.integrity != "ok":
            raise CommandError(
                _("Restored, but the database failed its integrity check: %(report)s")
                % {"report": report.integrity}
            )
        if not report.chain.ok:
            raise CommandError(report.chain.broken_message)
        if not report.head_found:
            raise CommandError(_("The restored audit chain does not hold the backed-up head."))
        if not report.evidence.ok:
            raise CommandError(_("Restored, but some evidence files failed their check."))
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored: integrity ok, audit chain intact, head %(head)s, %(files)d uploaded "
                    "files, %(evidence)d evidence files verified."
                )
                % {
                    "head": format_head((report.chain.last_seq, report.chain.last_hash)),
                    "files": report.media_files,
                    "evidence": report.evidence.checked,
                }
            )
        )
