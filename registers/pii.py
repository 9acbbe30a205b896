"""Encryption at rest and blind indexes for personal information (security.md, PIPL).

The key lives outside the database: SANLIAN_PII_KEY in production, a file in the var directory
in development. The same key derives a separate HMAC key for the lookup hashes.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


@lru_cache(maxsize=4)
def _index_key(key: str) -> bytes:
    return hmac.new(key.encode(), b"sanlian blind index v1", hashlib.sha256).digest()


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return _fernet(settings.PII_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.PII_KEY).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "Personal information cannot be decrypted with the configured key."
        ) from error


def blind_index(kind: str, normalised: str) -> str:
    """A keyed hash for lookup and dedupe; equal values give equal hashes, nothing else leaks."""
    if not normalised:
        return ""
    message = f"{kind}:{normalised}".encode()
    return hmac.new(_index_key(settings.PII_KEY), message, hashlib.sha256).hexdigest()
