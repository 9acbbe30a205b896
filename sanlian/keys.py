"""The keys of an installation: generating them, and the fingerprint that ties the personal
information key to the database it encrypts (docs/deploy.zh.md, 密钥保管).

A fingerprint is an HMAC of a fixed label under the key: it identifies the key and reveals nothing
of it. It is recorded at the first migrate; from then on `check` (which the worker runs at start)
and the web application's start refuse a key with another fingerprint, instead of starting and then
failing to decrypt, missing every ID-number lookup and importing the same people twice.
"""

import secrets

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _

from registers.pii import fingerprint

PII = "pii"


class KeyMismatch(Exception):
    pass


def generate_secret_key() -> str:
    return secrets.token_urlsafe(50)


def generate_pii_key() -> str:
    return Fernet.generate_key().decode()


def recorded_fingerprint() -> str | None:
    """The fingerprint this database recorded, or None before the first migrate."""
    from sanlian.models import KeyFingerprint

    try:
        row = KeyFingerprint.objects.filter(purpose=PII).first()
    except DatabaseError:  # the table does not exist yet: nothing to compare with
        return None
    return row.fingerprint if row else None


def mismatch_message(recorded: str, current: str) -> str:
    return _(
        "SANLIAN_PII_KEY does not match this database: the database was encrypted with the key "
        "whose fingerprint is %(recorded)s, the configured key's is %(current)s. Start with the "
        "installation's key (its sealed copy); with another key ID numbers cannot be decrypted "
        "and imports would create duplicate people."
    ) % {"recorded": recorded, "current": current}


def rotation_target() -> str | None:
    from sanlian.models import KeyFingerprint

    try:
        row = KeyFingerprint.objects.filter(purpose="pii-rotation").first()
    except DatabaseError:
        return None
    return row.fingerprint if row else None


def verify_pii_key() -> None:
    """Raises KeyMismatch with the message to show when the configured key is not the database's."""
    target = rotation_target()
    if target is not None:
        raise KeyMismatch(
            _(
                "A key rotation to the key whose fingerprint is %(target)s is not finished; run "
                "`sanlian keys rotate` again to finish it before starting the application."
            )
            % {"target": target}
        )
    recorded, current = recorded_fingerprint(), fingerprint(settings.PII_KEY)
    if recorded is not None and recorded != current:
        raise KeyMismatch(mismatch_message(recorded, current))


def _existing_data_decrypts() -> bool:
    from registers import pii
    from registers.models import Member

    sample = (
        Member.objects.exclude(id_number_encrypted="")
        .values_list("id_number_encrypted", flat=True)
        .first()
    )
    if sample is None:
        return True
    try:
        pii.decrypt(sample)
    except ValueError:
        return False
    return True


def record_fingerprint_once(**kwargs) -> None:
    """post_migrate: record the key's fingerprint the first time, after checking that the key
    decrypts what the database already holds (an installation older than the fingerprint)."""
    from sanlian.models import KeyFingerprint

    try:
        if KeyFingerprint.objects.filter(purpose=PII).exists():
            return
        decrypts = _existing_data_decrypts()
    except DatabaseError:  # a partial migrate: the tables are not all there yet
        return
    if not decrypts:
        raise KeyMismatch(
            _(
                "SANLIAN_PII_KEY does not decrypt the personal information already in this "
                "database; start with the key it was encrypted with."
            )
        )
    KeyFingerprint.objects.create(purpose=PII, fingerprint=fingerprint(settings.PII_KEY))
