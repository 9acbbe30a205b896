"""Online backup and restore of the database, and the checks a restore drill runs.

SQLite: SQLite's online backup API copies a consistent snapshot while the app keeps serving (a
copy of the file itself could catch a half-written transaction); the copy is written beside its
destination, checked with `PRAGMA integrity_check`, synced and renamed into place. A restore checks
the file first, then copies it over the live database through the same API, which holds the write
lock for the whole copy. PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean
--single-transaction`, so a failed restore leaves the database as it was.

After a restore the database's integrity and the audit chain are checked, and the restore itself is
an audit event that continues the restored chain.
"""

import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from audit.services import VerifyReport, record_event, verify_chain
from sanlian.actions import SystemAction


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class RestoreReport:
    integrity: str
    chain: VerifyReport


def _postgres_env() -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = ["--dbname", db["NAME"], "--username", db["USER"] or ""]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(completed.stderr.strip() or f"{command[0]} exited {completed.returncode}")


def _sqlite_integrity(conn: sqlite3.Connection) -> str:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)


def database_integrity() -> str:
    """'ok', or what the database reports wrong (SQLite's integrity check; PostgreSQL keeps its
    own checksums and answers a readable catalogue)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return _sqlite_integrity(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class")
        cursor.fetchone()
    return "ok"


def backup(path: Path, record: bool = True) -> Path:
    """Write a consistent copy of the live database to `path` (replaced whole, never half), readable
    by its owner only. `record=False` leaves the audit event to the caller (sanlian.archive)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    # Created 0600 before anything is written into it (pg_dump and SQLite keep an existing mode).
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
            integrity = _sqlite_integrity(target)
        finally:
            target.close()
        if integrity != "ok":
            partial.unlink(missing_ok=True)
            raise BackupError(
                _("The copy failed its integrity check: %(report)s") % {"report": integrity}
            )
    elif connection.vendor == "postgresql":
        args, env = _postgres_env()
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), *args], env)
    else:
        raise BackupError(f"no backup for {connection.vendor}")
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    os.replace(partial, path)
    if not record:
        return path
    record_event(
        actor=None,
        action=SystemAction.BACKUP,
        object_type="database",
        object_label=path.name,
        after={"file": path.name, "bytes": path.stat().st_size},
    )
    return path


def restore(path: Path) -> RestoreReport:
    """Replace the live database by the backup at `path`; then check it and its audit chain."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No backup at %(path)s.") % {"path": path})
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            try:
                integrity = _sqlite_integrity(source)
            except sqlite3.DatabaseError as error:
                integrity = str(error)
            if integrity != "ok":
                raise BackupError(
                    _("The backup failed its integrity check: %(report)s") % {"report": integrity}
                )
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        args, env = _postgres_env()
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                *args,
                str(path),
            ],
            env,
        )
    else:
        raise BackupError(f"no restore for {connection.vendor}")
    report = RestoreReport(database_integrity(), verify_chain())
    record_event(
        actor=None,
        action=SystemAction.RESTORE,
        object_type="database",
        object_label=path.name,
        after={
            "file": path.name,
            "integrity": report.integrity,
            "chain_ok": report.chain.ok,
            "events": report.chain.checked,
        },
    )
    return report
