"""`sanlian standards export FILE [--title T] [--version N]` and `sanlian standards import FILE`."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import OrgUnit
from standards.files import (
    UnreadableFile,
    parse_standard,
    read_document,
    standard_to_document,
    write_document,
)
from standards.models import Standard, TitleKind
from standards.services import do_import_standard

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2


class Command(BaseCommand):
    # Django formats the command description eagerly, so it stays untranslated as in Django's own.
    help = "Export a standard to a YAML or JSON file, or import one as a new version."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
        export = commands.add_parser(
            "export", help=gettext_lazy("Write one standard version to FILE (.yaml or .json).")
        )
        export.add_argument("file", help=gettext_lazy("The .yaml, .yml or .json file to write."))
        export.add_argument(
            "--title",
            choices=TitleKind.values,
            help=gettext_lazy("The title (needed when more than one title has versions)."),
        )
        export.add_argument(
            "--version",
            dest="number",
            type=int,
            help=gettext_lazy("The version number (default: the latest of the title)."),
        )
        export.add_argument(
            "--id", dest="pk", type=int, help=gettext_lazy("The standard's id instead.")
        )
        imp = commands.add_parser(
            "import",
            help=gettext_lazy(
                "Check FILE and import it as a new version; nothing is written when any "
                "field is wrong. Exit status: 0 imported, 1 refused, 2 unreadable file."
            ),
        )
        imp.add_argument("file", help=gettext_lazy("The .yaml, .yml or .json file to read."))
        imp.add_argument(
            "--unit",
            dest="unit_code",
            help=gettext_lazy("Division code of the county that keeps the new version."),
        )
        imp.add_argument(
            "--as", dest="username", help=gettext_lazy("Record the import as this user.")
        )

    def handle(self, *args, **options):
        if options["subcommand"] == "export":
            self._export(options)
        else:
            self._import(options)

    def _export(self, options):
        standards = Standard.objects.all()
        if options["pk"]:
            standards = standards.filter(pk=options["pk"])
        if options["title"]:
            standards = standards.filter(title=options["title"])
        if options["number"] is not None:
            standards = standards.filter(version=options["number"])
        elif not options["pk"]:
            if not options["title"]:
                raise CommandError(_("Name the title with --title (or the standard with --id)."))
            standards = standards.order_by("-version")[:1]
        standard = standards.first()
        if standard is None:
            raise CommandError(_("No such standard version."))
        try:
            write_document(standard_to_document(standard), options["file"])
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s")
                % {"file": options["file"], "error": error.strerror or error}
            ) from None
        self.stdout.write(
            _("Exported %(name)s, version %(version)s, to %(file)s.")
            % {"name": standard.name, "version": standard.version, "file": options["file"]}
        )

    def _import(self, options):
        actor = None
        if options["username"]:
            actor = get_user_model().objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(_("No user is called %(name)s.") % {"name": options["username"]})
        unit = None
        if options["unit_code"]:
            unit = OrgUnit.objects.filter(division_code=options["unit_code"]).first()
            if unit is None:
                raise CommandError(
                    _("No unit has the division code %(code)s.") % {"code": options["unit_code"]}
                )
        try:
            document = read_document(options["file"])
        except UnreadableFile as error:
            self.stderr.write(_("The file cannot be imported: %(reason)s") % {"reason": error})
            sys.exit(EXIT_UNREADABLE)
        data, errors = parse_standard(document)
        if errors:
            for error in errors:
                self.stderr.write(error)
            self.stderr.write(
                _("Nothing imported: %(count)d problems in the file.") % {"count": len(errors)}
            )
            sys.exit(EXIT_REFUSED)
        standard = do_import_standard(actor, data, unit=unit, source=str(options["file"]))
        self.stdout.write(
            _("Imported %(name)s as version %(version)s.")
            % {"name": standard.name, "version": standard.version}
        )
