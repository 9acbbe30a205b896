from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # The carried-in titles' import and export, on the registers' importer base.
        from assessments import importers

        importers.register()
