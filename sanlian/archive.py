"""`sanlian backup` / `sanlian restore` of a whole installation: one tar file, mode 0600, holding
the database (sanlian.backup's consistent copy), every uploaded file and a manifest (versions,
migrations, key fingerprint, counts, audit head, each file's SHA-256).

The key itself is not in the archive: it is kept apart, in two sealed copies (docs/deploy.zh.md);
the manifest's fingerprint lets a restore refuse a key that could not read the data. A restore
checks every file against the manifest before touching anything, restores the database, puts the
uploaded files in place (the previous ones are kept beside them), then checks the audit chain, the
backed-up head, the counts and every evidence file.
"""

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import django
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import VerifyReport, current_head, record_event
from sanlian.actions import SystemAction
from sanlian.backup import BackupError, backup, restore
from sanlian.evidence import EvidenceReport, verify_evidence
from sanlian.keys import fingerprint

MANIFEST = "manifest.json"
FORMAT = "sanlian-backup-1"


def app_version() -> str:
    try:
        return version("sanlian")
    except PackageNotFoundError:  # pragma: no cover - a checkout without install
        return "unknown"


def counts() -> dict[str, int]:
    from orgs.models import OrgUnit
    from registers.models import Evidence, Member, ServiceActivity, Training

    return {
        "units": OrgUnit.objects.count(),
        "members": Member.objects.count(),
        "trainings": Training.objects.count(),
        "activities": ServiceActivity.objects.count(),
        "evidence": Evidence.objects.count(),
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".readyz-"))


def _private_file(path: Path):
    """Opened for writing, readable by its owner only from its first byte."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def write_archive(path: Path) -> dict:
    """Writes the archive (replaced whole, never half) and returns its manifest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    database_name = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    head, figures = current_head(), counts()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as scratch:
        database = backup(Path(scratch) / database_name, record=False)
        media_root = Path(settings.MEDIA_ROOT)
        media = _media_files()
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "versions": {
                "sanlian": app_version(),
                "django": django.get_version(),
                "database": connection.vendor,
            },
            "migrations": sorted(
                f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
            ),
            "key_fingerprint": fingerprint(settings.PII_KEY),
            "audit_head": list(head),
            "counts": figures,
            "files": {
                database_name: _sha256(database),
                **{f"media/{p.relative_to(media_root).as_posix()}": _sha256(p) for p in media},
            },
        }
        partial = path.with_name(path.name + ".partial")
        with _private_file(partial) as handle, tarfile.open(fileobj=handle, mode="w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(database, arcname=database_name)
            for file in media:
                tar.add(file, arcname=f"media/{file.relative_to(media_root).as_posix()}")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    record_event(
        actor=None,
        action=SystemAction.BACKUP,
        object_type="database",
        object_label=path.name,
        after={"file": path.name, "bytes": path.stat().st_size, "media_files": len(media)},
    )
    return manifest


@dataclass
class ArchiveRestoreReport:
    integrity: str
    chain: VerifyReport
    head_found: bool
    count_differences: dict[str, tuple[int, int]]
    evidence: EvidenceReport
    media_files: int
    previous_media: Path | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.chain.ok and self.head_found and self.evidence.ok


def is_archive(path: Path) -> bool:
    return Path(path).is_file() and tarfile.is_tarfile(path)


def _unpack_and_check(path: Path, into: Path) -> dict:
    with tarfile.open(path) as tar:
        tar.extractall(into, filter="data")
    manifest_path = into / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(_("%(path)s is not a Sanlian backup (no manifest).") % {"path": path})
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s is not a Sanlian backup (no manifest).") % {"path": path})
    for name, expected in manifest["files"].items():
        file = into / name
        if not file.is_file() or _sha256(file) != expected:
            raise BackupError(
                _("The backup is damaged: %(file)s does not match its manifest.") % {"file": name}
            )
    return manifest


def restore_archive(path: Path) -> ArchiveRestoreReport:
    path = Path(path)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as scratch:
        unpacked = Path(scratch)
        manifest = _unpack_and_check(path, unpacked)
        current = fingerprint(settings.PII_KEY)
        if manifest["key_fingerprint"] != current:
            raise BackupError(
                _(
                    "This backup's personal information is encrypted with the key whose "
                    "fingerprint is %(backup)s; the configured key's is %(current)s. Configure "
                    "the backed-up installation's key, then restore."
                )
                % {"backup": manifest["key_fingerprint"], "current": current}
            )
        if manifest["versions"]["database"] != connection.vendor:
            raise BackupError(
                _("This backup is of a %(backup)s database; this installation uses %(current)s.")
                % {"backup": manifest["versions"]["database"], "current": connection.vendor}
            )
        database = next(unpacked.glob("database.*"))
        restored = restore(database)
        previous = None
        if media_root.exists():
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            previous = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
            os.replace(media_root, previous)
        new_media = unpacked / "media"
        if new_media.is_dir():
            shutil.move(str(new_media), str(media_root))
        else:
            media_root.mkdir()
    seq, expected_hash = manifest["audit_head"]
    head_found = seq == 0 or AuditEvent.objects.filter(seq=seq, hash=expected_hash).exists()
    now = counts()
    differences = {
        name: (manifest["counts"][name], now.get(name, 0))
        for name in manifest["counts"]
        if manifest["counts"][name] != now.get(name, 0)
    }
    media_files = sum(1 for name in manifest["files"] if name.startswith("media/"))
    return ArchiveRestoreReport(
        integrity=restored.integrity,
        chain=restored.chain,
        head_found=head_found,
        count_differences=differences,
        evidence=verify_evidence(),
        media_files=media_files,
        previous_media=previous,
    )
