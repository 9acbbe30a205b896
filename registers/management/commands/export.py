"""`sanlian export KIND FILE [--unit CODE]`: an .xlsx export with the import template's headers."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgs.models import OrgUnit
from registers.exporters import EXPORT_KINDS, export_workbook
from registers.imports import KINDS


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Export org units or a register to an .xlsx file with the import template's headers, "
            "so that the file imports back unchanged. ID numbers and phones are masked."
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help=_("What to export."))
        parser.add_argument("file", help=_("The .xlsx file to write."))
        parser.add_argument(
            "--unit", default=None, help=_("Division code of the unit whose subtree to export.")
        )
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help=_("Export what this user may see (default: everything)."),
        )

    def handle(self, *args, **options):
        kind = options["kind"]
        if kind not in EXPORT_KINDS:
            raise CommandError(
                _("Exporting %(kind)s is not available yet.") % {"kind": kind}, returncode=2
            )
        unit = None
        if options["unit"]:
            unit = OrgUnit.objects.filter(division_code=options["unit"].strip()).first()
            if unit is None:
                raise CommandError(_("No unit has the code %(code)s.") % {"code": options["unit"]})
        actor = None
        if options["username"]:
            actor = (
                get_user_model()
                .objects.filter(username=options["username"], is_active=True)
                .first()
            )
            if actor is None:
                raise CommandError(
                    _("No active user is called %(name)s.") % {"name": options["username"]}
                )
        try:
            export_workbook(kind, options["file"], actor=actor, unit=unit)
        except OSError as error:
            raise CommandError(
                _("The file cannot be written: %(reason)s") % {"reason": error.strerror}
            ) from error
        self.stdout.write(_("Written: %(file)s") % {"file": options["file"]})
