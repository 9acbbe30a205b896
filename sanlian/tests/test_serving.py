"""Serving a real installation: gunicorn's settings, the database a production install names, the
static manifest check, `sanlian upgrade`, and a wheel that carries every compiled catalogue."""

import runpy
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import polib
import pytest
from django.conf import settings

from sanlian.catalogues import catalogues
from sanlian.tests.test_settings import _clean_env, _production_env, _run

BASE_DIR = Path(settings.BASE_DIR)


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'prod.sqlite3'}"


# gunicorn


def test_it_gives_gunicorn_a_timeout_long_enough_for_exports(monkeypatch):
    for name in ("SANLIAN_BIND", "SANLIAN_WEB_WORKERS", "SANLIAN_WEB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert config["wsgi_app"] == "sanlian.wsgi:application"
    assert config["timeout"] >= 120
    assert config["graceful_timeout"] > 0 and config["max_requests"] > 0
    assert config["bind"] == "127.0.0.1:8000"


def test_it_lets_the_environment_choose_gunicorns_address_and_workers(monkeypatch):
    monkeypatch.setenv("SANLIAN_BIND", "0.0.0.0:8123")
    monkeypatch.setenv("SANLIAN_WEB_WORKERS", "3")
    config = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert (config["bind"], config["workers"]) == ("0.0.0.0:8123", 3)


# The database


def test_it_refuses_production_without_a_database_url(tmp_path):
    env = _production_env(tmp_path)
    env.pop("DATABASE_URL", None)
    completed = _run(["manage.py", "check"], env)
    assert completed.returncode != 0
    assert "生产环境必须设置 DATABASE_URL" in completed.stderr


def test_it_keeps_the_development_database_under_the_var_dir(tmp_path):
    script = "import django; django.setup(); from django.conf import settings as s; "
    script += "print(s.DATABASES['default']['NAME'])"
    completed = _run(["-c", script], _clean_env(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == str(tmp_path / "sanlian.sqlite3")


# Static files and `sanlian upgrade`


def test_it_fails_the_check_clearly_when_the_static_files_were_not_collected(tmp_path):
    env = _production_env(tmp_path, DATABASE_URL=_sqlite(tmp_path))
    completed = _run(["manage.py", "check"], env)
    assert completed.returncode != 0
    assert "sanlian.E001" in completed.stderr
    assert "sanlian upgrade" in completed.stderr


def test_it_upgrades_an_empty_installation_until_the_deployment_checks_pass(tmp_path):
    env = _production_env(tmp_path, DATABASE_URL=_sqlite(tmp_path))
    upgrade = subprocess.run(
        [sys.executable, "manage.py", "upgrade"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # migrating an empty database takes about a minute on a busy machine
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "4/4" in upgrade.stdout
    assert (tmp_path / "static" / "staticfiles.json").exists()
    check = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "sanlian.I001" in check.stderr and "SQLite" in check.stderr


# The wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # The files a clean clone has (tracked and new, never ignored ones): no compiled catalogue.
    source = out / "clone"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (BASE_DIR / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(BASE_DIR / name, source / name)
    assert not list(source.glob("**/*.mo"))
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps"]
    subprocess.run([*command, "-w", str(out), str(source)], check=True, timeout=600)
    return next(out.glob("sanlian-*.whl"))


def test_it_builds_a_wheel_holding_every_catalogue_compiled(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"sanlian/project_locale/zh_Hans/LC_MESSAGES/django.mo"}
    for po in catalogues(BASE_DIR):
        relative = po.relative_to(BASE_DIR).with_suffix(".mo")
        if relative.parts[0] != "locale":
            expected.add(relative.as_posix())
    assert expected - names == set()


WHEEL_PROBE = """
import json, sys, django
django.setup()
from django.conf import settings
from django.test import Client
from django.utils import translation
import polib
translation.activate("zh-hans")
answers = {}
for po_path, msgid in json.loads(sys.argv[1]):
    answers[msgid] = translation.gettext(msgid)
page = Client().get("/login/")
print(json.dumps({"base": str(settings.BASE_DIR), "answers": answers,
                  "status": page.status_code, "page": page.content.decode()}))
"""


def _sample_entries() -> list[tuple[str, str, str]]:
    """One string from each catalogue that no other catalogue (or Django) defines."""
    pos = {po: polib.pofile(str(po)) for po in catalogues(BASE_DIR)}
    counts: dict[str, int] = {}
    for entries in pos.values():
        for entry in entries:
            counts[entry.msgid] = counts.get(entry.msgid, 0) + 1
    samples = []
    for po, entries in pos.items():
        entry = next(
            e
            for e in entries
            if counts[e.msgid] == 1
            and not e.msgid_plural
            and "%" not in e.msgid
            and len(e.msgid) > 25
            and e.msgstr
        )
        samples.append((str(po), entry.msgid, entry.msgstr))
    return samples


def test_it_serves_chinese_from_the_installed_wheel_alone(wheel, tmp_path):
    import json

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    samples = _sample_entries()
    env = _clean_env(tmp_path, PYTHONPATH=str(site), DATABASE_URL=_sqlite(tmp_path))
    completed = subprocess.run(
        [sys.executable, "-c", WHEEL_PROBE, json.dumps([(p, m) for p, m, _ in samples])],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    assert answer["base"] == str(site)
    assert answer["answers"] == {msgid: chinese for _, msgid, chinese in samples}
    assert answer["status"] == 200 and "登录" in answer["page"]
