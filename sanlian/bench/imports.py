"""`sanlian bench import`: how the members import compares with merely reading the file.

It generates a county under a new province (orgs.bulk), writes a members workbook of --rows rows
with valid, unique ID numbers across the county's villages (xlsxwriter, constant memory), then in
the same run times (a) reading the workbook alone with python-calamine, every row, and (b) the
whole import through `registers.imports.run_import`, and prints both, their ratio against the
target (≤ 2) and the peak memory of each. Then it times (c) the database alone: the imported
rows inserted again as the importer sends them, unchecked (`database_floor`), which shows how much
of the import no importer could save; and (d) encrypting and hashing the rows' ID numbers and
phones (`protection_floor`). Last it prints what the target leaves of the machine's CPU time for
checking the rows once the read, (c) and (d) are taken from it. Everything it created is removed
afterwards unless --keep is given. A benchmark, not a test: nothing is asserted.

Peak memory is the growth of the process's peak resident set size during the phase: the kernel's
high-water mark (VmHWM) is reset before each phase (/proc/self/clear_refs), so each phase's peak
is its own; where that is not possible, getrusage's ru_maxrss is used, which only shows growth
beyond every earlier peak of the process.
"""

import datetime
import math
import os
import random
import resource
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.utils.translation import gettext as _

from registers.actions import RegisterAction

MEMBERS_PER_VILLAGE = 300
VILLAGES_PER_TOWNSHIP = 20
GROUPS_PER_VILLAGE = 5
TARGET_RATIO = 2.0
HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号码",
    "联系电话",
    "所属村(居)代码",
    "所属小组",
    "会员类别",
    "入会日期",
    "文化程度",
    "职业",
]
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅玉兰海燕文")
SURNAMES = list("李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁")
OCCUPATIONS = ["务农", "个体经营", "退休教师", "村医", "外出务工", "企业职工"]
BIRTH_BASE = datetime.date(1945, 1, 1)


# Memory ---------------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """The growth of peak RSS during a block, in bytes; `method` says how it was measured."""

    def __init__(self):
        self.method = "VmHWM"
        self.peak_bytes = 0

    def __enter__(self):
        try:
            Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            self.start = _status_kib("VmRSS")
            if self.start is None:
                raise OSError
        except OSError:
            self.method = "ru_maxrss"
            self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return self

    def __exit__(self, *exc):
        if self.method == "VmHWM":
            end = _status_kib("VmHWM") or self.start
        else:
            end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.peak_bytes = max(0, end - self.start) * 1024
        return False


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}"


# The workbook ---------------------------------------------------------------------------------


def id_number(area: str, index: int) -> tuple[str, str, datetime.date]:
    """A valid, unique ID number for the index-th member (and the sex and birth date it encodes).

    500 numbers share one birth date (sequence codes 000–499);
    birth dates step 53 days apart modulo 20,000 days, so 10 million rows stay unique."""
    from registers.identity import id_check_char

    day, slot = divmod(index, 500)
    born = BIRTH_BASE + datetime.timedelta(days=(day * 53) % 20000)
    first17 = f"{area}{born:%Y%m%d}{slot:03d}"  # the last digit's parity is the sex
    return first17 + id_check_char(first17), ("男" if slot % 2 else "女"), born


def write_members_workbook(path: Path, rows: int, villages: list[tuple[str, list[str]]], seed: int):
    """A members sheet of `rows` rows spread over the villages (code, group names)."""
    import xlsxwriter

    from registers.models import RecruitmentCategory

    rng = random.Random(seed)
    categories = list(RecruitmentCategory.objects.values_list("name", flat=True)) or [""]
    educations = _education_labels()
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("会员")
    text = workbook.add_format({"num_format": "@"})
    sheet.write_row(0, 0, HEADERS)
    for index in range(rows):
        code, groups = villages[index % len(villages)]
        area = code[:6]
        number, sex, born = id_number(area, index)
        joined = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(2500))
        picked = rng.sample(categories, k=min(len(categories), rng.choice((1, 1, 2))))
        row = index + 1
        sheet.write_string(row, 0, rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)))
        sheet.write_string(row, 1, sex)
        sheet.write_string(row, 2, born.isoformat())
        sheet.write_string(row, 3, number, text)
        sheet.write_string(row, 4, f"13{index:09d}", text)
        sheet.write_string(row, 5, code, text)
        sheet.write_string(row, 6, groups[index % len(groups)] if groups else "")
        sheet.write_string(row, 7, "、".join(picked))
        sheet.write_string(row, 8, joined.isoformat())
        sheet.write_string(row, 9, rng.choice(educations) if educations else "")
        sheet.write_string(row, 10, rng.choice(OCCUPATIONS))
    workbook.close()


def _education_labels() -> list[str]:
    """The education levels in the template's words (the importer's own)."""
    from registers.imports import EDUCATION_WORDS

    return [forms[0] for forms in EDUCATION_WORDS.values()]


def read_all_rows(path: Path) -> int:
    """Every row of the first sheet through python-calamine, as the bare-read baseline."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    count = 0
    for _row in workbook.get_sheet_by_index(0).iter_rows():
        count += 1
    return count


def database_floor(county) -> tuple[float, int]:
    """Seconds to insert the county's imported members and their categories again, as the
    importer's writer sends them (registers.imports.MemberWrites, batch by batch, in one
    transaction with the import's page cache, committed, so that PostgreSQL's deferred foreign
    keys are checked) but without reading or checking a row: what the database alone needs.
    The rows are read back and deleted first (not timed; on PostgreSQL the tables are vacuumed
    so that the dead rows do not stand in the new ones' way). Returns the seconds and the rows."""
    from django.db import connection

    from registers.imports import (
        BATCH_SIZE,
        MEMBER_INSERT_COLUMNS,
        MemberWrites,
        chunks,
        sqlite_page_cache,
    )
    from registers.models import Member

    columns = ("id", *MEMBER_INSERT_COLUMNS)
    through = Member.categories.through
    members = Member.objects.filter(unit__county=county)
    links_of = through.objects.filter(member__unit__county=county)
    rows = [list(row) for row in members.order_by("pk").values_list(*columns)]
    links: dict[int, list[tuple]] = {}
    for member_id, category_id in links_of.values_list("member_id", "recruitmentcategory_id"):
        links.setdefault(member_id, []).append((member_id, category_id))
    sqlite = connection.vendor == "sqlite"
    if sqlite:  # as MemberImporter._create sends dates to SQLite
        dates = (columns.index("birth_date"), columns.index("join_date"))
        for row in rows:
            for index in dates:
                row[index] = row[index] and row[index].isoformat()
    with transaction.atomic():
        links_of.delete()
        members.delete()
    if not sqlite and not connection.in_atomic_block:  # (a test's transaction cannot vacuum)
        with connection.cursor() as cursor:
            for model in (Member, through):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    started = time.perf_counter()
    with sqlite_page_cache(), transaction.atomic():
        writes = MemberWrites(None)
        tail = writes.members.tail()
        for batch in chunks(rows, BATCH_SIZE):
            batch_links = [link for row in batch for link in links.get(row[0], ())]
            writes.send([(*row, *tail) for row in batch], batch_links)
    return time.perf_counter() - started, len(rows)


def protection_floor(path: Path) -> float:
    """Seconds to encrypt and blind-index the workbook's ID numbers and phones as the importer
    does (registers.pii: two AES-GCM values and two keyed hashes a row): work security.md asks
    of every import, whatever the importer. The cells are read first, not timed."""
    from python_calamine import CalamineWorkbook

    from registers import pii

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    ids = [str(row[HEADERS.index("身份证号码")]) for row in sheet[1:]]
    phones = [str(row[HEADERS.index("联系电话")]) for row in sheet[1:]]
    del sheet
    started = time.perf_counter()
    for kind, values in (("id", ids), ("phone", phones)):
        pii.encrypt_many(values)
        index = pii.blind_indexer(kind)
        for value in values:
            index(value)
    return time.perf_counter() - started


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# The command ----------------------------------------------------------------------------------


LOAD_OPTIONS = [
    ("processes", 2, "bench load: gunicorn worker processes (default %(default)s)."),
    ("workers", 1, "bench load: task workers, sanlian db_worker (default %(default)s)."),
    ("seconds", 60, "bench load: length of the mixed run in seconds (default %(default)s)."),
    ("clients", 8, "bench load: concurrent clients (default %(default)s)."),
    ("trivial-seconds", 5, "bench load: seconds on the trivial view (default %(default)s)."),
    ("page-seconds", 3, "bench load: seconds on each main page alone, 0 to skip (default 3)."),
    ("import-rows", 5000, "bench load: rows of the members import run meanwhile, 0 for none."),
    ("org-rows", 200, "bench load: rows of the org import run meanwhile (default %(default)s)."),
    ("port", 0, "bench load: port on 127.0.0.1 (default: a free one)."),
]


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Benchmark the members import: build a workbook of --rows members in a generated "
            "county, time reading it alone with python-calamine and importing it, and print both, "
            "their ratio and the peak memory of each. The generated county and its members are "
            "removed afterwards unless --keep is given."
        )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["import", "load"], help=_("What to benchmark."))
        parser.add_argument(
            "--rows",
            type=int,
            default=100_000,
            help=_("Members in the workbook (default %(default)s)."),
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help=_("Keep the generated county, its members and the workbook."),
        )
        parser.add_argument("--seed", type=int, default=0, help=_("Seed of the random data."))
        load = parser.add_argument_group(_("bench load (many users at once)"))
        for name, default, text in LOAD_OPTIONS:
            load.add_argument(f"--{name}", type=int, default=default, help=text)

    def handle(self, *args, **options):
        if options["what"] == "load":
            from sanlian.bench import load as loadbench

            status = loadbench.run(options, self.stdout.write)
            if status:
                raise CommandError(_("A verification failed after the load run."))
            return
        rows = options["rows"]
        if rows < 1:
            raise CommandError(_("--rows must be at least 1."))
        # Measure as production runs: without DEBUG's query log (it formats every statement).
        debug, settings.DEBUG = settings.DEBUG, False
        try:
            self._run(rows, options)
        finally:
            settings.DEBUG = debug

    def _run(self, rows: int, options: dict) -> None:
        from registers.imports import run_import

        workdir = Path(tempfile.mkdtemp(prefix="sanlian-bench-"))
        setup = self._set_up(rows, options["seed"])
        path = workdir / "members.xlsx"
        try:
            started = time.perf_counter()
            write_members_workbook(path, rows, setup["villages"], options["seed"])
            self.stdout.write(
                _("Wrote %(rows)d members of %(villages)d villages to %(path)s in %(seconds).1f s.")
                % {
                    "rows": rows,
                    "villages": len(setup["villages"]),
                    "path": path,
                    "seconds": time.perf_counter() - started,
                }
            )
            with PeakMemory() as read_memory:
                started, cpu = time.perf_counter(), time.process_time()
                read_rows = read_all_rows(path)
                read_seconds = time.perf_counter() - started
                read_cpu = time.process_time() - cpu
            reset_queries()
            with PeakMemory() as import_memory:
                started, cpu = time.perf_counter(), time.process_time()
                report = run_import("members", path, filename="members.xlsx", actor=setup["user"])
                import_seconds = time.perf_counter() - started
                import_cpu = time.process_time() - cpu
            reset_queries()
            self._print(rows, read_rows, read_seconds, read_memory, import_seconds, import_memory)
            self._print_cpu(read_cpu, import_cpu)
            self._print_report(report)
            if report.imported:
                floor, inserted = database_floor(setup["county"])
                self._print_floor(floor, inserted, read_seconds, import_seconds)
                self._print_budget(rows, read_seconds, floor, protection_floor(path))
        finally:
            if options["keep"]:
                self.stdout.write(
                    _("Kept: the county %(name)s (%(code)s), its members and %(path)s.")
                    % {
                        "name": setup["county"].name,
                        "code": setup["county"].division_code,
                        "path": path,
                    }
                )
            else:
                shutil.rmtree(workdir, ignore_errors=True)
                self._clean_up(setup)

    def _print(self, rows, read_rows, read_seconds, read_memory, import_seconds, import_memory):
        ratio = import_seconds / max(read_seconds, 1e-9)
        met = ratio <= TARGET_RATIO
        lines = [
            _("rows: %(rows)d (%(read)d read with the header)") % {"rows": rows, "read": read_rows},
            _("read (python-calamine, every row): %(seconds).2f s, peak memory +%(mib)s MiB")
            % {"seconds": read_seconds, "mib": _mib(read_memory.peak_bytes)},
            _("import (run_import, members): %(seconds).2f s, peak memory +%(mib)s MiB")
            % {"seconds": import_seconds, "mib": _mib(import_memory.peak_bytes)},
            _("ratio import/read: %(ratio).2f (target ≤ %(target)g: %(verdict)s)")
            % {
                "ratio": ratio,
                "target": TARGET_RATIO,
                "verdict": _("met") if met else _("not met"),
            },
            _("peak memory: growth of the peak resident set size during each phase (%(method)s)")
            % {"method": import_memory.method},
        ]
        for line in lines:
            self.stdout.write(line)

    def _print_cpu(self, read_cpu: float, import_cpu: float) -> None:
        """CPU time of this process, beside the wall-clock figures above (which are the target's):
        on a busy machine it shows what waiting for the CPU added. The database server's own work
        (PostgreSQL) is not in it."""
        self.stdout.write(
            _(
                "CPU time of this process: read %(read).2f s, import %(import).2f s, ratio "
                "%(ratio).2f (PostgreSQL's own work not included)"
            )
            % {
                "read": read_cpu,
                "import": import_cpu,
                "ratio": import_cpu / max(read_cpu, 1e-9),
            }
        )

    def _print_floor(self, floor: float, inserted: int, read: float, imported: float) -> None:
        """The database's own part, beside the target's figures: how much of the import no
        importer of these rows into these tables could save."""
        self.stdout.write(
            _(
                "database alone (the %(rows)d imported members and their categories inserted "
                "again, unchecked, as the importer sends them): %(seconds).2f s, %(of_read).2f × "
                "the read; the import takes %(of_floor).2f × that"
            )
            % {
                "rows": inserted,
                "seconds": floor,
                "of_read": floor / max(read, 1e-9),
                "of_floor": imported / max(floor, 1e-9),
            }
        )

    def _print_budget(self, rows: int, read: float, floor: float, protection: float) -> None:
        """What the target leaves for checking the rows: on every core for the whole import
        (the most any parallel importer could use), less the read, the database alone and the
        encryption, each measured above in this run; none of them can be left out."""
        budget = cores() * TARGET_RATIO * read
        left = budget - read - floor - protection
        self.stdout.write(
            _(
                "CPU budget at the target: %(cores)d cores × %(target)g × the read = %(budget).2f "
                "s; the read, the database alone and encrypting and hashing the ID numbers and "
                "phones (%(protection).2f s) take %(used).2f s of it, leaving %(left).2f s "
                "(%(per_row).1f µs a row) to check the rows"
            )
            % {
                "cores": cores(),
                "target": TARGET_RATIO,
                "budget": budget,
                "protection": protection,
                "used": read + floor + protection,
                "left": left,
                "per_row": left / max(rows, 1) * 1e6,
            }
        )

    def _print_report(self, report):
        data = report.as_dict()
        self.stdout.write(
            _(
                "import report: %(valid)d valid, %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged, %(errors)d errors, imported: %(imported)s"
            )
            % {
                "valid": data.get("valid", 0),
                "created": data.get("created", 0),
                "updated": data.get("updated", 0),
                "unchanged": data.get("unchanged", 0),
                "errors": len(data.get("errors") or []),
                "imported": _("yes") if data.get("imported") else _("no"),
            }
        )
        for error in (data.get("errors") or [])[:5]:
            self.stdout.write(f"  {error.get('row')} {error.get('column')}: {error.get('message')}")

    # Set-up and clean-up ----------------------------------------------------------------------

    def _set_up(self, rows: int, seed: int) -> dict:
        from accounts.models import RoleKind
        from accounts.services import do_create_user, do_grant_role
        from orgs.bulk import GenerateOptions, generate_tree
        from orgs.models import Level, OrgUnit

        villages_wanted = max(1, math.ceil(rows / MEMBERS_PER_VILLAGE))
        per_township = min(VILLAGES_PER_TOWNSHIP, villages_wanted)
        townships = math.ceil(villages_wanted / per_township)
        result = generate_tree(
            GenerateOptions(
                townships=townships,
                villages_per_township=per_township,
                groups_per_village=GROUPS_PER_VILLAGE,
                seed=seed,
            ),
            after_batch=reset_queries,
        )
        root = result.root
        county = OrgUnit.objects.get(province=root, level=Level.COUNTY)
        user = do_create_user(
            None, username=f"bench-{secrets.token_hex(4)}", password=secrets.token_urlsafe(24)
        )
        do_grant_role(None, user, county, RoleKind.COUNTY_OFFICER)
        groups: dict[int, list[str]] = {}
        for village_id, name in (
            OrgUnit.objects.filter(county=county, level=Level.GROUP)
            .order_by("pk")
            .values_list("parent_id", "name")
        ):
            groups.setdefault(village_id, []).append(name)
        villages = [
            (code, groups.get(pk, []))
            for pk, code in OrgUnit.objects.filter(
                county=county, level=Level.VILLAGE, division_code__isnull=False
            )
            .exclude(division_code="")
            .order_by("pk")
            .values_list("pk", "division_code")
        ]
        return {"root": root, "county": county, "user": user, "villages": villages}

    def _clean_up(self, setup: dict) -> None:
        """Remove the members, the generated tree and the bench user; the audit log stays."""
        from audit.services import record_event
        from orgs.models import Level, OrgUnit
        from registers.models import Member

        root = setup["root"]
        try:
            with transaction.atomic():
                members = Member.objects.filter(unit__province=root)
                removed = members.count()
                members.delete()
                setup["user"].delete()
                for level in sorted(Level.values, reverse=True):
                    OrgUnit.objects.filter(province=root, level=level).delete()
                record_event(
                    actor=None,
                    action=RegisterAction.BENCH_CLEANUP,
                    object_type="orgs.orgunit",
                    object_id=root.pk,
                    object_label=root.name,
                    after={"members_removed": removed},
                )
        except Exception as error:  # the numbers are printed already; say what is left
            self.stderr.write(
                _("Could not remove the generated province %(name)s (%(code)s): %(error)s")
                % {"name": root.name, "code": root.division_code, "error": error}
            )
            return
        self.stdout.write(
            _("Removed the generated province %(name)s and its %(members)d members.")
            % {"name": root.name, "members": removed}
        )
