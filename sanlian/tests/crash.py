"""Killing a writer with SIGKILL mid-transaction, for the durability tests (security.md: an
acknowledged write survives `kill -9` at any moment; nothing half-applied remains).

The writer is a separate Python process on the test database (SQLite's in-memory test database is
copied to a file for it, and the file, with whatever journal the kill left, is copied back after).
Its script prints `ACK …` after each committed write and `INFLIGHT` from inside the transaction it
is to die in, then waits; the test kills it there.
"""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]

PRELUDE = """
import json, os, sys, time
import django
django.setup()
ARGS = json.loads(os.environ["CRASH_ARGS"])

def ack(*what):
    print("ACK", *what, flush=True)

def die_here():
    print("INFLIGHT", flush=True)
    time.sleep(120)
    sys.exit("not killed")
"""


def database_url(tmp_path: Path) -> str:
    """The test database as a URL another process can open."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "127.0.0.1"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{credentials}@{host}{port}/{db['NAME']}"
    path = tmp_path / "crash.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    with target:
        connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def left_a_hot_journal(url: str) -> bool:
    """Whether the killed SQLite writer left its rollback journal (or WAL) behind: it died with a
    transaction open. True on PostgreSQL, whose server rolls back a dead client's transaction."""
    if not url.startswith("sqlite:///"):
        return True
    path = Path(url.removeprefix("sqlite:///"))
    journals = (path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"))
    return any(j.exists() and j.stat().st_size > 0 for j in journals)


def sqlite_integrity(url: str) -> str:
    """Open the file as the next process would (rolling back a hot journal) and check it."""
    if not url.startswith("sqlite:///"):
        return "ok"
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def take_back(url: str) -> None:
    """Make the test's connection see what the killed process left."""
    if connection.vendor != "sqlite":
        connection.close()  # a fresh connection: the killed backend's locks are gone
        return
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    connection.ensure_connection()
    source.backup(connection.connection)
    source.close()


def run_until_killed(script: str, url: str, tmp_path: Path, args: str) -> list[str]:
    """Run the script; SIGKILL it when it says INFLIGHT. Returns the ACK lines it printed.
    Fails if it ends without reaching INFLIGHT."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SANLIAN_VAR_DIR": str(tmp_path),
        "SANLIAN_SECRET_KEY": settings.SECRET_KEY,
        "SANLIAN_PII_KEY": settings.PII_KEY,
        "DJANGO_SETTINGS_MODULE": "sanlian.settings",
        "CRASH_ARGS": args,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + script],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acks = []
    try:
        for line in process.stdout:
            if line.startswith("ACK"):
                acks.append(line.split(maxsplit=1)[1].strip() if " " in line.strip() else "")
            elif line.strip() == "INFLIGHT":
                os.kill(process.pid, signal.SIGKILL)
                break
        else:
            process.wait(timeout=60)
            raise AssertionError(f"the writer ended without being killed: {process.stderr.read()}")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    return acks


# A real gunicorn worker killed in the middle of a request ------------------------------------

# The gunicorn configuration of a drill: each worker pauses inside the transaction that appends
# the audit event named by DRILL_PAUSE_AT (the service's own rows written, not committed), says so
# by writing its pid to DRILL_INFLIGHT, and waits there to be killed. No hook in the product.
PAUSING_WORKER = """
import os, time
from pathlib import Path

def post_worker_init(worker):
    from django.db.models.signals import post_save
    from audit.models import AuditEvent

    def pause(sender, instance, **kwargs):
        if instance.action == os.environ["DRILL_PAUSE_AT"]:
            Path(os.environ["DRILL_INFLIGHT"]).write_text(str(os.getpid()))
            time.sleep(120)

    post_save.connect(pause, sender=AuditEvent, weak=False)
"""


def _server_environment(url: str, tmp_path: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SANLIAN_VAR_DIR": str(tmp_path),
        "SANLIAN_SECRET_KEY": settings.SECRET_KEY,
        "SANLIAN_PII_KEY": settings.PII_KEY,
        "SANLIAN_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "sanlian.settings",
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition, what: str, seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds:.0f} s")
        time.sleep(0.05)


def _serving(base: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def kill_web_worker_mid_request(url: str, tmp_path: Path, pause_at: str, send) -> object:
    """Start gunicorn (one worker) on 127.0.0.1 against the test database, call `send(base)` in a
    thread, SIGKILL the worker once it is inside the transaction of the event `pause_at`, stop the
    server, and return what `send` returned or raised (the client's view of the request)."""
    import threading

    config = tmp_path / "drill_gunicorn.py"
    config.write_text(PAUSING_WORKER)
    inflight = tmp_path / "inflight.pid"
    port = _free_port()
    env = _server_environment(url, tmp_path, DRILL_PAUSE_AT=pause_at, DRILL_INFLIGHT=str(inflight))
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "sanlian.wsgi:application",
            "--config",
            str(config),
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    outcome: list[object] = []
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _serving(base), "gunicorn answering")

        def run() -> None:
            try:
                outcome.append(send(base))
            except Exception as error:  # the client's view of a killed request
                outcome.append(error)

        client = threading.Thread(target=run)
        client.start()
        _wait_for(
            lambda: (inflight.exists() and inflight.read_text()) or outcome,
            "the request pausing inside its transaction",
        )
        assert not outcome, f"the request ended without pausing: {outcome}"
        os.kill(int(inflight.read_text()), signal.SIGKILL)
        client.join(60)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(60)
    return outcome[0]


def send_json(base: str, method: str, path: str, body: dict, token: str, key: str = "") -> int:
    """One API request with a token (and an Idempotency-Key); its status (raises when the
    connection dies)."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            **({"Idempotency-Key": key} if key else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
