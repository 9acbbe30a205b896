"""Regenerate the user guide's screenshots (docs/guide/*.png) from the demo database.

    make guide-screenshots      # = sanlian migrate; sanlian demo; this script

Serves the configured database (the one `sanlian demo` filled) with `sanlian runserver` on a free
local port, logs in as each demo account in Debian's Chromium (never a downloaded browser) and
writes the pictures docs/guide.zh.md links. Beside the server it runs the task worker, which
checks the one import the shots upload (a members file with row errors: nothing is imported, the
job stays in the import history). The demo password comes from SANLIAN_DEMO_PASSWORD or
the var directory's demo-credentials.txt, as `sanlian demo` left it.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "guide"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/login/", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the server at {url} did not answer within {seconds:.0f} s")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanlian.settings")
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    from sanlian.management.commands.demo import PASSWORD_ENV, saved_password
    from sanlian.tests.browser import chromium_available, launch
    from sanlian.tests.guide_shots import take_shots

    password = os.environ.get(PASSWORD_ENV) or saved_password()
    if not password:
        sys.exit(f"no demo password: set {PASSWORD_ENV} or run `sanlian demo` first")
    if not chromium_available():
        sys.exit("Debian's Chromium is missing (apt-get install chromium)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    sanlian = Path(sys.executable).with_name("sanlian")
    server = subprocess.Popen([str(sanlian), "runserver", f"127.0.0.1:{port}", "--noreload"])
    # The import preview is checked by the task worker, as in production.
    worker = subprocess.Popen(
        [str(sanlian), "db_worker", "--no-startup-delay", "--interval", "0.2"]
    )
    try:
        _wait_until_up(url)
        with sync_playwright() as playwright:
            browser = launch(playwright)
            written = take_shots(browser, url, password, OUT)
            browser.close()
    finally:
        for process in (worker, server):
            process.terminate()
            process.wait(timeout=30)
    for path in written:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
