"""Workbooks as offices really send them, for every import kind: the table on whichever sheet
holds it, headers as people write them, and the notes under the table skipped and reported."""

import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from orgs.models import OrgUnit
from registers.exporters import template_workbook
from registers.imports import LAYOUTS, run_import
from registers.models import Member, Post, ServiceActivity, Training
from spreadsheets.tests.files import INSTRUCTIONS, write_workbook

V1 = "430121100201"
ZHANG = "430121198503050012"
FOOTER = [
    [],
    ["制表人：王五", None, None, "审核人：赵六"],
    ["注：本表一式两份，乡镇协会留存一份。"],
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def imported(tmp_path, kind, rows, *, sheets=None, **options):
    """A workbook with an instructions sheet first and the table (with a title row) after it."""
    path = write_workbook(
        tmp_path / f"{kind}.xlsx",
        sheets or {"填表说明": INSTRUCTIONS, "登记表": [["青山镇李家村计生协会"], *rows]},
    )
    return run_import(kind, path, filename=path.name, actor=None, **options)


def test_no_two_columns_of_a_layout_share_a_header():
    for kind, layout in LAYOUTS.items():
        keys = [key for column in layout for key in column.header_keys()]
        assert len(keys) == len(set(keys)), kind


def test_the_template_lists_the_other_headers_of_each_column(db):
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook("members")))
    notes = [row[0].value for row in workbook.worksheets[1].iter_rows()]
    assert any(
        line and line.startswith("身份证号码 may also be headed:") and "公民身份号码" in line
        for line in notes
    )


def test_it_imports_the_township_roster_as_the_office_sent_it(tree, tmp_path):
    header = ["序号", "姓 名", "性别", "公民身份号码", "手机号码", "所在村（居）代码", "入会时间"]
    rows = [
        header,
        ["1", "张三", "男", "430121 19850305 0012", 13812345678, V1, "2020-01-01"],
        ["2", "李四", "女", "430121850305002", 13912345678, V1, "2021年3月1日"],
        *FOOTER,
    ]
    report = imported(tmp_path, "members", rows)
    assert report.errors == [] and report.created == 2 and report.imported
    assert report.sheets[0]["name"] == "登记表"
    assert report.sheets[0]["header_rows"] == [2, 2]
    found = {c["template"]: c["found"] for c in report.sheets[0]["columns"]}
    assert found["所属村(居)代码"] == "所在村（居）代码" and found["入会日期"] == "入会时间"
    assert found["身份证号码"] == "公民身份号码" and found["联系电话"] == "手机号码"
    assert found["所属小组"] is None
    assert [(n["sheet"], n["row"]) for n in report.skipped_notes] == [("登记表", 6), ("登记表", 7)]
    assert report.skipped_notes[0]["text"] == "制表人:王五 审核人:赵六"
    assert report.extra_columns == ["序号"]
    assert Member.objects.filter(unit=tree.village_1).count() == 2


def test_it_still_refuses_a_last_data_row_that_merely_lacks_values(tree, tmp_path):
    rows = [
        ["姓名", "身份证号码", "所属村(居)代码"],
        ["张三", ZHANG, V1],
        ["李四", None, None],
        *FOOTER,
    ]
    report = imported(tmp_path, "members", rows)
    assert [(e.row, e.column) for e in report.errors] == [(4, "所属村(居)代码")]
    assert [n["row"] for n in report.skipped_notes] == [6, 7]
    assert not report.imported and Member.objects.count() == 0


def test_it_refuses_a_note_like_row_inside_the_data(tree, tmp_path):
    rows = [
        ["姓名", "身份证号码", "所属村(居)代码"],
        ["张三", ZHANG, V1],
        ["备注：以下为新入会会员"],
        ["李四", "430121850305002", V1],
        *FOOTER,
    ]
    report = imported(tmp_path, "members", rows)
    assert {(e.row, e.column) for e in report.errors} >= {(4, "所属村(居)代码")}
    assert {e.row for e in report.errors} == {4}
    assert not report.imported and Member.objects.count() == 0


def test_it_names_the_closest_header_for_a_missing_column(tree, tmp_path):
    rows = [["姓名", "身份证号码", "所属村(居)"], ["张三", ZHANG, V1]]
    with pytest.raises(Exception) as caught:
        imported(tmp_path, "members", rows)
    assert str(caught.value) == (
        "Sheet “登记表”: The header row lacks 所属村(居)代码; is it ‘所属村(居)’?"
    )


def test_it_imports_every_sheet_holding_the_header_and_names_the_sheet_of_each_error(
    tree, tmp_path
):
    header = ["姓名", "身份证号码", "所属村(居)代码"]
    sheets = {
        "说明": INSTRUCTIONS,
        "第一小组": [header, ["张三", ZHANG, V1]],
        "第二小组": [header, ["李四", "123", V1], ["王五", "430121850305002", V1]],
    }
    report = imported(tmp_path, "members", None, sheets=sheets)
    assert [sheet["name"] for sheet in report.sheets] == ["第一小组", "第二小组"]
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("第二小组", 2, "身份证号码")]
    assert report.as_dict()["errors"][0]["sheet"] == "第二小组"
    assert (report.rows, report.valid, report.imported) == (3, 2, False)
    fixed = {**sheets, "第二小组": [header, ["王五", "430121850305002", V1]]}
    assert imported(tmp_path, "members", None, sheets=fixed).created == 2


def test_it_names_the_sheet_of_the_first_row_a_duplicate_repeats(tree, tmp_path):
    header = ["姓名", "身份证号码", "所属村(居)代码"]
    sheets = {"一组": [header, ["张三", ZHANG, V1]], "汇总": [header, ["张三", ZHANG, V1]]}
    report = imported(tmp_path, "members", None, sheets=sheets)
    assert [(e.sheet, e.row, e.message) for e in report.errors] == [
        ("汇总", 2, "Duplicate of row 2 of sheet “一组”.")
    ]


def test_it_imports_org_units_under_a_two_row_merged_header(tree, tmp_path):
    path = write_workbook(
        tmp_path / "orgs.xlsx",
        {
            "填表说明": INSTRUCTIONS,
            "单位": [
                ["单位名称", "层级", "代码信息", None, "人口"],
                [None, None, "统计用区划代码", "上级行政区划代码", None],
                ["白沙镇", "镇", "430121300", "430121", "30000"],
                ["合计", None, None, None, "30000"],
            ],
        },
        merged={"单位": ["A1:A2", "B1:B2", "C1:D1", "E1:E2"]},
    )
    report = run_import("orgs", path, filename=path.name, actor=None)
    assert report.errors == [] and report.created == 1
    assert report.sheets[0]["header_rows"] == [1, 2]
    assert [n["row"] for n in report.skipped_notes] == [4]
    assert OrgUnit.objects.get(division_code="430121300").parent == tree.county_a


def test_it_imports_posts_with_headers_as_written(tree, tmp_path):
    rows = [
        ["所在单位编码", "职 务", "姓名", "任职时间"],
        [V1, "会长", "王建国", "2021-01-01"],
        ["填表人：李四", None, "联系电话：0731-88888888"],
    ]
    report = imported(tmp_path, "posts", rows)
    assert report.errors == [] and report.created == 1
    assert [n["row"] for n in report.skipped_notes] == [4]
    assert Post.objects.get().holder_name == "王建国"


def test_it_imports_trainings_with_headers_as_written(tree, tmp_path):
    rows = [
        ["组织单位行政区划代码", "培训时间", "培训内容", "对象", "课时"],
        [V1, "2024-03-01", "会员培训", "会员", "2"],
        ["合计", None, None, None, "2"],
        ["日期：2024年3月5日"],
    ]
    report = imported(tmp_path, "trainings", rows)
    assert report.errors == [] and report.created == 1
    assert [n["row"] for n in report.skipped_notes] == [4, 5]
    assert Training.objects.get().title == "会员培训"


def test_it_imports_activities_with_headers_as_written(tree, tmp_path):
    rows = [
        ["单位代码", "活动时间", "载体", "活动名称", "受益人数", "经费（元）"],
        [V1, "2024-05-01", "生育关怀", "走访慰问", "30", "1500"],
        ["合计", None, None, None, "30", "1500"],
        ["注：经费以财务报销为准"],
    ]
    report = imported(tmp_path, "activities", rows)
    assert report.errors == [] and report.created == 1
    assert [n["row"] for n in report.skipped_notes] == [4, 5]
    assert ServiceActivity.objects.get().people_served == 30


def test_the_command_reports_the_sheet_columns_and_notes_in_its_json(tree, tmp_path):
    rows = [["姓名", "公民身份号码", "所在村(居)代码"], ["张三", ZHANG, V1], *FOOTER]
    path = write_workbook(tmp_path / "m.xlsx", {"填表说明": INSTRUCTIONS, "名册": rows})
    out = io.StringIO()
    call_command(
        "import", "members", str(path), "--json", "--dry-run", stdout=out, stderr=io.StringIO()
    )
    result = json.loads(out.getvalue())
    assert result["sheets"][0]["name"] == "名册"
    assert {
        "field": "unit_code",
        "template": "所属村(居)代码",
        "found": "所在村(居)代码",
        "required": True,
    } in result["sheets"][0]["columns"]
    assert [n["row"] for n in result["skipped_notes"]] == [4, 5]
    text = io.StringIO()
    call_command("import", "members", str(path), "--dry-run", stdout=text, stderr=io.StringIO())
    printed = text.getvalue()
    assert "Sheet “名册”, header on row 1." in printed
    assert "所属村(居)代码 ← 所在村(居)代码" in printed
    assert "Row 4 skipped, a note under the table: 制表人:王五 审核人:赵六" in printed
