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

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _untranslated(po: polib.POFile) -> list[str]:
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    return missing + [e.msgid for e in po if "fuzzy" in e.flags]


def test_it_has_a_chinese_translation_for_every_catalogued_string():
    assert _untranslated(polib.pofile(str(CATALOGUE))) == []


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-z_]+\)(?:\.\d+)?[sdf]|\{[a-z_]+\}", text))


def test_it_keeps_every_placeholder_in_the_chinese_text():
    mismatched = []
    for entry in polib.pofile(str(CATALOGUE)):
        chinese = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        source = entry.msgid_plural or entry.msgid
        if _placeholders(source) != _placeholders(chinese):
            mismatched.append(entry.msgid)
    assert mismatched == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_it_has_catalogued_every_string_the_code_marks(tmp_path):
    """makemessages into a scratch copy: nothing new and untranslated may appear."""
    scratch = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    scratch.mkdir(parents=True)
    shutil.copy(CATALOGUE, scratch / "django.po")
    (tmp_path / "scratch_settings.py").write_text(
        f"from sanlian.settings import *  # noqa\nLOCALE_PATHS = [{str(tmp_path / 'locale')!r}]\n"
    )
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
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": f"{tmp_path}:{settings.BASE_DIR}",
            "DJANGO_SETTINGS_MODULE": "scratch_settings",
            "SANLIAN_VAR_DIR": str(tmp_path / "var"),
        },
        check=True,
        capture_output=True,
    )
    assert _untranslated(polib.pofile(str(scratch / "django.po"))) == []


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
