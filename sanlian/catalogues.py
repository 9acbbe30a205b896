"""Compile the gettext catalogues (.po → .mo) in pure Python, so installs need no gettext.

The project catalogue lives in `locale/`; each newer app keeps its own in `<app>/locale/`, so that
work on different apps never edits the same catalogue."""

import sys
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"


def catalogues(base_dir: Path = BASE_DIR) -> list[Path]:
    """Every .po file of the project: the shared one and each app's."""
    found = sorted((base_dir / "locale").glob("*/LC_MESSAGES/*.po"))
    found += sorted(base_dir.glob("*/locale/*/LC_MESSAGES/*.po"))
    return found


def compile_all(base_dir: Path = BASE_DIR) -> list[Path]:
    written = []
    for po_path in catalogues(base_dir):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(f"compiled {path}", file=sys.stderr)
