"""The Chinese catalogue is complete: every string the code marks for translation has Chinese."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sanlian.catalogues import catalogues

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUES = catalogues(BASE_DIR)


def _untranslated(po: polib.POFile) -> list[str]:
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    return missing + [e.msgid for e in po if "fuzzy" in e.flags]


def test_it_finds_the_shared_catalogue_and_each_apps():
    names = {path.relative_to(BASE_DIR).parts[0] for path in CATALOGUES}
    assert {"locale", "standards", "assessments"} <= names


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_it_has_a_chinese_translation_for_every_catalogued_string(catalogue):
    assert _untranslated(polib.pofile(str(catalogue))) == []


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-z_]+\)(?:\.\d+)?[sdf]|\{[a-z_]+\}", text))


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_it_keeps_every_placeholder_in_the_chinese_text(catalogue):
    mismatched = []
    for entry in polib.pofile(str(catalogue)):
        chinese = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        source = entry.msgid_plural or entry.msgid
        if _placeholders(source) != _placeholders(chinese):
            mismatched.append(entry.msgid)
    assert mismatched == []


def _source_files(directory, names):
    return [n for n in names if n in {".venv", "var", ".git", "node_modules", "__pycache__"}]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_it_has_catalogued_every_string_the_code_marks(tmp_path):
    """makemessages over a scratch copy of the sources: nothing new and untranslated may appear
    in any catalogue, the shared one or an app's."""
    scratch = tmp_path / "src"
    shutil.copytree(BASE_DIR, scratch, ignore=_source_files)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=*/tests/*",
            "--ignore=conftest.py",
            "--no-obsolete",
        ],
        cwd=scratch,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(scratch),
            "DJANGO_SETTINGS_MODULE": "sanlian.settings",
            "SANLIAN_VAR_DIR": str(tmp_path / "var"),
        },
        check=True,
        capture_output=True,
    )
    incomplete = {
        str(path.relative_to(scratch)): _untranslated(polib.pofile(str(path)))
        for path in catalogues(scratch)
    }
    assert {name: missing for name, missing in incomplete.items() if missing} == {}


@pytest.mark.django_db
def test_it_serves_the_login_page_in_chinese_by_default():
    response = Client().get(reverse("login"))
    text = response.content.decode()
    assert '<html lang="zh-hans">' in text
    assert "登录“三联创”管理系统" in text


@pytest.mark.django_db
def test_it_serves_english_when_the_browser_asks_for_it():
    response = Client(headers={"accept-language": "en"}).get(reverse("login"))
    assert "Log in to Sanlian" in response.content.decode()
