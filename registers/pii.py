"""Encryption at rest and blind indexes for personal information (security.md, PIPL).

The key lives outside the database: SANLIAN_PII_KEY in production, a file in the var directory
in development. The same key derives a separate AES-256-GCM key for encryption and a separate
HMAC key for the lookup hashes.

Stored values are `g1:` followed by the URL-safe base64 of a random 96-bit nonce and the AES-GCM
ciphertext with its tag. Values written before that are Fernet tokens (AES-128-CBC + HMAC-SHA256,
`gAAAAA…`) and still decrypt (docs/decisions.md: one AES-GCM call costs a fifth of a Fernet
encrypt, and an import encrypts two values a row).
"""

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

GCM_PREFIX = "g1:"
NONCE_BYTES = 12


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


@lru_cache(maxsize=4)
def _aead(key: str) -> AESGCM:
    return AESGCM(hmac.new(key.encode(), b"sanlian aes-gcm v1", hashlib.sha256).digest())


@lru_cache(maxsize=4)
def _index_key(key: str) -> bytes:
    return hmac.new(key.encode(), b"sanlian blind index v1", hashlib.sha256).digest()


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(settings.PII_KEY).encrypt(nonce, plain.encode(), None)
    return GCM_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def encrypt_many(plains: list[str]) -> list[str]:
    """`encrypt` of each value (blank stays blank), with one call for all the nonces."""
    seal = _aead(settings.PII_KEY).encrypt
    randomness = os.urandom(NONCE_BYTES * len(plains))
    encode = base64.urlsafe_b64encode
    sealed = []
    for index, plain in enumerate(plains):
        if not plain:
            sealed.append("")
            continue
        nonce = randomness[index * NONCE_BYTES : (index + 1) * NONCE_BYTES]
        sealed.append(GCM_PREFIX + encode(nonce + seal(nonce, plain.encode(), None)).decode())
    return sealed


def decrypt(token: str) -> str:
    if not token:
        return ""
    key = settings.PII_KEY
    try:
        if token.startswith(GCM_PREFIX):
            raw = base64.urlsafe_b64decode(token[len(GCM_PREFIX) :])
            return _aead(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
        return _fernet(key).decrypt(token.encode()).decode()
    except (InvalidToken, InvalidTag, ValueError) as error:
        raise ValueError(
            "Personal information cannot be decrypted with the configured key."
        ) from error


def blind_index(kind: str, normalised: str) -> str:
    """A keyed hash for lookup and dedupe; equal values give equal hashes, nothing else leaks."""
    return blind_indexer(kind)(normalised)


def blind_indexer(kind: str) -> Callable[[str], str]:
    """`blind_index` of one kind for many values (an import's rows): the key is looked up once,
    not through the lazy settings object at every value. Take one per batch, not per process,
    so that a changed key is seen."""
    prefix, digest = f"{kind}:", _hmac_sha256(_index_key(settings.PII_KEY))

    def index(normalised: str) -> str:
        if not normalised:
            return ""
        return digest((prefix + normalised).encode())

    return index


@lru_cache(maxsize=4)
def _hmac_sha256(key: bytes) -> Callable[[bytes], str]:
    """HMAC-SHA256 (RFC 2104) under one key, as hex, with the key's two padded blocks hashed
    once: each value then costs two copies of a hash state instead of a fresh key schedule.
    An import hashes two values a row, and hmac.digest looks the digest up by name each call
    (OpenSSL 3), which made it about five times slower than this."""
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def digest(message: bytes) -> str:
        state = inner.copy()
        state.update(message)
        result = outer.copy()
        result.update(state.digest())
        return result.hexdigest()

    return digest
