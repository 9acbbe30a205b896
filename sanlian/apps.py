import logging

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate


class SanlianConfig(AppConfig):
    name = "sanlian"
    verbose_name = "Sanlian"

    def ready(self):
        from sanlian import checks  # registers the installation's system checks
        from sanlian.keys import record_fingerprint_once

        post_migrate.connect(record_fingerprint_once, sender=self, dispatch_uid="key-fingerprint")

        from django_tasks.signals import task_finished, task_started

        from core.logs import log_task_finished, log_task_started

        task_started.connect(log_task_started, dispatch_uid="sanlian-log-task-started")
        task_finished.connect(log_task_finished, dispatch_uid="sanlian-log-task-finished")

        if settings.PRODUCTION and settings.ALLOW_PLAIN_HTTP:
            # Loud on purpose: every process that starts says it, not only `check`.
            logging.getLogger("sanlian.deploy").warning(checks.PLAIN_HTTP_WARNING)
