"""`sanlian bench load`: many users at once against the configured database (issue 14).

It starts gunicorn with --processes workers and --workers task workers (`sanlian db_worker`) on
127.0.0.1, measures a trivial view (the anonymous login page), then each main page of each role
alone for --page-seconds (its throughput as a share of the trivial view's), then drives a bounded
mixed workload for --seconds from --clients threads: log-ins by every role, the main pages of each
role, writes through the API (members created and edited, trainings recorded, scores saved on the
bench village's application) and progress report requests by the county, while a members import of
--import-rows rows and an org import run through `sanlian import`. It prints, per page and action,
the throughput, p50, p99 and errors; the busy answers by cause (deadlock, lock timeout) and the
retries; how long log-ins took while an import ran; the report jobs by outcome; and at the end runs
`rollups verify` and `audit verify`. A benchmark, not a test: nothing is asserted.

The accounts it uses are `bench_<role>` on the first county that has villages (created once,
with a new random password each run); what it writes stays in the database.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from sanlian.bench.servers import (
    BASE_DIR,
    _environment,
    free_port,
    start_servers,
    stop_servers,
    wait_until_serving,
)


@dataclass
class Persona:
    role: str
    username: str
    pages: dict[str, str]


@dataclass
class Setup:
    password: str
    personas: list[Persona]
    village_id: int
    village_code: str
    county_code: str
    writer_token: str
    member_ids: list[int]
    # Score saves: the village's open application at its own stage, and its items
    # (id, full points, veto item); none when the database has no open round for the village.
    assessment_id: int | None = None
    score_items: list[tuple[int, str, bool]] = field(default_factory=list)
    report_unit_id: int | None = None  # the county, for progress report jobs
    report_year: int = 0


@dataclass
class Samples:
    """Durations (seconds) and errors per action, shared by the client threads."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    busy: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    retried: int = 0
    logins: list[tuple[float, float]] = field(default_factory=list)  # (start, duration)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, action: str, seconds: float, ok: bool, headers=None) -> None:
        with self.lock:
            self.times[action].append(seconds)
            if not ok:
                self.errors[action] += 1
            if headers is not None:
                if headers.get("X-Sanlian-Busy"):
                    self.busy[headers["X-Sanlian-Busy"]] += 1
                if headers.get("X-Sanlian-Retried"):
                    self.retried += 1


# Preparing the accounts -------------------------------------------------------------------------


def prepare() -> Setup:
    from django.contrib.auth import get_user_model

    from accounts.models import RoleKind
    from accounts.services import do_create_token, do_create_user, do_grant_role
    from orgs.models import Level, OrgUnit, Status
    from registers.models import Member

    with_villages = OrgUnit.objects.filter(level=Level.VILLAGE, status=Status.ACTIVE).values(
        "county_id"
    )
    county = (
        OrgUnit.objects.filter(level=Level.COUNTY, status=Status.ACTIVE, pk__in=with_villages)
        .order_by("pk")
        .first()
    )
    if county is None:
        raise RuntimeError("No county with villages: run `sanlian demo` or `sanlian generate`.")
    township = OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("pk").first()
    village = (
        OrgUnit.objects.filter(parent=township, level=Level.VILLAGE, status=Status.ACTIVE)
        .order_by("pk")
        .first()
    )
    password = secrets.token_urlsafe(16)
    User = get_user_model()  # noqa: N806
    roles = [
        ("county", county, RoleKind.COUNTY_OFFICER),
        ("township", township, RoleKind.TOWNSHIP_OFFICER),
        ("village", village, RoleKind.VILLAGE_OPERATOR),
    ]
    if county.parent_id:
        roles.append(("city", county.parent, RoleKind.CITY_REVIEWER))
    personas = []
    for role, unit, kind in roles:
        username = f"bench_{role}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = do_create_user(None, username=username, password=password)
            do_grant_role(None, user, unit, kind)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        personas.append(Persona(role, username, _pages(unit, role)))
    writer = User.objects.get(username="bench_village")
    _token, raw = do_create_token(None, writer, "bench load")
    members = list(
        Member.objects.filter(unit=village).order_by("pk").values_list("pk", flat=True)[:50]
    )
    setup = Setup(
        password,
        personas,
        village.pk,
        village.division_code or "",
        county.division_code or "",
        raw,
        members,
    )
    _prepare_scores(setup, village, writer)
    _prepare_reports(setup, county)
    for persona in personas:
        if persona.role == "village" and setup.assessment_id:
            persona.pages["assessment sheet"] = reverse(
                "assessments:sheet", args=[setup.assessment_id]
            )
    return setup


def _prepare_scores(setup: Setup, village, writer) -> None:
    """The village's open application at its own stage, applied for now if an open round
    takes it; without one the run has no score saves (and says so)."""
    from django.core.exceptions import ValidationError

    from assessments.models import Assessment, AssessmentState, Round, RoundStatus
    from assessments.services import do_apply
    from standards.models import Item, TitleKind

    assessment = Assessment.objects.filter(
        unit=village, stage=0, state=AssessmentState.OPEN
    ).first()
    if assessment is None:
        for round_ in Round.objects.filter(status=RoundStatus.OPEN).order_by("-year"):
            try:
                assessment = do_apply(writer, round_, TitleKind.QUALIFIED_VILLAGE, village)
                break
            except (ValidationError, PermissionError):
                continue
    if assessment is None:
        return
    setup.assessment_id = assessment.pk
    setup.score_items = [
        (item.pk, str(item.points), item.is_veto)
        for item in Item.objects.filter(section__standard=assessment.standard).order_by("pk")
    ]


def _prepare_reports(setup: Setup, county) -> None:
    from campaigns.years import board_year
    from dashboards.selectors import campaign_for

    campaign = campaign_for(county)
    if campaign is not None:
        setup.report_unit_id, setup.report_year = county.pk, board_year(campaign, None)


def _pages(unit, role: str) -> dict[str, str]:
    pages = {
        "home": reverse("home"),
        "units tree": reverse("orgs:tree"),
        "unit page": reverse("orgs:unit", args=[unit.pk]),
        "dashboard": reverse("dashboards:unit", args=[unit.pk]),
        "waiting list": reverse("assessments:waiting"),
    }
    if role == "village":
        pages["member list"] = reverse("registers:member_list", args=[unit.pk])
    return pages


# Clients ----------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One browser: its own cookies, no redirects followed (a log-in answers 302)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, method: str, path: str, data=None, headers=None):
        body = None
        headers = dict(headers or {})
        if isinstance(data, dict) and headers.get("Content-Type") == "application/json":
            body = json.dumps(data).encode()
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        token = self.cookie(settings.CSRF_COOKIE_NAME)
        if token and method != "GET":
            headers["X-CSRFToken"] = token
        call = urllib.request.Request(self.base + path, body, headers, method=method)
        try:
            with self.opener.open(call, timeout=120) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def log_in(self, username: str, password: str) -> bool:
        self.cookies.clear()
        self.request("GET", reverse("login"))
        status, _headers, _body = self.request(
            "POST", reverse("login"), {"username": username, "password": password}
        )
        return status == 302


def _timed(samples: Samples, action: str, call, ok_statuses=(200,)):
    start = time.perf_counter()
    try:
        status, headers, _body = call()
    except OSError:
        samples.add(action, time.perf_counter() - start, False)
        return None
    samples.add(action, time.perf_counter() - start, status in ok_statuses, headers)
    if status not in ok_statuses:
        with samples.lock:
            samples.error_statuses[f"{action} {status}"] += 1
    return status, headers, _body


def _save_scores(client: Client, setup: Setup, samples: Samples, rng: random.Random) -> None:
    """The village scores three items of its application (a new version of each; no base, so
    two clients saving at once both succeed, one after the other)."""
    auth = {"Authorization": f"Bearer {setup.writer_token}", "Content-Type": "application/json"}
    picked = rng.sample(setup.score_items, min(3, len(setup.score_items)))
    entries = [
        {
            "item_id": item_id,
            "points": points,
            "veto_violated": False if is_veto else None,
            "override_reason": "压测",
        }
        for item_id, points, is_veto in picked
    ]
    path = f"/api/v1/assessments/{setup.assessment_id}/scores"
    _timed(
        samples,
        "score saved (API)",
        lambda: client.request("PUT", path, {"entries": entries}, auth),
    )


def _request_report(client: Client, setup: Setup, samples: Samples, rng: random.Random) -> None:
    """The county asks for its progress report: a background job for a large county (302 to
    the job's page), the file at once for a small one (302 to the download)."""
    path = reverse("reports:progress", args=[setup.report_unit_id])
    kind = rng.choice(["xlsx", "pdf"])
    _timed(
        samples,
        "report requested",
        lambda: client.request("POST", f"{path}?year={setup.report_year}", {"kind": kind}),
        (302,),
    )


def _write(client: Client, setup: Setup, samples: Samples, rng: random.Random) -> None:
    auth = {"Authorization": f"Bearer {setup.writer_token}", "Content-Type": "application/json"}
    choice = rng.random()
    if choice < 0.25 and setup.assessment_id and setup.score_items:
        _save_scores(client, setup, samples, rng)
    elif choice < 0.5:
        body = {"name": "压测" + "".join(rng.sample("伟芳娜秀英敏静丽强磊军洋", 2))}
        path = f"/api/v1/members/units/{setup.village_id}/members"
        _timed(
            samples,
            "member created (API)",
            lambda: client.request("POST", path, body, auth),
            (201,),
        )
    elif choice < 0.75 and setup.member_ids:
        member_id = rng.choice(setup.member_ids)
        path = f"/api/v1/members/{member_id}"
        got = client.request("GET", path, headers=auth)
        if got[0] != 200:
            samples.add("member edited (API)", 0.0, False)
            return
        version = json.loads(got[2])["version"]
        body = {"version": version, "occupation": rng.choice(["务农", "个体经营", "村医"])}
        # A conflict (409) with another client's edit of the same member is a correct answer.
        _timed(
            samples,
            "member edited (API)",
            lambda: client.request("PATCH", path, body, auth),
            (200, 409),
        )
    else:
        body = {
            "organiser_id": setup.village_id,
            "date": "2026-03-05",
            "title": "压测培训",
            "audiences": ["group_leaders"],
            "hours": "2",
            "attendee_ids": [],
        }
        _timed(
            samples,
            "training recorded (API)",
            lambda: client.request("POST", "/api/v1/records/trainings", body, auth),
            (201,),
        )


def run_client(
    base: str, setup: Setup, persona: Persona, until: float, samples: Samples, seed: int
) -> None:
    rng = random.Random(seed)
    client = Client(base)
    while time.monotonic() < until:
        start, wall = time.perf_counter(), time.time()
        ok = client.log_in(persona.username, setup.password)
        took = time.perf_counter() - start
        samples.add(f"log-in ({persona.role})", took, ok)
        with samples.lock:
            samples.logins.append((wall, took))
        if not ok:
            time.sleep(0.5)
            continue
        for _ in range(20):  # a session of a few pages and writes, then log in again
            if time.monotonic() >= until:
                return
            if persona.role == "village" and rng.random() < 0.3:
                _write(client, setup, samples, rng)
                continue
            if persona.role == "county" and setup.report_unit_id and rng.random() < 0.05:
                _request_report(client, setup, samples, rng)
                continue
            name, path = rng.choice(list(persona.pages.items()))
            # The tree page sends an officer to their own unit's page (302).
            _timed(samples, name, lambda p=path: client.request("GET", p), (200, 302))


def _hammer(
    browsers: list[Client], name: str, path: str, seconds: float
) -> tuple[list[float], int]:
    """GET one page as fast as the browsers can for `seconds`; the durations (errors count)."""
    samples = Samples()
    until = time.monotonic() + seconds

    def hammer(browser: Client) -> None:
        while time.monotonic() < until:
            _timed(samples, name, lambda: browser.request("GET", path), (200, 302))

    threads = [threading.Thread(target=hammer, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples.times[name], samples.errors[name]


def trivial_throughput(base: str, clients: int, seconds: float) -> tuple[int, list[float], int]:
    browsers = [Client(base) for _ in range(clients)]
    times, errors = _hammer(browsers, "trivial", reverse("login"), seconds)
    return len(times), times, errors


def pages_alone(base: str, setup: Setup, clients: int, seconds: float, trivial_rate: float, write):
    """Each main page of each role on its own, logged in, from `clients` clients: its
    throughput against the trivial view's (the target: at least half), p50 and p99."""
    write(
        f"{'page alone (role)':<34}{'req/s':>8}{'÷trivial':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'p99/p50':>8}{'errors':>7}"
    )
    for persona in setup.personas:
        browsers = [Client(base) for _ in range(clients)]
        for browser in browsers:
            browser.log_in(persona.username, setup.password)
        for name, path in persona.pages.items():
            times, errors = _hammer(browsers, name, path, seconds)
            rate = len(times) / seconds
            p50, p99 = (statistics.median(times), percentile(times, 0.99)) if times else (0, 0)
            write(
                f"{name + ' (' + persona.role + ')':<34}{rate:>8.1f}"
                f"{rate / trivial_rate if trivial_rate else 0:>9.2f}{_ms(p50):>8}{_ms(p99):>8}"
                f"{p99 / p50 if p50 else 0:>8.1f}{errors:>7}"
            )


# Imports running meanwhile ----------------------------------------------------------------------


def members_file(path: Path, rows: int, village_code: str, seed: int) -> Path:
    from sanlian.bench.imports import HEADERS, id_number

    base = random.Random(seed).randrange(0, 9_000_000)
    lines = [",".join(HEADERS)]
    for n in range(rows):
        number, sex, born = id_number(village_code[:6], base + n)
        lines.append(
            f"压测会员{n},{sex},{born.isoformat()},{number},139{(base + n) % 10**8:08d},"
            f"{village_code},,,2020-01-01,初中,务农"
        )
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def orgs_file(path: Path, rows: int, village_code: str, seed: int) -> Path:
    lines = ["单位名称,层级,上级代码"]
    lines += [f"压测小组{seed}-{n},小组,{village_code}" for n in range(rows)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@dataclass
class ImportRun:
    kind: str
    rows: int
    start: float = 0.0
    end: float = 0.0
    exit_code: int | None = None
    last_words: str = ""


def probe_logins(base: str, setup: Setup, runs: list[ImportRun], samples: Samples) -> None:
    """Log in once a second while an import runs: how long a user waits then."""
    client, persona = Client(base), setup.personas[0]
    while not runs[-1].end:
        if runs[0].start:
            start, wall = time.perf_counter(), time.time()
            ok = client.log_in(persona.username, setup.password)
            took = time.perf_counter() - start
            samples.add("log-in during an import", took, ok)
            with samples.lock:
                samples.logins.append((wall, took))
        time.sleep(1)


def run_imports(runs: list[tuple[ImportRun, Path]], delay: float) -> None:
    time.sleep(delay)
    binary = Path(sys.executable).parent / "sanlian"
    for run, path in runs:
        run.start = time.time()
        done = subprocess.run(
            # --only-valid: a generated ID number may be one the demo gave someone already.
            [str(binary), "import", run.kind, str(path), "--as", "bench_county", "--only-valid"],
            cwd=BASE_DIR,
            env=_environment(),
            capture_output=True,
        )
        run.end, run.exit_code = time.time(), done.returncode
        said = done.stdout.decode(errors="replace").strip().splitlines()
        run.last_words = said[-1][:200] if said and done.returncode else ""


# Printing ---------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report_lines(samples: Samples, seconds: float) -> list[str]:
    lines = [
        f"{'page or action':<28}{'count':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    ]
    for action in sorted(samples.times):
        times = samples.times[action]
        lines.append(
            f"{action:<28}{len(times):>7}{len(times) / seconds:>9.1f}"
            f"{_ms(statistics.median(times)):>9}{_ms(percentile(times, 0.99)):>9}"
            f"{samples.errors[action]:>8}"
        )
    return lines


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def run(options: dict, write) -> int:
    """The whole benchmark; `write` prints a line. Returns 0, or 1 when a verification failed."""
    from django.core.management import call_command

    setup = prepare()
    connection.close()  # the servers and imports use their own connections
    port = options["port"] or free_port()
    base = f"http://127.0.0.1:{port}"
    write(
        f"server: gunicorn with {options['processes']} worker process(es), "
        f"{options['workers']} task worker(s), database {connection.vendor}, "
        f"{options['clients']} clients, {options['seconds']:g} s; "
        f"load average before: {load_average()} ({os.cpu_count()} CPUs)"
    )
    started = start_servers(options["processes"], options["workers"], port)
    try:
        wait_until_serving(base)
        count, times, errors = trivial_throughput(
            base, options["clients"], options["trivial_seconds"]
        )
        trivial_rate = count / options["trivial_seconds"]
        write(
            f"trivial view (anonymous login page): {trivial_rate:.1f} req/s, "
            f"p50 {_ms(statistics.median(times) if times else 0)} ms, "
            f"p99 {_ms(percentile(times, 0.99))} ms, errors {errors}"
        )
        if options.get("page_seconds"):
            pages_alone(
                base, setup, options["clients"], options["page_seconds"], trivial_rate, write
            )
        if not setup.assessment_id:
            write("score saves: none (no open round takes the bench village's application)")
        if not setup.report_unit_id:
            write("report jobs: none (no campaign covers the bench county)")
        mixed_from = timezone.now()
        samples = _mixed(base, setup, options)
    finally:
        stop_servers(started)
    seconds = options["seconds"]
    for line in report_lines(samples.samples, seconds):
        write(line)
    _print_spread(samples.samples, write)
    busy = dict(samples.samples.busy)
    deadlocks = busy.pop("40P01", 0) + busy.pop("40001", 0)
    timeouts = busy.pop("55P03", 0)
    write(
        f"busy answers: deadlocks {deadlocks}, lock timeouts {timeouts}, "
        f"other {sum(busy.values())}; requests retried after a deadlock: {samples.samples.retried}"
    )
    if samples.samples.error_statuses:
        write(
            "errors by answer: "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(samples.samples.error_statuses.items()))
        )
    for imported in samples.imports:
        state = "not finished" if imported.exit_code is None else f"exit {imported.exit_code}"
        took = imported.end - imported.start if imported.end else 0.0
        write(f"import {imported.kind}: {imported.rows} rows in {took:.1f} s ({state})")
        if imported.last_words:
            write(f"  {imported.last_words}")
    during = [
        took
        for wall, took in samples.samples.logins
        if any(i.start <= wall <= (i.end or wall) for i in samples.imports)
    ]
    if during:
        write(
            f"log-in while an import ran: {len(during)} log-ins, p50 "
            f"{_ms(statistics.median(during))} ms, max {_ms(max(during))} ms"
        )
    else:
        write("log-in while an import ran: none measured")
    _print_report_jobs(mixed_from, write)
    write(f"load average after: {load_average()}")
    status = 0
    for command in (["rollups", "verify"], ["audit", "verify"]):
        try:
            call_command(*command, stdout=_Lines(write, " ".join(command)))
        except SystemExit as stop:
            status = status or (1 if stop.code else 0)
    return status


def _print_report_jobs(since, write) -> None:
    from django.db.models import Count

    from reports.job_models import ReportJob

    by_status = dict(
        ReportJob.objects.filter(created_at__gte=since)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    if by_status:
        write(
            "report jobs queued in the run: "
            + ", ".join(f"{status} {n}" for status, n in sorted(by_status.items()))
        )


class _Lines:
    def __init__(self, write, prefix: str):
        self.write_line, self.prefix = write, prefix

    def write(self, text: str) -> None:
        for line in text.splitlines():
            if line.strip():
                self.write_line(f"{self.prefix}: {line}")

    def flush(self) -> None:
        pass


def _print_spread(samples: Samples, write) -> None:
    pages = [a for a in samples.times if not a.startswith("log-in") and "(API)" not in a]
    for action in sorted(pages):
        times = samples.times[action]
        if not times:
            continue
        write(f"ratio {action}: p99/p50 {percentile(times, 0.99) / statistics.median(times):.1f}")


@dataclass
class Mixed:
    samples: Samples
    imports: list[ImportRun]


def _mixed(base: str, setup: Setup, options: dict) -> Mixed:
    samples = Samples()
    seconds = options["seconds"]
    until = time.monotonic() + seconds
    seed = int(time.time())
    folder = Path(tempfile.mkdtemp(prefix="sanlian-bench-load-"))
    imports = []
    if options["import_rows"] and setup.village_code:
        members = ImportRun("members", options["import_rows"])
        orgs = ImportRun("orgs", options["org_rows"])
        imports = [members, orgs]
        files = [
            (members, members_file(folder / "members.csv", members.rows, setup.village_code, seed)),
            (orgs, orgs_file(folder / "orgs.csv", orgs.rows, setup.village_code, seed)),
        ]
        importer = threading.Thread(target=run_imports, args=(files, min(1.0, seconds / 4)))
        importer.start()
        prober = threading.Thread(target=probe_logins, args=(base, setup, imports, samples))
        prober.start()
    else:
        importer = None
    threads = [
        threading.Thread(
            target=run_client,
            args=(base, setup, setup.personas[n % len(setup.personas)], until, samples, seed + n),
        )
        for n in range(options["clients"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if importer is not None:
        importer.join()
        prober.join()
    return Mixed(samples, imports)
