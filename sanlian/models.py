"""The project's own tables: the key fingerprint (sanlian/keys.py) and the submissions already
received, for idempotency (sanlian/idempotency.py)."""

from django.db import models


class KeyFingerprint(models.Model):
    """The fingerprint of the key this database's personal information is encrypted with, recorded
    at the first migrate, so that a process started with another key refuses to run."""

    purpose = models.CharField(max_length=20, unique=True)
    fingerprint = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.purpose}: {self.fingerprint}"


class Submission(models.Model):
    """One write request by its key: an API `Idempotency-Key` or a form's one-time token.

    `status` 0 means still being processed; otherwise the answer kept for a repeat: the API's
    status and JSON body, or the page a form redirected to."""

    scope = models.CharField(max_length=64)  # who sent it: the user, or the API token's hash
    key = models.CharField(max_length=128)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField(default=0)
    location = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="submission_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope[:8]} {self.key}"
