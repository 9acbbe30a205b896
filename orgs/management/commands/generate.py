"""`sanlian generate`: a large generated tree for tests and benchmarks (see orgs.bulk)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from django.utils.translation import gettext as _

from orgs.bulk import DEFAULT_BATCH_SIZE, GenerateOptions, count_summary, generate_tree


class Command(BaseCommand):
    @property
    def help(self):  # read when the parser is built, so that it follows the active language
        return _(
            "Generate a tree of townships, villages and groups for tests and benchmarks: a new "
            "province with its cities and counties, or counties under the existing city given "
            "by --parent-code. Townships are spread evenly over the counties and counties over "
            "the cities. Rows are inserted in batches and committed per batch of townships, so "
            "memory stays bounded whatever the size; if a batch fails, the batches before it "
            "stay in the database. Division codes never clash with existing ones."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--townships", type=int, required=True, help=_("Townships in all (required).")
        )
        parser.add_argument(
            "--villages-per-township",
            type=int,
            required=True,
            help=_("Villages in each township (required)."),
        )
        parser.add_argument(
            "--groups-per-village",
            type=int,
            default=10,
            help=_("Association groups in each village (default %(default)s)."),
        )
        parser.add_argument(
            "--counties", type=int, default=1, help=_("Counties in all (default %(default)s).")
        )
        parser.add_argument(
            "--cities",
            type=int,
            default=None,
            help=_("Cities of the new province (default 1; not with --parent-code)."),
        )
        parser.add_argument(
            "--parent-code",
            default=None,
            help=_("Division code of an existing city to put the counties under."),
        )
        parser.add_argument(
            "--seed", type=int, default=0, help=_("Seed of the random names and figures.")
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=_("Rows per INSERT, and roughly per transaction (default %(default)s)."),
        )

    def handle(self, *args, **options):
        generate_options = GenerateOptions(
            townships=options["townships"],
            villages_per_township=options["villages_per_township"],
            groups_per_village=options["groups_per_village"],
            counties=options["counties"],
            cities=options["cities"] or 1,
            seed=options["seed"],
            batch_size=options["batch_size"],
            parent_code=options["parent_code"],
        )
        if options["parent_code"] and options["cities"] is not None:
            raise CommandError(
                _("With --parent-code the counties go under that city; omit --cities.")
            )
        progress = self.stdout.write if options["verbosity"] >= 2 else None
        try:
            result = generate_tree(generate_options, progress=progress, after_batch=reset_queries)
        except ValueError as error:
            raise CommandError(str(error)) from error
        counts = count_summary(result.counts)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Generated under %(root)s (%(code)s): %(city)d cities, %(county)d counties, "
                    "%(township)d townships, %(village)d villages, %(group)d groups; %(total)d "
                    "units in %(seconds).1f s (%(rate)d units/s, %(transactions)d transactions)."
                )
                % {
                    **counts,
                    "root": result.root.name,
                    "code": result.root.division_code,
                    "seconds": result.seconds,
                    "rate": counts["total"] / max(result.seconds, 1e-6),
                    "transactions": result.transactions,
                }
            )
        )
