"""`sanlian rollups rebuild | verify | refresh --unit CODE`."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from campaigns import rollups
from orgs.models import OrgUnit


class Command(BaseCommand):
    help = _(
        "Rebuild the campaign roll-ups from the raw rows, verify the stored figures against a "
        "fresh computation (exit status 1 on any difference), or refresh one unit's subtree."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["rebuild", "verify", "refresh"])
        parser.add_argument(
            "--unit",
            metavar="CODE",
            help=_("refresh: the division code (or id) of the unit whose subtree to recompute"),
        )
        parser.add_argument(
            "--limit", type=int, default=50, help=_("verify: how many differences to list")
        )

    def handle(self, *args, action: str, unit: str | None, limit: int, **options) -> None:
        if action == "rebuild":
            written = rollups.rebuild()
            self.stdout.write(_("Rebuilt %(rows)d roll-up rows.") % {"rows": written})
        elif action == "verify":
            differences = rollups.verify()
            if not differences:
                self.stdout.write(_("The roll-ups agree with the raw rows."))
                return
            for difference in differences[:limit]:
                self.stdout.write(str(difference))
            raise CommandError(
                _("%(count)d roll-up figures differ from the raw rows; run “rollups rebuild”.")
                % {"count": len(differences)}
            )
        else:
            if not unit:
                raise CommandError(_("Name the unit: --unit CODE."))
            found = OrgUnit.objects.filter(division_code=unit).first()
            if found is None and unit.isdigit():
                found = OrgUnit.objects.filter(pk=int(unit)).first()
            if found is None:
                raise CommandError(_("No unit with the code %(code)s.") % {"code": unit})
            rollups.refresh_unit(found)
            self.stdout.write(_("Refreshed the roll-ups of %(name)s.") % {"name": found.name})
