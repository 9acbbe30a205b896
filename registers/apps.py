from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "registers"
    verbose_name = _("Registers")

    def ready(self) -> None:
        # The unit page's buttons to the unit's registers (orgs must not name them).
        from core.panels import register_panel

        register_panel("unit_links", "registers/_unit_links.html")
