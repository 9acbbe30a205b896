"""The audit actions of the installation: backups, restores and key rotation."""

from audit.actions import AuditAction


class SystemAction(AuditAction):
    BACKUP = "system.backup"
    RESTORE = "system.restore"
    KEY_ROTATION_STARTED = "system.key_rotation_started"
    KEY_ROTATED = "system.key_rotated"
