from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from orgs.panels import register_unit_links

        register_unit_links("dashboards/_unit_link.html")
