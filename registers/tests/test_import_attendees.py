"""Training imports with attendees (参训人员), matched against the register; the export writes
them so that it imports back unchanged."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from registers.imports import run_import
from registers.models import Training
from registers.services import do_change_member_status, do_create_member
from registers.tests.conftest import ID_LI, ID_WANG
from spreadsheets.tests.files import write_csv

HEADER = ["组织单位代码", "培训日期", "培训主题", "培训对象", "学时", "参训人员"]
V1 = "430121100201"
TOWNSHIP = "430121100"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def imported(tmp_path, rows, **options):
    path = write_csv(tmp_path / "t.csv", [HEADER, *rows])
    return run_import("trainings", path, filename="t.csv", actor=None, **options)


def attendee_names(title="会员培训"):
    return sorted(Training.objects.get(title=title).attendees.values_list("name", flat=True))


def test_attendees_are_matched_by_name(members, tmp_path):
    report = imported(tmp_path, [[V1, "2024-03-01", "会员培训", "会员", "2", "王建国、李秀英"]])
    assert report.errors == [] and report.created == 1
    assert attendee_names() == ["李秀英", "王建国"]


def test_attendees_are_matched_by_id_number_with_or_without_a_name(members, tmp_path):
    cell = f"{ID_WANG}\n李秀英（{ID_LI}）"
    report = imported(tmp_path, [[V1, "2024-03-01", "会员培训", "会员", "2", cell]])
    assert report.errors == []
    assert attendee_names() == ["李秀英", "王建国"]


def test_a_township_training_takes_members_of_its_villages(members, tmp_path):
    report = imported(tmp_path, [[TOWNSHIP, "2024-03-01", "会员培训", "会员", "2", "王建国"]])
    assert report.errors == [] and attendee_names() == ["王建国"]


def test_an_unknown_attendee_is_an_error_in_its_row_and_column(members, tmp_path):
    rows = [
        [V1, "2024-03-01", "会员培训", "会员", "2", "王建国"],
        [V1, "2024-03-02", "小组长培训", "小组长", "2", "王建国、张伟、钱多多"],
    ]
    report = imported(tmp_path, rows)
    assert [(e.row, e.column) for e in report.errors] == [(3, "参训人员"), (3, "参训人员")]
    assert "张伟" in report.errors[0].message and "钱多多" in report.errors[1].message
    assert Training.objects.count() == 0  # all or nothing


def test_a_name_two_members_share_asks_for_the_id_number(members, tree, tmp_path):
    do_create_member(None, tree.village_2, name="王建国", id_number="430121195502020053")
    report = imported(tmp_path, [[TOWNSHIP, "2024-03-01", "会员培训", "会员", "2", "王建国"]])
    assert [(e.row, e.column) for e in report.errors] == [(2, "参训人员")]
    assert "2 members" in report.errors[0].message
    fixed = imported(
        tmp_path, [[TOWNSHIP, "2024-03-01", "会员培训", "会员", "2", f"王建国({ID_WANG})"]]
    )
    assert fixed.errors == [] and attendee_names() == ["王建国"]


def test_a_wrong_id_number_is_reported(members, tmp_path):
    cell = "王建国(430121196003050018)"
    report = imported(tmp_path, [[V1, "2024-03-01", "会员培训", "会员", "2", cell]])
    assert [e.column for e in report.errors] == ["参训人员"]
    assert "check character" in report.errors[0].message


def test_a_changed_list_updates_and_a_blank_cell_keeps_the_attendees(members, tmp_path):
    imported(tmp_path, [[V1, "2024-03-01", "会员培训", "会员", "2", "王建国"]])
    changed = imported(tmp_path, [[V1, "2024-03-01", "会员培训", "会员", "2", "王建国、赵磊"]])
    assert (changed.updated, changed.unchanged) == (1, 0)
    assert attendee_names() == ["王建国", "赵磊"]
    blank = imported(tmp_path, [[V1, "2024-03-01", "会员培训", "会员", "2", ""]])
    assert (blank.updated, blank.unchanged) == (0, 1)
    assert attendee_names() == ["王建国", "赵磊"]


def test_the_export_names_attendees_masked_and_imports_back_unchanged(members, tmp_path):
    imported(tmp_path, [[V1, "2024-03-01", "会员培训", "会员", "2", "王建国、李秀英"]])
    do_change_member_status(None, members.li, "deceased", datetime.date(2024, 5, 1))
    path = tmp_path / "trainings.xlsx"
    call_command("export", "trainings", str(path), stdout=io.StringIO())
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    cell = next(row for row in rows if "会员培训" in row)[-1]
    assert "王建国(1960-03-05)" in cell and ID_WANG not in cell
    again = run_import("trainings", path, filename=path.name, actor=None)
    assert again.errors == [] and (again.rows, again.unchanged) == (1, 1)
    assert attendee_names() == ["李秀英", "王建国"]
