"""The audit actions of background jobs (a lost worker's report job is failed here too)."""

from audit.actions import AuditAction


class JobAction(AuditAction):
    IMPORTS_UPLOAD = "imports.upload"
    IMPORTS_CONFIRM = "imports.confirm"
    IMPORTS_STALLED = "imports.stalled"
    IMPORTS_WORKER_LOST = "imports.worker_lost"
    REPORTS_WORKER_LOST = "reports.worker_lost"
