"""The audit actions of background import jobs."""

from audit.actions import AuditAction


class JobAction(AuditAction):
    IMPORTS_UPLOAD = "imports.upload"
    IMPORTS_CONFIRM = "imports.confirm"
    IMPORTS_STALLED = "imports.stalled"
    IMPORTS_WORKER_LOST = "imports.worker_lost"
