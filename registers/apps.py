from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "registers"
    verbose_name = _("Registers")

    def ready(self) -> None:
        # The unit page's buttons to the unit's registers (orgs must not name them).
        from orgs.panels import register_unit_links

        register_unit_links("registers/_unit_links.html")
