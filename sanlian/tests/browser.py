"""Launching Debian's Chromium through Playwright. Never a downloaded browser."""

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("SANLIAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def launch(playwright):
    """A headless Chromium from the system package, for one test module."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def new_page(browser, **context_options):
    """A page in a fresh context (own cookies), Chinese unless told otherwise."""
    context_options.setdefault("locale", "zh-CN")
    context_options.setdefault("viewport", {"width": 1280, "height": 800})
    context = browser.new_context(**context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context.new_page()


def log_in(page, live_server, username: str, password: str) -> None:
    """Log in through the real login form and wait for the home page."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
