"""`sanlian import KIND FILE`: check and import a spreadsheet (see registers.imports)."""

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from django.utils.translation import gettext as _

from registers.imports import KINDS, UnreadableFile, run_import

EXIT_IMPORTED, EXIT_ROWS_REFUSED, EXIT_UNREADABLE = 0, 1, 2


class ProgressBar:
    """A plain text bar on stderr, redrawn at most once per percent."""

    def __init__(self, stream, width: int = 30):
        self.stream = stream
        self.width = width
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = min(100, done * 100 // total) if total else 100
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.width * percent // 100
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {percent:3d}% {done}", ending="")
        self.stream.flush()
        reset_queries()  # DEBUG keeps every query otherwise

    def close(self) -> None:
        if self.shown >= 0:
            self.stream.write("")
            self.stream.flush()


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Import org units or registers from an .xlsx or .csv file. Every row is checked; by "
            "default nothing is imported while any row is bad. Exit status: 0 imported (or would "
            "be, with --dry-run), 1 rows refused, 2 the file cannot be read."
        )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help=_("What the file holds."))
        parser.add_argument("file", help=_("The .xlsx or .csv file."))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check the file and import nothing.")
        )
        parser.add_argument(
            "--only-valid",
            action="store_true",
            help=_("Import the good rows and report the bad ones."),
        )
        parser.add_argument(
            "--json", action="store_true", help=_("Print one JSON object with the result.")
        )
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help=_("Import as this user, within the units they manage (default: the system)."),
        )

    def handle(self, *args, **options):
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
        bar = ProgressBar(self.stderr)
        try:
            report = run_import(
                options["kind"],
                options["file"],
                filename=options["file"],
                actor=actor,
                dry_run=options["dry_run"],
                only_valid=options["only_valid"],
                progress=bar,
            )
        except UnreadableFile as error:
            bar.close()
            if options["json"]:
                self.stdout.write(
                    json.dumps({"error": str(error), "rows": 0, "errors": []}, ensure_ascii=False)
                )
            else:
                self.stderr.write(_("The file cannot be imported: %(reason)s") % {"reason": error})
            sys.exit(EXIT_UNREADABLE)
        bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self._print_report(report, options)
        code = EXIT_ROWS_REFUSED if report.errors else EXIT_IMPORTED
        if code:
            sys.exit(code)

    def _print_sheets(self, report):
        """The sheet(s) read and the header each template column was matched to."""
        for sheet in report.sheets:
            first, last = sheet["header_rows"]
            rows = f"{first}–{last}" if first != last else str(last)
            if sheet["name"]:
                line = _("Sheet “%(sheet)s”, header on row %(rows)s.")
            else:
                line = _("Header on row %(rows)s.")
            self.stdout.write(line % {"sheet": sheet["name"], "rows": rows})
            matched = [
                f"{c['template']} ← {c['found']}"
                for c in sheet["columns"]
                if c["found"] and c["found"] != c["template"]
            ]
            if matched:
                self.stdout.write(
                    _("Columns read under other names: %(columns)s")
                    % {"columns": "; ".join(matched)}
                )
        for note in report.skipped_notes:
            where = f"{note['sheet']} · " if note["sheet"] else ""
            self.stdout.write(
                _("%(where)sRow %(row)d skipped, a note under the table: %(text)s")
                % {"where": where, "row": note["row"], "text": note["text"]}
            )

    def _print_report(self, report, options):
        self._print_sheets(report)
        for error in report.errors:
            where = f"{error.sheet} · " if error.sheet else ""
            self.stdout.write(
                where
                + _("Row %(row)d, %(column)s: %(message)s")
                % {"row": error.row, "column": error.column, "message": error.message}
            )
        if report.extra_columns:
            self.stdout.write(
                _("Columns ignored: %(columns)s") % {"columns": "、".join(report.extra_columns)}
            )
        counts = {
            "rows": report.rows,
            "valid": report.valid,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "refused": report.rows - report.valid,
        }
        if report.imported:
            message = _(
                "Imported: %(rows)d rows, %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged, %(refused)d refused."
            )
        elif options["dry_run"] and not report.errors:
            message = _(
                "Checked, nothing imported (--dry-run): %(rows)d rows would give %(created)d "
                "created, %(updated)d updated, %(unchanged)d unchanged."
            )
        else:
            message = _(
                "Nothing imported: %(refused)d of %(rows)d rows are refused. Fix them, or import "
                "the %(valid)d good rows with --only-valid."
            )
        self.stdout.write(message % counts)
