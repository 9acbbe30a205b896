"""The end-to-end install, as docs/deploy.zh.md says, on PostgreSQL (it runs in the PostgreSQL
run only): a clean copy of the code installed with pip from the locked requirements into a fresh
virtual environment (section 4), keys generated, `sanlian upgrade`, the first administrator and the
county tree imported from the org template a county fills in (section 6), gunicorn with
deploy/gunicorn.conf.py and the worker in production mode, a login over plain HTTP through the
intranet setting, the home page in Chinese, an import that the worker finishes, /readyz 200, and
every page each role reaches from its home page with no untranslated English; then the same
installation started with a wrong key refuses to start, saying why, and a restore drill.

pip takes the locked packages from its cache (or from a wheelhouse, PIP_FIND_LINKS), so the
environment is built in well under a minute on a machine that has installed them once."""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.urls import Resolver404, resolve

BASE_DIR = Path(settings.BASE_DIR)
PASSWORD = "Sanlian-Install-2026"
VILLAGE_CODE = "990101001001"  # the village of the tree imported below
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


# The county tree, one template file per level as the guide says (parents must exist first).
TREE_FILES = {
    "0-市.xlsx": [["示范市", "市", "", "990100", ""]],
    "1-县.xlsx": [["示范县", "县(市、区)", "", "990101", "990100"]],
    "2-乡镇.xlsx": [["城关镇", "乡镇(街道)", "镇", "990101001", "990101"]],
    "3-村.xlsx": [["李家村", "村(居)", "村", VILLAGE_CODE, "990101001", 1200, 400, "否"]],
    "4-小组.xlsx": [["第一小组", "小组", "", "", VILLAGE_CODE]],
}
# The accounts of the user guide's chapters, each on its unit. Their names are data: pinyin, as a
# county would choose them (an English word such as "county" is also one of the interface's).
ACCOUNTS = {
    "wugl": ("village_operator", VILLAGE_CODE, "吴桂兰"),
    "lixy": ("township_officer", "990101001", "李秀英"),
    "sunjg": ("county_officer", "990101", "孙建国"),
    "qianwh": ("city_reviewer", "990100", "钱文华"),
    "zhenggd": ("leader", "990101", "郑国栋"),
}


# A round of the county on the standards the first migrate installs, and the village's application,
# so that the page walk below also reaches the round, the sheet and their pages.
ROUND_AND_APPLICATION = (
    "from django.contrib.auth import get_user_model;"
    "from assessments.services import do_apply, do_create_round;"
    "from orgs.models import OrgUnit;"
    "from standards.models import Standard, TitleKind;"
    "round_, _ = do_create_round(None, OrgUnit.objects.get(division_code='990101'), year=2026, "
    "name='2026年度三联创评估', standards={s.title: s for s in Standard.objects.order_by('-pk')});"
    "do_apply(get_user_model().objects.get(username='wugl'), round_, "
    f"TitleKind.QUALIFIED_VILLAGE, OrgUnit.objects.get(division_code='{VILLAGE_CODE}'))"
)


def _fill_org_template(template: Path, target: Path, rows: list[list]) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(template)
    for row in rows:
        workbook.worksheets[0].append(row)
    workbook.save(target)


@pytest.fixture(scope="module")
def installed(tmp_path_factory, postgres):
    """The guide's sections 4–6: code, environment, keys and settings, `sanlian upgrade`, the
    first administrator, the tree from the org template, and the accounts."""
    url, _params, _name = postgres
    root = tmp_path_factory.mktemp("install")
    app, venv, var = root / "app", root / "venv", root / "var"
    _copy_clean_clone(app)
    timings = {}
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check"]
    pip_install = subprocess.run(
        [*pip, "-r", app / "requirements.lock", app], capture_output=True, text=True, timeout=900
    )
    assert pip_install.returncode == 0, pip_install.stdout + pip_install.stderr[-3000:]
    timings["venv + pip install"] = round(time.monotonic() - started, 1)
    python = venv / "bin" / "python"
    keys = root / "sanlian.keys"
    generated = subprocess.run(
        [venv / "bin" / "sanlian", "keys", "generate", "--output", str(keys)],
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

    def sanlian(*args, check=True, extra_env=None):
        started = time.monotonic()
        done = subprocess.run(
            [venv / "bin" / "sanlian", *args],
            cwd=root,
            env={**env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=600,
        )
        step = " ".join(Path(a).name if "/" in a else a for a in args[:3])[:40]
        timings[step] = round(time.monotonic() - started, 1)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    sanlian("upgrade")
    sanlian(
        "createsuperuser",
        "--noinput",
        "--username",
        "admin",
        "--email",
        "admin@example.gov.cn",
        extra_env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    template = root / "模板.xlsx"
    sanlian("export", "orgs", str(template))
    for file_name, rows in TREE_FILES.items():
        _fill_org_template(template, root / file_name, rows)
        assert "将新增 1" in sanlian("import", "orgs", str(root / file_name), "--dry-run").stdout
        assert "新增 1" in sanlian("import", "orgs", str(root / file_name)).stdout
    # The guide grants roles in /admin/; the same service functions, in one command.
    script = (
        "from accounts.services import do_create_user, do_grant_role;"
        "from orgs.models import OrgUnit;"
        f"accounts = {ACCOUNTS!r};"
        "[do_grant_role(None, do_create_user(None, username=name, full_name=full_name, "
        f"password='{PASSWORD}'), OrgUnit.objects.get(division_code=code), role) "
        "for name, (role, code, full_name) in accounts.items()]"
    )
    sanlian("shell", "-c", script)
    sanlian("shell", "-c", ROUND_AND_APPLICATION)
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
    lines = [",".join(HEADER), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.fixture(scope="module")
def served(installed, tmp_path_factory):
    """gunicorn with deploy/gunicorn.conf.py and the worker, as the systemd units start them."""
    logs = tmp_path_factory.mktemp("logs")
    env, port = installed["env"], _free_port()
    log = open(logs / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    worker_log = open(logs / "worker.log", "w")  # noqa: SIM115
    gunicorn = _start(installed, env, port, log)
    worker = subprocess.Popen(
        [installed["python"], "-m", "sanlian.cli", "db_worker", "--no-reload", "--interval", "0.5"],
        cwd=installed["root"],
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        probe = Browser(base)
        _wait_until(
            lambda: probe.open("/healthz")[0] == 200 if gunicorn.poll() is None else True, 60
        )
        assert gunicorn.poll() is None, (logs / "gunicorn.log").read_text()
        yield {"base": base, "port": port, "logs": logs}
    finally:
        _stop(worker)
        _stop(gunicorn)
        log.close()
        worker_log.close()


def _log_in(served, username) -> Browser:
    browser = Browser(served["base"])
    status, _, page = browser.open("/login/")
    assert status == 200 and "登录" in page
    status, where, page = browser.post("/login/", {"username": username, "password": PASSWORD})
    assert status == 200 and where.rstrip("/").endswith(str(served["port"])), page[:500]
    return browser


def test_it_installs_serves_imports_and_is_ready_as_the_guide_says(installed, served, postgres):
    _url, params, name = postgres
    browser = _log_in(served, "wugl")
    status, _, page = browser.open("/")
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
    worker_lines = (served["logs"] / "worker.log").read_text()
    assert "task finished registers.tasks.run_import_job" in worker_lines
    print("install timings (s):", installed["timings"])


# Links the walk does not follow: other programs' pages, files, and leaving.
SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/logout", "/i18n/")
SKIPPED_WORDS = ("export", "download", "reveal", ".xlsx", ".csv", ".pdf", ".zip")
PAGES_PER_ROLE = 60
# The language switcher names each language in its own language.
SHOWN_AS_THEY_ARE = {"English"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _english_msgids(app: Path) -> set[str]:
    """Every interface string of the catalogues that has a Chinese translation: seen verbatim on
    a page, it was left untranslated."""
    import polib

    msgids = set()
    for po in app.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po)):
            if entry.translated() and CJK.search(entry.msgstr) and not CJK.search(entry.msgid):
                msgids.add(" ".join(entry.msgid.split()))
    return msgids - SHOWN_AS_THEY_ARE


class PageText(HTMLParser):
    """A page's visible text nodes and its labelling attributes, and its links."""

    LABELS = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__()
        self.texts, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "style"}:
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self.texts.extend(attrs[name] for name in self.LABELS if attrs.get(name))

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def _route(path: str) -> str | None:
    if path.startswith(SKIPPED_PREFIXES) or any(w in path for w in SKIPPED_WORDS):
        return None
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _walk(browser: Browser, msgids: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Breadth first from the home page, one page per route; each English string left on a page
    with the pages that show it."""
    queue, seen_routes, english, visited = ["/"], set(), {}, []
    while queue and len(visited) < PAGES_PER_ROLE:
        path = queue.pop(0)
        route = _route(path)
        if route is None or route in seen_routes:
            continue
        seen_routes.add(route)
        status, _where, page = browser.open(path)
        assert status == 200, f"{path}: {status}"
        visited.append(path)
        parsed = PageText()
        parsed.feed(page)
        left = {t for t in (" ".join(x.split()) for x in parsed.texts) if t in msgids}
        if not CJK.search(page) or 'lang="zh-hans"' not in page:
            left.add("(the page is not in Chinese)")
        for text in left:
            english.setdefault(text, []).append(path)
        for href in parsed.links:
            link = urllib.parse.urlsplit(urllib.parse.urljoin(browser.base + path, href))
            if link.netloc == urllib.parse.urlsplit(browser.base).netloc:
                queue.append(link.path)
    return english, visited


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_every_page_a_role_reaches_is_in_chinese(installed, served, username):
    msgids = _english_msgids(installed["app"])
    assert len(msgids) > 1000  # the catalogues were read
    english, visited = _walk(_log_in(served, username), msgids)
    assert len(visited) >= 5, visited
    assert english == {}, english
    print(f"{username}: {len(visited)} pages in Chinese")


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
