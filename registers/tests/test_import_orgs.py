"""Importing org units: codes, groups by parent and name, urban branches, access."""

import pytest
from django.utils import translation

from orgs.models import Category, Level, OrgUnit
from registers.imports import run_import
from spreadsheets.tests.files import write_csv

HEADER = [
    "单位名称",
    "层级",
    "类别",
    "行政区划代码",
    "上级代码",
    "人口",
    "户数",
    "新农村建设重点村",
    "流出地村(居)代码",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def imported(tmp_path, rows, *, actor=None, **options):
    path = write_csv(tmp_path / "orgs.csv", [["组织机构导入"], HEADER, *rows])
    return run_import("orgs", path, filename="orgs.csv", actor=actor, **options)


NEW_TOWNSHIP = [
    ["白沙镇", "乡镇(街道)", "镇", "430121300", "430121", "30000", "9000", "", ""],
    ["白沙村", "村(居)", "村", "430121300201", "430121300", "2000", "600", "是", ""],
    ["第一小组", "小组", "", "", "430121300201", "", "", "", ""],
    ["白沙村进城小组", "小组", "", "", "430121/城关分会", "", "", "", "430121300201"],
]


def test_it_creates_units_under_parents_given_by_code_and_is_idempotent(tree, tmp_path):
    report = imported(tmp_path, NEW_TOWNSHIP)
    assert report.errors == [] and report.created == 4 and report.imported
    village = OrgUnit.objects.get(division_code="430121300201")
    assert village.is_key_village and village.category == Category.VILLAGE
    assert village.township.name == "白沙镇"
    group = OrgUnit.objects.get(name="第一小组", parent=village)
    assert group.level == Level.GROUP and group.village_id == village.pk
    migrant = OrgUnit.objects.get(name="白沙村进城小组")
    assert migrant.parent == tree.urban_branch and migrant.home_village == village
    again = imported(tmp_path, NEW_TOWNSHIP)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 4, [])


def test_it_derives_the_category_from_the_level_word(tree, tmp_path):
    report = imported(tmp_path, [["白沙乡", "乡", "", "430121300", "430121", "", "", "", ""]])
    assert report.errors == []
    assert OrgUnit.objects.get(division_code="430121300").category == Category.TOWNSHIP


def test_it_updates_changed_figures(tree, tmp_path):
    row = ["李家村", "村(居)", "村", "430121100201", "430121100", "2500", "700", "是", ""]
    report = imported(tmp_path, [row])
    assert (report.updated, report.errors) == (1, [])
    tree.village_1.refresh_from_db()
    assert tree.village_1.population == 2500


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["白沙镇", "乡镇", "镇", "430121300", "439999", "", "", "", ""], "上级代码", "No unit"),
        (["白沙镇", "镇区", "镇", "430121300", "430121", "", "", "", ""], "层级", "Unknown level"),
        (
            ["白沙镇", "乡镇", "镇子", "430121300", "430121", "", "", "", ""],
            "类别",
            "Unknown category",
        ),
        (["白沙镇", "乡镇", "镇", "4301213", "430121", "", "", "", ""], "行政区划代码", "digits"),
        (["白沙镇", "乡镇", "镇", "430121300", "430121", "十", "", "", ""], "人口", "whole number"),
        (["白沙镇", "乡镇", "镇", "430121300", "430121", "10", "20", "", ""], "户数", "exceed"),
        (["白沙镇", "乡镇", "镇", "430121300", "", "", "", "", ""], "上级代码", "required"),
        (
            ["白沙镇", "乡镇", "镇", "430121300", "430121", "", "", "也许", ""],
            "新农村建设重点村",
            "是 or 否",
        ),
        (
            ["李家村", "村(居)", "村", "430121100201", "430121200", "", "", "", ""],
            "上级代码",
            "move it",
        ),
        (["组", "小组", "", "", "430121/城关", "", "", "", ""], "上级代码", "no unit named"),
    ],
)
def test_it_reports_each_bad_row(tree, tmp_path, row, column, message):
    report = imported(tmp_path, [row])
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert message in report.errors[0].message
    assert not OrgUnit.objects.filter(name="白沙镇").exists()


def test_it_reports_a_duplicate_row(tree, tmp_path):
    report = imported(tmp_path, [NEW_TOWNSHIP[0], NEW_TOWNSHIP[0]])
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "行政区划代码", "Duplicate of row 3.")
    ]
    assert not report.imported and not OrgUnit.objects.filter(name="白沙镇").exists()


def test_it_keeps_the_good_rows_when_asked(tree, tmp_path):
    bad = ["坏村", "村(居)", "村", "430121999201", "430121999", "", "", "", ""]
    report = imported(tmp_path, [NEW_TOWNSHIP[0], bad], only_valid=True)
    assert report.imported and report.created == 1 and len(report.errors) == 1
    assert OrgUnit.objects.filter(name="白沙镇").exists()


def test_a_township_officer_cannot_add_units_elsewhere(tree, township_officer, tmp_path):
    mine = ["新村", "村(居)", "村", "430121100299", "430121100", "", "", "", ""]
    theirs = ["外村", "村(居)", "村", "430121200299", "430121200", "", "", "", ""]
    report = imported(tmp_path, [mine, theirs], actor=township_officer)
    assert [(e.row, e.column) for e in report.errors] == [(4, "上级代码")]
    assert "outside the units you manage" in report.errors[0].message
    report = imported(tmp_path, [mine], actor=township_officer)
    assert report.imported and OrgUnit.objects.filter(name="新村").exists()
