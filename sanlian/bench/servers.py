"""The servers that `sanlian bench load` runs on the test database: gunicorn and a task worker on a
free port, started and stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)


# Servers ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment() -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "sanlian.settings")
    env["SANLIAN_DEBUG"] = "false"  # measure without DEBUG's query log
    return env


def start_servers(processes: int, workers: int, port: int) -> list[subprocess.Popen]:
    binary = Path(sys.executable).parent
    started = [
        subprocess.Popen(
            [
                str(binary / "gunicorn"),
                "sanlian.wsgi:application",
                "--workers",
                str(processes),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=_environment(),
            start_new_session=True,
        )
    ]
    for _ in range(workers):
        started.append(
            subprocess.Popen(
                [str(binary / "sanlian"), "db_worker", "--interval", "1"],
                cwd=BASE_DIR,
                env=_environment(),
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    return started


def stop_servers(started: list[subprocess.Popen]) -> None:
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_serving(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + reverse("login"), timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")
