"""`sanlian audit verify [--head SEQ:HASH]` and `sanlian audit head`."""

import argparse

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import current_head, format_head, parse_exported_head, verify_chain


def _exported_head(text: str) -> tuple[int, str]:
    try:
        return parse_exported_head(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


class Command(BaseCommand):
    # Django formats the command description eagerly, so it stays untranslated as in Django's own.
    help = "Check the hash chain of the audit log, or print its head for safekeeping."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
        verify = commands.add_parser(
            "verify",
            help=gettext_lazy("Walk the whole log; exit 1 naming the first broken event."),
        )
        verify.add_argument(
            "--head",
            type=_exported_head,
            metavar="SEQ:HASH",
            help=gettext_lazy(
                "A head printed earlier by `sanlian audit head`; the log must still contain it."
            ),
        )
        commands.add_parser("head", help=gettext_lazy("Print the current head as SEQ:HASH."))

    def handle(self, *args, **options):
        if options["subcommand"] == "head":
            self.stdout.write(format_head(current_head()))
            return
        report = verify_chain(options.get("head"))
        if not report.ok:
            raise CommandError(report.broken_message)
        self.stdout.write(
            self.style.SUCCESS(
                _("Audit chain intact: %(checked)d events checked, head %(head)s.")
                % {
                    "checked": report.checked,
                    "head": format_head((report.last_seq, report.last_hash)),
                }
            )
        )
