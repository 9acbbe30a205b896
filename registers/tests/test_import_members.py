"""Importing the member register from office spreadsheets."""

import datetime

import pytest
from django.utils import translation

from registers.importers import run_import
from registers.models import Member
from spreadsheets.tests.files import write_csv, write_xlsx

HEADER = [
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
ZHANG = "430121198503050012"
WANG = "430121199001010023"
V1 = "430121100201"


def row(**values):
    base = {
        "姓名": "张三",
        "性别": "男",
        "出生日期": "1985-03-05",
        "身份证号码": ZHANG,
        "联系电话": "13812345678",
        "所属村(居)代码": V1,
        "所属小组": "第一小组",
        "会员类别": "五老、致富能手",
        "入会日期": "2020-01-01",
        "文化程度": "初中",
        "职业": "农民",
    }
    base.update(values)
    return [base[h] for h in HEADER]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_it_imports_a_csv_with_a_title_row(tree, tmp_path):
    path = write_csv(tmp_path / "m.csv", [["李家村会员花名册"], HEADER, row()])
    report = run_import("members", path, filename="m.csv", actor=None)
    assert report.errors == []
    assert report.created == 1 and report.imported
    member = Member.objects.get()
    assert member.unit == tree.village_1 and member.group == tree.group_1
    assert sorted(member.categories.values_list("name", flat=True)) == ["五老", "致富能手"]


def test_it_changes_nothing_the_second_time(tree, tmp_path):
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [HEADER, row(), row(姓名="王五", 身份证号码=WANG, 出生日期="", 性别="")],
        title="会员花名册",
    )
    first = run_import("members", path, filename="m.xlsx", actor=None)
    assert (first.created, first.errors) == (2, [])
    second = run_import("members", path, filename="m.xlsx", actor=None)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert Member.objects.get(name="王五").birth_date == datetime.date(1990, 1, 1)
