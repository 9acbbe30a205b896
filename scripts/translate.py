"""Keep the Chinese catalogues complete: a developer's tool, not part of the app.

    .venv/bin/python scripts/translate.py messages [APP]    # one app, or (no APP) the shared one
    .venv/bin/python scripts/translate.py todo [APP]        # untranslated strings as JSON
    .venv/bin/python scripts/translate.py apply FILE.json [APP]  # fill them from {msgid: 中文}

An app with its own `locale/` folder keeps its own catalogue; `messages APP` runs makemessages
inside that app only, so work on two apps never rewrites the same file.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sanlian.catalogues import catalogues, compile_all  # noqa: E402

FLAGS = [
    "-l",
    "zh_Hans",
    "--no-obsolete",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=*/tests/*",
    "--ignore=tests",
    "--ignore=conftest.py",
    "--add-location=file",
]


def _selected(app: str | None) -> list[Path]:
    found = catalogues(ROOT)
    if app is None:
        return found
    return [p for p in found if p.relative_to(ROOT).parts[0] == app]


def _apps_with_catalogues() -> list[str]:
    return sorted(p.parent.name for p in ROOT.glob("*/locale") if p.parent.name != "locale")


def messages(app: str | None) -> None:
    """One app's own catalogue, or (no app) the shared one, leaving every app catalogue alone."""
    if app and app not in _apps_with_catalogues():
        sys.exit(f"{app} has no locale/ of its own: its strings go to the shared catalogue.")
    cwd = ROOT / app if app else ROOT
    skip = [] if app else [f"--ignore={name}" for name in _apps_with_catalogues()]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="sanlian.settings", PYTHONPATH=str(ROOT))
    command = ROOT / ".venv" / "bin" / "sanlian"
    subprocess.run([str(command), "makemessages", *FLAGS, *skip], cwd=cwd, env=env, check=True)


def todo(app: str | None) -> None:
    missing = {}
    for path in _selected(app):
        for entry in polib.pofile(str(path)):
            if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags):
                missing[entry.msgid] = ""
    print(json.dumps(missing, ensure_ascii=False, indent=1))


def apply(source: str, app: str | None) -> None:
    translations = json.loads(Path(source).read_text(encoding="utf-8"))
    for path in _selected(app):
        po = polib.pofile(str(path))
        for entry in po:
            chinese = translations.get(entry.msgid)
            if not chinese:
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = {0: chinese}
            else:
                entry.msgstr = chinese
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save()
    compile_all(ROOT)


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["help"]
    if command == "messages":
        messages(rest[0] if rest else None)
    elif command == "todo":
        todo(rest[0] if rest else None)
    elif command == "apply" and rest:
        apply(rest[0], rest[1] if len(rest) > 1 else None)
    else:
        print(__doc__)
        sys.exit(2)
