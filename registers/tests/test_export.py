"""Exports: the import template's headers, masked personal information, and the round trip."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from registers.exporters import export_workbook, template_workbook
from registers.imports import MEMBER_COLUMNS, ORG_COLUMNS, run_import
from registers.models import Member
from registers.tests.test_import_members import HEADER, WANG, ZHANG, row
from spreadsheets.tests.files import write_csv


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def register(tree, tmp_path):
    rows = [
        row(),
        row(姓名="王五", 身份证号码=WANG, 出生日期="", 性别="", 所属小组="", 会员类别=""),
        row(姓名="李秀英", 身份证号码="", 联系电话="", 性别="女", 文化程度="", 职业=""),
    ]
    path = write_csv(tmp_path / "seed.csv", [HEADER, *rows])
    report = run_import("members", path, filename="seed.csv", actor=None)
    assert report.errors == [] and report.created == 3


def sheet_rows(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]


def test_it_exports_members_masked_with_the_template_headers(register):
    rows = sheet_rows(export_workbook("members", None))
    assert rows[1] == [c.header for c in MEMBER_COLUMNS]
    text = str(rows)
    assert ZHANG not in text and "13812345678" not in text
    assert "430***************" in text and "138****5678" in text


def test_an_export_of_members_imports_back_unchanged(register, tmp_path):
    path = tmp_path / "members.xlsx"
    call_command("export", "members", str(path), "--unit", "430121100201", stdout=io.StringIO())
    report = run_import("members", path, filename="members.xlsx", actor=None)
    assert report.errors == []
    assert (report.rows, report.unchanged, report.created, report.updated) == (3, 3, 0, 0)
    assert Member.objects.count() == 3


def test_an_export_of_org_units_imports_back_unchanged(tree, tmp_path):
    path = tmp_path / "orgs.xlsx"
    call_command("export", "orgs", str(path), stdout=io.StringIO())
    report = run_import("orgs", path, filename="orgs.xlsx", actor=None)
    assert report.errors == []
    assert report.rows == 17 and report.unchanged == 17


def test_it_exports_only_the_subtree_asked_for(tree):
    rows = sheet_rows(export_workbook("orgs", None, unit=tree.township_1))
    names = [r[0] for r in rows[2:]]
    assert names == ["青山镇", "李家村", "王庄村", "第一小组", "第二小组"]


def test_it_exports_only_what_a_user_may_see(tree, village_operator):
    rows = sheet_rows(export_workbook("orgs", None, actor=village_operator))
    assert [r[0] for r in rows[2:]] == ["李家村", "第一小组", "第二小组"]


@pytest.mark.parametrize(("kind", "columns"), [("members", MEMBER_COLUMNS), ("orgs", ORG_COLUMNS)])
def test_it_gives_a_blank_template_with_a_title_and_instructions(db, kind, columns):
    data = template_workbook(kind)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    first, notes = workbook.worksheets
    assert first.cell(1, 1).value  # the title row
    assert [c.value for c in first[2]] == [c.header for c in columns]
    assert first.max_row == 2
    assert notes.max_row > 3


def test_a_filled_template_imports(tree, tmp_path):
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook("members")))
    sheet = workbook.worksheets[0]
    for col, value in enumerate(row(), start=1):
        sheet.cell(3, col, value)
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    report = run_import("members", path, filename="filled.xlsx", actor=None)
    assert report.errors == [] and report.created == 1


def test_it_exports_text_that_looks_like_a_formula_as_text(tree):
    """A value typed as `=…` (formula injection) leaves the export as a string, never a formula
    a spreadsheet would run."""
    import zipfile

    from registers.services import do_create_member

    injected = '=HYPERLINK("http://x.example","点我")'
    do_create_member(None, tree.village_1, name="张三", occupation=injected)
    data = export_workbook("members", None)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = b"".join(archive.read(name) for name in sheets)
    assert b"<f>" not in xml and b"<f " not in xml
    assert injected in str(sheet_rows(data))
