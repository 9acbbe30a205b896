"""Settings: environment readers fail loudly, SQLite is durable, production passes --deploy."""

import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from sanlian.database import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    database_from_url,
    sqlite_journal_mode,
)
from sanlian.env import SettingError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(settings.BASE_DIR)
VAR = "SANLIAN_TEST_SETTING"


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The current environment without any of our settings, plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SANLIAN_") and key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DJANGO_SETTINGS_MODULE="sanlian.settings", SANLIAN_VAR_DIR=str(tmp_path))
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    values = {
        "SANLIAN_ENV": "production",
        "SANLIAN_SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "SANLIAN_ALLOWED_HOSTS": "example.org",
        "SANLIAN_PII_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    values.update(overrides)
    env = _clean_env(tmp_path, **values)
    for key in [k for k, v in env.items() if v == ""]:
        del env[key]
    return env


# Environment readers


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_it_rejects_a_boolean_that_is_not_one(monkeypatch, value):
    monkeypatch.setenv(VAR, value)
    with pytest.raises(SettingError, match=VAR):
        env_bool(VAR, False)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("On", True), ("0", False)])
def test_it_reads_booleans(monkeypatch, value, expected):
    monkeypatch.setenv(VAR, value)
    assert env_bool(VAR, not expected) is expected


def test_it_uses_the_default_for_an_unset_boolean(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    assert env_bool(VAR, True) is True


def test_it_rejects_an_integer_that_is_not_one(monkeypatch):
    monkeypatch.setenv(VAR, "abc")
    with pytest.raises(SettingError, match="not an integer"):
        env_int(VAR, 5)


def test_it_rejects_an_integer_below_its_minimum(monkeypatch):
    monkeypatch.setenv(VAR, "0")
    with pytest.raises(SettingError, match="below the minimum 1"):
        env_int(VAR, 5, minimum=1)
    monkeypatch.setenv(VAR, "7")
    assert env_int(VAR, 5, minimum=1) == 7


def test_it_requires_a_string_without_default(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    with pytest.raises(SettingError, match=f"{VAR} is required"):
        env_str(VAR)


def test_it_rejects_a_choice_outside_the_list(monkeypatch):
    monkeypatch.setenv(VAR, "staging")
    with pytest.raises(SettingError, match="development, production"):
        env_choice(VAR, "development", {"development", "production"})


def test_it_splits_lists_and_drops_blanks(monkeypatch):
    monkeypatch.setenv(VAR, " a.example , ,b.example")
    assert env_list(VAR, []) == ["a.example", "b.example"]


# SQLite durability


@pytest.mark.parametrize(
    ("version", "mode"),
    [
        ((3, 40, 1), "DELETE"),
        ((3, 46, 1), "DELETE"),
        ((3, 51, 2), "DELETE"),
        ((3, 51, 3), "WAL"),
        ((3, 52, 0), "WAL"),
        ((4, 0, 0), "WAL"),
    ],
)
def test_it_picks_wal_only_from_sqlite_3_51_3(version, mode):
    assert sqlite_journal_mode(version) == mode


def test_it_configures_sqlite_without_mmap_and_with_a_busy_timeout(tmp_path):
    config = database_from_url(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    options = config["OPTIONS"]
    assert options["timeout"] == SQLITE_BUSY_TIMEOUT_SECONDS > 0
    assert options["transaction_mode"] == "IMMEDIATE"
    assert f"journal_mode={sqlite_journal_mode()}" in options["init_command"]
    assert "mmap" not in options["init_command"].lower()
    assert config["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize("url", ["mysql://u:p@localhost/db", "not a url at all"])
def test_it_rejects_database_urls_it_does_not_support(url):
    with pytest.raises(SettingError, match="DATABASE_URL"):
        database_from_url(url)


def _pragma(cursor, name):
    cursor.execute(f"PRAGMA {name}")
    row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.django_db
def test_it_opens_the_live_sqlite_connection_durably():
    if connection.vendor != "sqlite":
        pytest.skip(f"the test database is {connection.vendor}, not SQLite")
    with connection.cursor() as cursor:
        assert _pragma(cursor, "busy_timeout") == SQLITE_BUSY_TIMEOUT_SECONDS * 1000
        assert _pragma(cursor, "foreign_keys") == 1
        assert _pragma(cursor, "synchronous") == 2  # FULL
        journal, mmap_size = _pragma(cursor, "journal_mode"), _pragma(cursor, "mmap_size")
    if connection.is_in_memory_db():
        # An in-memory test database has no journal file and nothing to map; the file
        # database tests below check the same settings on a real file.
        assert (journal, mmap_size) == ("memory", None)
    else:
        assert (journal, mmap_size) == (sqlite_journal_mode().lower(), 0)


PROBE = """
import json, sqlite3
import django
django.setup()
from django.db import connection, transaction

def pragma(name):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA " + name)
        return cursor.fetchone()[0]

result = {name: pragma(name) for name in
          ("journal_mode", "busy_timeout", "mmap_size", "synchronous", "foreign_keys")}
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS t (x integer)")
other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
with transaction.atomic():
    # No write yet: an IMMEDIATE transaction already holds the write lock.
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        result["locked_at_begin"] = False
    except sqlite3.OperationalError as error:
        result["locked_at_begin"] = "locked" in str(error)
result["vendor"] = connection.vendor
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def file_database(tmp_path_factory):
    """Pragmas of a SQLite file database opened through the real settings, in a subprocess."""
    tmp_path = tmp_path_factory.mktemp("sqlite-probe")
    url = f"sqlite:///{tmp_path / 'probe.sqlite3'}"
    completed = _run(["-c", PROBE], _clean_env(tmp_path, DATABASE_URL=url))
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_it_uses_the_journal_mode_chosen_for_this_sqlite(file_database):
    assert file_database["vendor"] == "sqlite"
    assert file_database["journal_mode"] == sqlite_journal_mode().lower()
    if sqlite3.sqlite_version_info < (3, 51, 3):
        assert file_database["journal_mode"] == "delete"


def test_it_waits_for_locks_instead_of_failing_at_once(file_database):
    assert file_database["busy_timeout"] == SQLITE_BUSY_TIMEOUT_SECONDS * 1000


def test_it_never_memory_maps_the_database_file(file_database):
    assert file_database["mmap_size"] == 0


def test_it_syncs_fully_and_enforces_foreign_keys(file_database):
    assert file_database["synchronous"] == 2
    assert file_database["foreign_keys"] == 1


def test_it_starts_transactions_immediate(file_database):
    assert file_database["locked_at_begin"] is True


# Production settings


# `check --deploy` passing after `sanlian upgrade`: sanlian/tests/test_serving.py.


def test_it_sets_secure_cookies_in_production(tmp_path):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS > 0, s.SESSION_COOKIE_AGE, s.SESSION_ABSOLUTE_SECONDS]))"
    )
    completed = _run(["-c", script], _production_env(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [
        False,
        True,
        True,
        "Lax",
        True,
        True,
        True,
        1800,
        12 * 3600,
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SANLIAN_SECRET_KEY": ""}, "SANLIAN_SECRET_KEY is required"),
        ({"SANLIAN_SECRET_KEY": "too-short"}, "SANLIAN_SECRET_KEY must be at least 50"),
        ({"SANLIAN_ALLOWED_HOSTS": ""}, "SANLIAN_ALLOWED_HOSTS is required"),
        ({"SANLIAN_DEBUG": "true"}, "SANLIAN_DEBUG cannot be true"),
        ({"SANLIAN_DEBUG": "maybe"}, "SANLIAN_DEBUG='maybe' is not a boolean"),
        ({"SANLIAN_ENV": "staging"}, "SANLIAN_ENV='staging' must be one of"),
        ({"SANLIAN_PII_KEY": ""}, "SANLIAN_PII_KEY is required"),
        ({"SANLIAN_PII_KEY": "not-a-key"}, "SANLIAN_PII_KEY is not a valid key"),
    ],
)
def test_it_refuses_to_start_with_bad_production_settings(tmp_path, overrides, message):
    completed = _run(["manage.py", "check"], _production_env(tmp_path, **overrides))
    assert completed.returncode != 0
    assert "SettingError" in completed.stderr
    assert message in completed.stderr


COOKIE_PROBE = """
import json, sys, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings

# Only the static files' storage differs: the manifest is written by collectstatic at deployment.
storages = {**settings.STORAGES}
storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES=storages):
    client = Client(HTTP_HOST="example.org")
    page = client.get("/login/", secure=True)
    login = client.post(
        "/login/", {"username": sys.argv[1], "password": sys.argv[2]}, secure=True
    )
cookies = {**page.cookies, **login.cookies}
names = {"session": settings.SESSION_COOKIE_NAME, "csrf": settings.CSRF_COOKIE_NAME}
print(json.dumps({
    "status": [page.status_code, login.status_code],
    **{
        kind: {
            "secure": bool(cookies[name]["secure"]),
            "httponly": bool(cookies[name]["httponly"]),
            "samesite": cookies[name]["samesite"],
        }
        for kind, name in names.items()
    },
}))
"""


@pytest.mark.django_db(transaction=True)
def test_it_sends_secure_httponly_samesite_cookies_at_a_production_login(
    live_seeded, township_officer, tmp_path
):
    """The cookies a browser gets from the production settings, as sent: the login page's CSRF
    cookie and the session cookie of a successful login."""
    from conftest import PASSWORD
    from sanlian.tests import crash

    url = crash.database_url(tmp_path)
    env = _production_env(tmp_path, DATABASE_URL=url, SANLIAN_PII_KEY=settings.PII_KEY)
    completed = _run(["-c", COOKIE_PROBE, township_officer.username, PASSWORD], env)
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    assert answer["status"] == [200, 302]
    assert answer["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert answer["csrf"]["secure"] is True
    assert answer["csrf"]["samesite"] == "Lax"
