"""Database configuration: SQLite by default, anything else through DATABASE_URL."""

import sqlite3
from pathlib import Path

import dj_database_url

from sanlian.env import SettingError

# SQLite fixed a WAL-reset corruption bug under concurrent writers in 3.51.3; before that the
# rollback journal is the durable choice (docs/decisions.md).
WAL_SAFE_SQLITE = (3, 51, 3)
SQLITE_BUSY_TIMEOUT_SECONDS = 20


def sqlite_journal_mode(version: tuple[int, int, int] | None = None) -> str:
    version = version or sqlite3.sqlite_version_info
    return "WAL" if tuple(version) >= WAL_SAFE_SQLITE else "DELETE"


def database_from_url(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise SettingError(f"DATABASE_URL={url!r} is not a database URL: {error}") from error
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "transaction_mode": "IMMEDIATE",
            # No mmap_size on purpose: memory-mapped I/O bypasses SQLite's own error handling.
            "init_command": (
                f"PRAGMA journal_mode={sqlite_journal_mode()};"
                "PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON;"
            ),
        }
    elif engine == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})
    else:
        raise SettingError(f"DATABASE_URL must be sqlite:// or postgres://, got {engine!r}.")
    config["TEST"] = {"NAME": None}
    return config


def default_sqlite_url(var_dir: Path) -> str:
    """The development database: a file under SANLIAN_VAR_DIR, as docs/configuration.md says."""
    return f"sqlite:///{var_dir / 'sanlian.sqlite3'}"
