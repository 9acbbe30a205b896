"""The members import's background writer: batch k is inserted by a writer thread while batch
k+1 is read (registers.imports.writing). What it writes must read back as the
ORM writes it, and a failure on either side must leave nothing written and no thread behind."""

import datetime
import threading
import time

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from orgs.models import OrgUnit
from registers import imports as importers
from registers import pii
from registers.imports import run_import, writing
from registers.models import Education, Member, Sex
from registers.tests.import_files import batches_of
from registers.tests.test_import_members import HEADER, WANG, ZHANG, row
from spreadsheets.tests.files import write_csv

# Valid, fictional ID numbers for rows of their own (born 1960, 1975, 1988).
IDS = ["430121196003050017", "430121197507120028", "43012119881111003X"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _import(tmp_path, rows, **options):
    path = write_csv(tmp_path / "m.csv", [HEADER, *rows])
    return run_import("members", path, filename="m.csv", actor=None, **options)


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-writer"]


def _plain_rows(count: int) -> list[list]:
    """Rows without an ID number, a person each."""
    return [
        row(姓名=f"会员{i}", 身份证号码="", 联系电话="", 出生日期=f"1980-01-{i + 1:02d}")
        for i in range(count)
    ]


def test_rows_written_in_the_background_read_back_as_stored_by_the_orm(tree, tmp_path):
    before = timezone.now()
    report = _import(
        tmp_path,
        [
            row(),
            row(
                姓名="李四",
                身份证号码="",
                联系电话="",
                所属小组="",
                会员类别="",
                入会日期="",
                文化程度="",
                职业="",
            ),
        ],
    )
    assert (report.created, report.errors, report.imported) == (2, [], True)
    zhang = Member.objects.get(name="张三")
    assert zhang.birth_date == datetime.date(1985, 3, 5)
    assert zhang.join_date == datetime.date(2020, 1, 1)
    assert zhang.group == tree.group_1 and zhang.unit == tree.village_1
    assert (zhang.sex, zhang.education, zhang.occupation) == (Sex.MALE, Education.JUNIOR, "农民")
    assert pii.decrypt(zhang.id_number_encrypted) == ZHANG
    assert zhang.id_number_hash == pii.blind_index("id", ZHANG)
    assert pii.decrypt(zhang.phone_encrypted) == "13812345678"
    assert sorted(zhang.categories.values_list("name", flat=True)) == ["五老", "致富能手"]
    assert (zhang.version, zhang.status, zhang.status_date) == (1, "active", None)
    assert zhang.created_at == zhang.updated_at and before <= zhang.created_at <= timezone.now()
    assert zhang.created_at.tzinfo is not None
    li = Member.objects.get(name="李四")
    assert (li.join_date, li.group, li.id_number_hash, li.moved_to) == (None, None, None, None)
    assert (li.id_number_encrypted, li.phone_encrypted, li.phone_hash) == ("", "", "")
    assert li.birth_date == datetime.date(1985, 3, 5) and not li.categories.exists()
    # The stored values are the ORM's own: its lookups find them.
    assert Member.objects.filter(birth_date=datetime.date(1985, 3, 5)).count() == 2
    assert Member.objects.filter(join_date__isnull=True).get() == li
    written = Member.objects.filter(created_at__gte=before, updated_at__lte=timezone.now())
    assert written.count() == 2
    assert Member.objects.filter(join_date__year=2020).get() == zhang


def test_a_file_of_many_batches_imports_as_one(tree, tmp_path, monkeypatch):
    batches_of(monkeypatch, 3)
    monkeypatch.setattr(writing, "ROWS_PER_INSERT", 2)  # on SQLite, 2 statements a batch
    rows = [
        *_plain_rows(4),
        row(身份证号码=IDS[0], 出生日期="", 性别="", 姓名="甲"),
        row(身份证号码=IDS[1], 出生日期="", 性别="", 姓名="乙", 会员类别="五老"),
        row(身份证号码=IDS[2], 出生日期="", 性别="", 姓名="丙", 会员类别=""),
    ]
    report = _import(tmp_path, rows)
    assert (report.rows, report.valid, report.created, report.errors) == (7, 7, 7, [])
    ids = sorted(Member.objects.values_list("pk", flat=True))
    assert ids == list(range(ids[0], ids[0] + 7))  # keys drawn up front, counted on
    assert Member.categories.through.objects.count() == 4 * 2 + 2 + 1
    again = _import(tmp_path, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)


def test_a_later_batch_matches_a_member_an_earlier_batch_created(tree, tmp_path, monkeypatch):
    """The ID number of a person created without one two batches earlier is filled in: the
    main thread waits for the writer before matching."""
    batches_of(monkeypatch, 2)
    rows = [
        row(身份证号码=""),
        *_plain_rows(3),
        row(),  # 张三 again, now with his ID number
    ]
    report = _import(tmp_path, rows)
    assert (report.created, report.updated, report.errors) == (4, 1, [])
    assert Member.objects.get(name="张三").id_number_hash == pii.blind_index("id", ZHANG)


def test_a_failing_insert_surfaces_and_leaves_nothing_written(tree, tmp_path, monkeypatch):
    """A key drawn twice: the writer's IntegrityError is raised in the main thread at its next
    sync, as Django's, and the run's transaction is rolled back."""
    batches_of(monkeypatch, 2)
    keys, drawn = importers.MemberWrites.keys, []

    def same_keys(self, count):
        if not drawn:
            drawn.extend(keys(self, count))
        return drawn[:count]

    monkeypatch.setattr(importers.MemberWrites, "keys", same_keys)
    with pytest.raises(IntegrityError):
        _import(tmp_path, _plain_rows(6))
    assert Member.objects.count() == 0 and not _writers()


def test_a_writer_failure_in_the_last_batch_surfaces_at_the_end(tree, tmp_path, monkeypatch):
    sent = importers.RowSink.send
    calls = []

    def fail_last(self, raw, rows):
        calls.append(rows)
        if len(calls) == 3:  # the second batch's members (each batch: members, categories)
            raise RuntimeError("disk full")
        sent(self, raw, rows)

    batches_of(monkeypatch, 3)
    monkeypatch.setattr(importers.RowSink, "send", fail_last)
    with pytest.raises(RuntimeError, match="disk full"):
        _import(tmp_path, _plain_rows(5))
    assert Member.objects.count() == 0 and not _writers()


def test_a_main_thread_failure_mid_file_waits_for_the_writer(tree, tmp_path, monkeypatch):
    """An interrupt while a batch is being written: the writer finishes it, is joined, and only
    then is the transaction rolled back."""
    batches_of(monkeypatch, 2)
    sent, read = importers.RowSink.send, importers.MemberImporter._read
    finished = []

    def slow_send(self, raw, rows):
        time.sleep(0.2)
        sent(self, raw, rows)
        finished.append(len(rows))

    def interrupt(self, source_row):
        if source_row.number == 6:  # the third batch's first row (the header is row 1)
            raise KeyboardInterrupt
        return read(self, source_row)

    monkeypatch.setattr(importers.RowSink, "send", slow_send)
    monkeypatch.setattr(importers.MemberImporter, "_read", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _import(tmp_path, _plain_rows(6))
    assert len(finished) == 4  # both batches' members and categories, before the rollback
    assert Member.objects.count() == 0 and not _writers()
    assert Member.categories.through.objects.count() == 0


def test_an_unreadable_row_mid_file_leaves_nothing(tree, tmp_path, monkeypatch):
    batches_of(monkeypatch, 2)
    read = importers.MemberImporter._read

    def unreadable(self, source_row):
        if source_row.number == 7:
            raise importers.UnreadableFile("The file cannot be read.")
        return read(self, source_row)

    monkeypatch.setattr(importers.MemberImporter, "_read", unreadable)
    with pytest.raises(importers.UnreadableFile):
        _import(tmp_path, _plain_rows(8))
    assert Member.objects.count() == 0 and not _writers()


def test_dry_run_and_only_valid_keep_their_meaning(tree, tmp_path, monkeypatch):
    batches_of(monkeypatch, 2)
    rows = [
        *_plain_rows(3),
        row(姓名="坏行", 身份证号码="123"),
        row(身份证号码=WANG, 姓名="王五", 出生日期="", 性别=""),
    ]
    dry = _import(tmp_path, rows, dry_run=True)
    assert (dry.created, len(dry.errors), dry.imported) == (4, 1, False)
    assert Member.objects.count() == 0
    kept = _import(tmp_path, rows, only_valid=True)
    assert (kept.created, len(kept.errors), kept.imported) == (4, 1, True)
    assert Member.objects.count() == 4 and not _writers()


def test_the_connection_is_usable_after_a_writer_failure(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(
        importers.RowSink, "send", lambda *args: (_ for _ in ()).throw(RuntimeError("boom"))
    )
    with pytest.raises(RuntimeError):
        _import(tmp_path, [row()])
    monkeypatch.undo()
    assert connection.in_atomic_block  # the test's own transaction, still usable
    report = _import(tmp_path, [row()])
    assert report.created == 1


def test_a_batchs_villages_and_groups_are_looked_up_together_not_one_by_one(tree, tmp_path):
    rows = [
        row(),
        row(姓名="王五", 身份证号码=WANG, 出生日期="", 性别="", 联系电话="", 所属小组="第二小组"),
        *[
            row(
                姓名=f"会员{i}",
                身份证号码="",
                联系电话="",
                出生日期=f"1980-01-{i + 1:02d}",
                **{"所属村(居)代码": code, "所属小组": group},
            )
            for i, (code, group) in enumerate(
                [("430121100202", ""), ("430121200201", "第一小组"), ("430121100299", "")]
            )
        ],
    ]
    orgunit = connection.ops.quote_name(OrgUnit._meta.db_table)
    with CaptureQueriesContext(connection) as queries:
        report = _import(tmp_path, rows)
    unit_lookups = [q for q in queries if f"FROM {orgunit}" in q["sql"]]
    # three villages and a code no unit has: one query for them, one for their groups
    assert len(unit_lookups) == 2, [q["sql"] for q in unit_lookups]
    assert [(e.row, e.column) for e in report.errors] == [(6, "所属村(居)代码")]
    assert report.valid == 4
    members = {m.name: (m.unit_id, m.group_id) for m in Member.objects.all()}
    assert members == {}  # a refused row keeps the whole file out
    report = _import(tmp_path, rows[:-1])
    members = {m.name: (m.unit_id, m.group_id) for m in Member.objects.all()}
    assert members == {
        "张三": (tree.village_1.pk, tree.group_1.pk),
        "王五": (tree.village_1.pk, tree.group_2.pk),
        "会员0": (tree.village_2.pk, None),
        "会员1": (tree.village_3.pk, tree.group_3.pk),
    }
