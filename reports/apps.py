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
