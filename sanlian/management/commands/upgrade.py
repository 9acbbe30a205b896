"""`sanlian upgrade`: bring an installation up to the installed code, in the guide's order.

Catalogues, then static files, then migrations, then the deployment checks: the first two need no
database and the manifest must exist before the checks run. Safe to run again at any time.
"""

from importlib.metadata import files as distribution_files
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sanlian.catalogues import BASE_DIR, compile_all


def compile_catalogues() -> str:
    """Compiles a checkout's catalogues; an installed wheel carries them compiled already."""
    if (BASE_DIR / "locale").is_dir():
        written = compile_all()
        return _("%(count)d catalogues compiled.") % {"count": len(written)}
    # Installed: the catalogues our own distribution installed, not every package's beside them.
    shipped = [Path(f.locate()) for f in distribution_files("sanlian") or [] if f.suffix == ".po"]
    missing = [po for po in shipped if not po.with_suffix(".mo").exists()]
    if not any("project_locale" in po.parts for po in shipped):
        missing.append(BASE_DIR / "sanlian" / "project_locale")
    if missing:
        listed = ", ".join(map(str, missing))
        raise CommandError(_("Compiled catalogues are missing: %(files)s") % {"files": listed})
    return _("The installed package carries its compiled catalogues.")


class Command(BaseCommand):
    help = "Compile catalogues, collect static files, migrate and run the deployment checks."
    # The checks run last, once the static files they look for exist.
    requires_system_checks = []

    def handle(self, *args, **options):
        self.stdout.write(_("1/4 Catalogues: %(result)s") % {"result": compile_catalogues()})
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            _("2/4 Static files collected into %(path)s.") % {"path": settings.STATIC_ROOT}
        )
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("3/4 Database migrated."))
        call_command("check", deploy=settings.PRODUCTION, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS(_("4/4 Checks passed; restart the web and worker.")))
