"""`sanlian evidence verify`: re-hash every evidence file against its audit event; exit 1 naming
each file that was lost, changed or swapped (sanlian.evidence)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanlian.evidence import describe, verify_evidence


class Command(BaseCommand):
    help = "Check every stored evidence file against the hash recorded in the audit log."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("verify", help=gettext_lazy("Re-hash every evidence file."))

    def handle(self, *args, **options):
        report = verify_evidence()
        for problem in report.problems:
            self.stderr.write(describe(problem))
        if not report.ok:
            raise CommandError(
                _("%(bad)d of %(checked)d evidence files failed the check.")
                % {"bad": len({p.evidence_id for p in report.problems}), "checked": report.checked}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("All %(checked)d evidence files match their audit events.")
                % {"checked": report.checked}
            )
        )
