from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The heartbeat (jobs) fails the report jobs of a worker that stopped, as it does imports.
        from jobs.heartbeat import register_job_model
        from reports.actions import ReportAction
        from reports.job_models import ReportJob

        register_job_model(ReportJob, ReportAction.WORKER_LOST)
        # The printed forms, certificates and report files, shown on the lower apps' pages.
        from core.panels import register_panel

        register_panel("assessment_documents", "reports/_assessment_printed_forms.html")
        register_panel("title_documents", "reports/_title_certificate.html")
        register_panel("round_documents", "reports/_round_reports.html")
        register_panel("dashboard_documents", "reports/_dashboard_reports.html")
