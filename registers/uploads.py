"""Evidence files: what they are, told from their first bytes, and how big they may be.

The name a browser sends and the content type it claims are never trusted: the type comes from
the file's magic bytes, and the stored name is generated from that type (records services).
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str


JPEG = FileType("image/jpeg", "jpg")
PNG = FileType("image/png", "png")
WEBP = FileType("image/webp", "webp")
PDF = FileType("application/pdf", "pdf")
ACCEPTED = (JPEG, PNG, WEBP, PDF)


def sniff(head: bytes) -> FileType | None:
    """The type of a file from its first bytes (16 are enough), or None when it is not one we take.

    JPEG: FF D8 FF. PNG: the 8-byte signature. WebP: a RIFF container of form type WEBP.
    PDF: `%PDF-` at the very start (readers tolerate junk before it; we do not).
    """
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


@dataclass(frozen=True)
class CheckedFile:
    file_type: FileType
    size: int
    sha256: str
    original_name: str


def max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def _too_big() -> ValidationError:
    limit_mb = max_bytes() / (1024 * 1024)
    return ValidationError(
        _("The file is larger than %(limit)s MB.") % {"limit": f"{limit_mb:g}"}, code="too_big"
    )


def clean_name(name: str) -> str:
    """The file name as the user knew it, for display and the download's name only."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?\x00')
    return base.strip()[:200] or "file"


def check_upload(uploaded) -> CheckedFile:
    """Refuse anything empty, too big or not a JPEG, PNG, WebP image or PDF; read it once."""
    declared = getattr(uploaded, "size", None)
    if declared is not None and declared > max_bytes():
        raise _too_big()
    uploaded.seek(0)
    head = uploaded.read(16)
    if not head:
        raise ValidationError(_("The file is empty."), code="empty")
    file_type = sniff(head)
    if file_type is None:
        raise ValidationError(
            _("Only JPEG, PNG or WebP images and PDF documents can be uploaded."),
            code="file_type",
        )
    digest = hashlib.sha256(head)
    size = len(head)
    while chunk := uploaded.read(CHUNK):
        size += len(chunk)
        if size > max_bytes():
            raise _too_big()
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedFile(
        file_type=file_type,
        size=size,
        sha256=digest.hexdigest(),
        original_name=clean_name(getattr(uploaded, "name", "")),
    )
