from django.db import models


class KeyFingerprint(models.Model):
    """The fingerprint of the key this database's personal information is encrypted with, recorded
    at the first migrate, so that a process started with another key refuses to run."""

    purpose = models.CharField(max_length=20, unique=True)
    fingerprint = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.purpose}: {self.fingerprint}"
