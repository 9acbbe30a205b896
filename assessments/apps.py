from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # The carried-in titles' import and export, on the registers' importer base.
        from assessments import importers

        importers.register()
        # The unit page's titles and their timeline (orgs must not name them).
        from core.panels import register_panel

        register_panel("unit_sections", "assessments/_unit_titles.html")
        register_panel("unit_sections", "assessments/_unit_title_timeline.html")
