"""The end-to-end install, as docs/deploy.zh.md says, on PostgreSQL (it runs in the PostgreSQL
run only): a clean copy of the code installed into a fresh virtual environment, keys generated,
`sanlian upgrade`, gunicorn with deploy/gunicorn.conf.py and the worker in production mode, a login
over plain HTTP through the intranet setting, the home page in Chinese, an import that the worker
finishes, and /readyz 200; then the same installation started with a wrong key refuses to start,
saying why.

To stay within a few minutes the fresh environment borrows the already installed dependencies
(a .pth line) instead of downloading them again; the project itself is built and installed from
the copy like any `pip install`, so its compiled catalogues come from the wheel build."""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import site
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
PASSWORD = "Sanlian-Install-2026"
VILLAGE_CODE = "990101001001"  # the village `sanlian generate --seed 1` makes
pytestmark = pytest.mark.install


@pytest.fixture(scope="module")
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the install test runs in the PostgreSQL run")
    import psycopg

    db = connection.settings_dict
    name = f"sanlian_install_{uuid.uuid4().hex[:8]}"
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db["USER"],
        "password": db.get("PASSWORD") or "",
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = urllib.parse.quote(params["user"]) + ":" + urllib.parse.quote(params["password"])
    yield f"postgres://{credentials}@{params['host']}:{params['port']}/{name}", params, name
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy_clean_clone(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (BASE_DIR / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(BASE_DIR / name, target / name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory, postgres):
    """The guide's steps 1–5: code, environment, keys and settings, `sanlian upgrade`, a tree."""
    url, _params, _name = postgres
    root = tmp_path_factory.mktemp("install")
    app, venv, var = root / "app", root / "venv", root / "var"
    _copy_clean_clone(app)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = next(venv.glob("lib/python3*/site-packages"))
    (packages / "borrowed.pth").write_text(site.getsitepackages()[0] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(packages),
            str(app),
        ],
        check=True,
        timeout=600,
    )
    python = venv / "bin" / "python"
    keys = root / "sanlian.keys"
    generated = subprocess.run(
        [python, "-m", "sanlian.cli", "keys", "generate", "--output", str(keys)],
        cwd=root,
        capture_output=True,
        text=True,
        env=_base_env(var),
    )
    assert generated.returncode == 0, generated.stderr
    env = _base_env(var)
    env.update(line.split("=", 1) for line in keys.read_text().splitlines())
    env.update(
        SANLIAN_ENV="production",
        DATABASE_URL=url,
        SANLIAN_ALLOWED_HOSTS="127.0.0.1,localhost",
        SANLIAN_ALLOW_PLAIN_HTTP="true",
    )
    timings = {}

    def sanlian(*args, check=True):
        started = time.monotonic()
        done = subprocess.run(
            [python, "-m", "sanlian.cli", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        timings[" ".join(args[:2])] = round(time.monotonic() - started, 1)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    sanlian("upgrade")
    sanlian("generate", "--townships", "1", "--villages-per-township", "1", "--seed", "1")
    script = (
        "from accounts.services import do_create_user, do_grant_role;"
        "from orgs.models import OrgUnit;"
        f"u = do_create_user(None, username='village', password='{PASSWORD}');"
        f"do_grant_role(None, u, OrgUnit.objects.get(division_code='{VILLAGE_CODE}'), "
        "'village_operator')"
    )
    sanlian("shell", "-c", script)
    return {
        "root": root,
        "app": app,
        "python": python,
        "env": env,
        "sanlian": sanlian,
        "timings": timings,
    }


def _base_env(var: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SANLIAN_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(SANLIAN_VAR_DIR=str(var), SANLIAN_LOG_FORMAT="json")
    return env


def _start(installed, env, port, log):
    gunicorn = subprocess.Popen(
        [
            installed["python"],
            "-m",
            "gunicorn",
            "-c",
            str(installed["app"] / "deploy" / "gunicorn.conf.py"),
        ],
        cwd=installed["root"],
        env={**env, "SANLIAN_BIND": f"127.0.0.1:{port}", "SANLIAN_WEB_WORKERS": "2"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return gunicorn


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Browser:
    """Just enough of a browser: cookies, CSRF, form posts, multipart uploads."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def open(self, path, data=None, headers=None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        request.add_header("Accept-Language", "zh-CN,zh;q=0.9")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()
        except urllib.error.URLError:  # not listening yet
            return 0, "", ""

    def post(self, path, fields):
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.csrf()}).encode()
        return self.open(path, body, {"Referer": self.base + path})

    def upload(self, path, fields, file_field, file_name, content):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in {**fields, "csrfmiddlewaretoken": self.csrf()}.items():
            disposition = f'Content-Disposition: form-data; name="{name}"'
            parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{file_name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Referer": self.base + path,
        }
        return self.open(path, b"".join(parts), headers)


def _wait_until(check, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out")


def _job(params, name, job_id):
    import psycopg

    with psycopg.connect(dbname=name, **params) as db:
        return db.execute(
            "SELECT status, stage, report FROM jobs_importjob WHERE id = %s", (job_id,)
        ).fetchone()


def _members_csv() -> bytes:
    from registers.tests.import_files import HEADER, member_row

    rows = [member_row(n, **{"所属村(居)代码": VILLAGE_CODE}) for n in range(1, 6)]
    # generate's village has no groups of this name: leave the group empty
    rows = [
        [("" if h == "所属小组" else value) for h, value in zip(HEADER, row, strict=True)]
        for row in rows
    ]
    lines = [",".join(HEADER), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_it_installs_serves_imports_and_is_ready_as_the_guide_says(installed, postgres, tmp_path):
    _url, params, name = postgres
    env, port = installed["env"], _free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    worker_log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    gunicorn = _start(installed, env, port, log)
    worker = subprocess.Popen(
        [installed["python"], "-m", "sanlian.cli", "db_worker", "--no-reload", "--interval", "0.5"],
        cwd=installed["root"],
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    browser = Browser(f"http://127.0.0.1:{port}")
    try:
        _wait_until(
            lambda: browser.open("/healthz")[0] == 200 if gunicorn.poll() is None else True, 60
        )
        assert gunicorn.poll() is None, (tmp_path / "gunicorn.log").read_text()

        status, _, page = browser.open("/login/")
        assert status == 200 and "登录" in page
        status, where, page = browser.post("/login/", {"username": "village", "password": PASSWORD})
        assert status == 200 and where.rstrip("/").endswith(str(port)), page[:500]
        assert "工作台" in page  # the home page, in Chinese

        browser.open("/registers/import/")
        status, where, _page = browser.upload(
            "/registers/import/", {"kind": "members"}, "file", "会员.csv", _members_csv()
        )
        job_id = re.search(r"/registers/import/([0-9a-f-]{36})/", where).group(1)
        _wait_until(lambda: _job(params, name, job_id)[0] in {"done", "failed"})
        job_status, stage, report = _job(params, name, job_id)
        assert (job_status, stage) == ("done", "preview"), report
        browser.post(f"/registers/import/{job_id}/confirm/", {})
        _wait_until(
            lambda: (
                _job(params, name, job_id)[1] == "import"
                and _job(params, name, job_id)[0] in {"done", "failed"}
            )
        )
        job_status, _stage, report = _job(params, name, job_id)
        assert job_status == "done", report

        status, _, body = browser.open("/readyz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ready"
    finally:
        _stop(worker)
        _stop(gunicorn)
        log.close()
        worker_log.close()
    worker_lines = (tmp_path / "worker.log").read_text()
    assert "task finished registers.tasks.run_import_job" in worker_lines
    print("install timings (s):", installed["timings"])


def test_it_refuses_to_start_with_a_wrong_key(installed, tmp_path):
    env = {**installed["env"], "SANLIAN_PII_KEY": Fernet.generate_key().decode()}
    with open(tmp_path / "gunicorn.log", "w") as log:
        gunicorn = _start(installed, env, _free_port(), log)
        try:
            gunicorn.wait(timeout=120)
        finally:
            _stop(gunicorn)
    output = (tmp_path / "gunicorn.log").read_text()
    assert gunicorn.returncode != 0
    assert "与本数据库不符" in output or "does not match this database" in output
    worker = subprocess.run(
        [installed["python"], "-m", "sanlian.cli", "db_worker", "--batch", "--no-reload"],
        cwd=installed["root"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode != 0 and "sanlian.E002" in worker.stderr


FIGURES = (
    "import json; from registers.models import Member; from orgs.models import OrgUnit;"
    "from audit.services import current_head;"
    "print(json.dumps([Member.objects.count(), OrgUnit.objects.count(), current_head()[0]]))"
)


def test_a_restore_drill_on_a_fresh_database_gives_the_same_figures(installed, postgres, tmp_path):
    import psycopg

    _url, params, _name = postgres
    sanlian = installed["sanlian"]
    backup = tmp_path / "drill.tar"
    before = json.loads(sanlian("shell", "-c", FIGURES).stdout.strip().splitlines()[-1])
    sanlian("backup", str(backup))
    fresh = f"sanlian_drill_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        env = {
            **installed["env"],
            "DATABASE_URL": installed["env"]["DATABASE_URL"].rsplit("/", 1)[0] + f"/{fresh}",
        }
        restored = subprocess.run(
            [installed["python"], "-m", "sanlian.cli", "restore", str(backup), "--yes"],
            cwd=installed["root"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "审计链完好" in restored.stdout
        after = subprocess.run(
            [installed["python"], "-m", "sanlian.cli", "shell", "-c", FIGURES],
            cwd=installed["root"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        members, units, head = json.loads(after.stdout.strip().splitlines()[-1])
        # The backup event is after the copy; the restore appends its own event.
        assert (members, units) == (before[0], before[1])
        assert head == before[2] + 1
        rollups = subprocess.run(
            [installed["python"], "-m", "sanlian.cli", "rollups", "verify"],
            cwd=installed["root"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert rollups.returncode == 0, rollups.stdout + rollups.stderr  # the same figures
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
