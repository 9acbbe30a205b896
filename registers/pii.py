"""Encryption at rest and blind indexes for personal information (security.md, PIPL).

The key lives outside the database: SANLIAN_PII_KEY in production, a file in the var directory
in development. The same key derives a separate AES-256-GCM key for encryption and a separate
HMAC key for the lookup hashes.

Stored values are `g2:<key id>:` followed by the URL-safe base64 of a random 96-bit nonce and the
AES-GCM ciphertext with its tag; the key id (8 hex digits of the key's fingerprint, sanlian.keys)
names the key, so that `sanlian keys rotate` knows which rows it has done and a value under an
unknown key says so. Values written before that are `g1:` (the same without a key id) or Fernet
tokens (AES-128-CBC + HMAC-SHA256, `gAAAAA…`) and still decrypt (docs/decisions.md: one AES-GCM
call costs a fifth of a Fernet encrypt, and an import encrypts two values a row). The keyring is
SANLIAN_PII_KEY and, during a rotation, the old keys in SANLIAN_PII_OLD_KEYS.
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
KEYED_PREFIX = "g2:"
KEY_ID_CHARS = 8
NONCE_BYTES = 12


def fingerprint(key: str) -> str:
    """Identifies a key and reveals nothing of it: an HMAC of a fixed label under the key."""
    return hmac.new(key.encode(), b"sanlian key fingerprint v1", hashlib.sha256).hexdigest()[:16]


@lru_cache(maxsize=8)
def key_id(key: str) -> str:
    return fingerprint(key)[:KEY_ID_CHARS]


def keyed_prefix(key: str) -> str:
    return f"{KEYED_PREFIX}{key_id(key)}:"


def keyring() -> list[str]:
    """The configured key first, then the old keys a rotation still reads."""
    return [settings.PII_KEY, *getattr(settings, "PII_OLD_KEYS", [])]


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


@lru_cache(maxsize=4)
def _aead(key: str) -> AESGCM:
    return AESGCM(hmac.new(key.encode(), b"sanlian aes-gcm v1", hashlib.sha256).digest())


@lru_cache(maxsize=4)
def _index_key(key: str) -> bytes:
    return hmac.new(key.encode(), b"sanlian blind index v1", hashlib.sha256).digest()


def encrypt(plain: str, key: str | None = None) -> str:
    if not plain:
        return ""
    key = key or settings.PII_KEY
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(key).encrypt(nonce, plain.encode(), None)
    return keyed_prefix(key) + base64.urlsafe_b64encode(nonce + sealed).decode()


def encrypt_many(plains: list[str]) -> list[str]:
    """`encrypt` of each value (blank stays blank), with one call for all the nonces."""
    seal, prefix = _aead(settings.PII_KEY).encrypt, keyed_prefix(settings.PII_KEY)
    randomness = os.urandom(NONCE_BYTES * len(plains))
    encode = base64.urlsafe_b64encode
    sealed = []
    for index, plain in enumerate(plains):
        if not plain:
            sealed.append("")
            continue
        nonce = randomness[index * NONCE_BYTES : (index + 1) * NONCE_BYTES]
        sealed.append(prefix + encode(nonce + seal(nonce, plain.encode(), None)).decode())
    return sealed


def decrypt(token: str, keys: list[str] | None = None) -> str:
    """The plain value, under the key its id names (or, for older values, whichever key of the
    keyring opens it: GCM's tag and Fernet's HMAC refuse a wrong key)."""
    if not token:
        return ""
    keys = keys or keyring()
    try:
        if token.startswith(KEYED_PREFIX):
            wanted, _, body = token[len(KEYED_PREFIX) :].partition(":")
            key = next((k for k in keys if key_id(k) == wanted), None)
            if key is None:
                raise ValueError(f"no configured key has the id {wanted}")
            return _open_gcm(key, body)
        for key in keys:
            try:
                if token.startswith(GCM_PREFIX):
                    return _open_gcm(key, token[len(GCM_PREFIX) :])
                return _fernet(key).decrypt(token.encode()).decode()
            except (InvalidToken, InvalidTag):
                continue
        raise ValueError("no configured key opens the value")
    except (InvalidToken, InvalidTag, ValueError) as error:
        raise ValueError(
            "Personal information cannot be decrypted with the configured key."
        ) from error


def _open_gcm(key: str, body: str) -> str:
    raw = base64.urlsafe_b64decode(body)
    return _aead(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()


def is_under(token: str, key: str) -> bool:
    """Whether a stored value carries this key's id (blank values need no key)."""
    return not token or token.startswith(keyed_prefix(key))


def blind_index(kind: str, normalised: str, key: str | None = None) -> str:
    """A keyed hash for lookup and dedupe; equal values give equal hashes, nothing else leaks."""
    return blind_indexer(kind, key)(normalised)


def blind_indexer(kind: str, key: str | None = None) -> Callable[[str], str]:
    """`blind_index` of one kind for many values (an import's rows): the key is looked up once,
    not through the lazy settings object at every value. Take one per batch, not per process,
    so that a changed key is seen."""
    prefix, digest = f"{kind}:", _hmac_sha256(_index_key(key or settings.PII_KEY))

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
