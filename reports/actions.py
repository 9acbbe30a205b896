"""The audit actions of reports."""

from audit.actions import AuditAction


class ReportAction(AuditAction):
    PROGRESS_QUEUE = "reports.progress.queue"
    PROGRESS_STALLED = "reports.progress.stalled"
    WORKER_LOST = "reports.worker_lost"
