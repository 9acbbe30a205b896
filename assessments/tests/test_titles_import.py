"""`sanlian import titles`: existing 双创 titles carried in with the registers' row-error contract
(Excel row, column, Chinese reason; all or nothing; idempotent), on messy files; the template and
`sanlian export titles` import back unchanged; the titles count at once in the roll-ups."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from assessments.models import AwardedTitle
from campaigns import rollups
from registers.exporters import template_workbook
from registers.imports import run_import
from spreadsheets.tests.files import INSTRUCTIONS, write_csv, write_workbook, write_xlsx
from standards.models import TitleKind

HEADER = ["单位代码", "单位名称", "称号", "年度", "发文单位", "文号"]
V1, V2, V3 = "430121100201", "430121100202", "430121200201"
GOOD = [
    [V1, "李家村", "合格村(居)协会", "2019", "长沙县计划生育协会", "长计协〔2019〕5号"],
    [V2, "王庄村", "一流村(居)协会", 2020, "长沙县计划生育协会", "长计协〔2020〕3号"],
    ["430121100201/第一小组", "第一小组", "“五好”协会小组", "2021年", "", ""],
]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def imported(tmp_path, rows, header=HEADER, actor=None, name="titles.csv", **options):
    path = write_csv(tmp_path / name, [header, *rows])
    return run_import("titles", path, filename=name, actor=actor, **options)


def test_it_carries_in_titles_and_counts_them_at_once(tree, tmp_path, county_officer):
    report = imported(tmp_path, GOOD, actor=county_officer)
    assert report.errors == [] and (report.created, report.imported) == (3, True)
    assert AwardedTitle.objects.filter(carried_in=True).count() == 3
    title = AwardedTitle.objects.get(unit=tree.village_1)
    assert (title.issuer, title.document_number) == ("长沙县计划生育协会", "长计协〔2019〕5号")
    figures = rollups.figures(tree.county_a, 2026)
    assert (figures.qualified_villages, figures.first_class_villages) == (1, 1)
    assert figures.five_good_groups == 1


def test_it_imports_the_same_file_twice_without_change(tree, tmp_path, county_officer):
    imported(tmp_path, GOOD, actor=county_officer)
    again = imported(tmp_path, GOOD, actor=county_officer)
    assert (again.created, again.unchanged) == (0, 3)
    assert AwardedTitle.objects.count() == 3


def test_it_imports_nothing_when_a_row_is_wrong(tree, tmp_path, county_officer):
    rows = [*GOOD, [V3, "张湾村", "优秀村", "2019", "", ""]]
    report = imported(tmp_path, rows, actor=county_officer)
    assert not report.imported and AwardedTitle.objects.count() == 0
    [error] = report.errors
    assert (error.row, error.column) == (5, "称号")
    assert "未知" in error.message or "称号" in error.message


def test_it_imports_the_good_rows_with_only_valid(tree, tmp_path, county_officer):
    rows = [*GOOD, [V3, "张湾村", "合格", "20x9", "", ""]]
    report = imported(tmp_path, rows, actor=county_officer, only_valid=True)
    assert report.imported and report.created == 3
    assert [(e.row, e.column) for e in report.errors] == [(5, "年度")]


def test_it_checks_without_writing_on_a_dry_run(tree, tmp_path, county_officer):
    report = imported(tmp_path, GOOD, actor=county_officer, dry_run=True)
    assert report.errors == [] and not report.imported
    assert AwardedTitle.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["999999999999", "", "合格", "2019", "", ""], "单位代码"),
        ([V1, "王庄村", "合格", "2019", "", ""], "单位名称"),
        ([V1, "", "先进乡镇", "2019", "", ""], "称号"),
        ([V1, "", "合格", "1980", "", ""], "年度"),
    ],
)
def test_it_names_the_row_column_and_reason(tree, tmp_path, county_officer, row, column):
    [error] = imported(tmp_path, [row], actor=county_officer).errors
    assert (error.row, error.column) == (2, column)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)


def test_it_refuses_a_township_officer(tree, tmp_path, township_officer):
    [error] = imported(tmp_path, [GOOD[0]], actor=township_officer).errors
    assert error.column == "单位代码"
    assert AwardedTitle.objects.count() == 0


def test_it_reads_a_titled_xlsx_with_merged_cells_and_header_variants(tree, tmp_path):
    header = ["行政区划代码", "名称", "荣誉称号", "命名年度", "命名单位", "发文文号"]
    path = write_xlsx(
        tmp_path / "双创.xlsx", [header, *GOOD[:2]], title="双创称号名单", text_columns={0}
    )
    report = run_import("titles", path, filename="双创.xlsx", actor=None)
    assert report.errors == [] and report.created == 2


def test_it_reads_a_gbk_csv(tree, tmp_path):
    path = write_csv(tmp_path / "t.csv", [HEADER, GOOD[0]], encoding="gbk")
    report = run_import("titles", path, filename="t.csv", actor=None)
    assert report.errors == [] and report.created == 1


def test_it_offers_a_template_with_chinese_headers():
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(template_workbook("titles"))).worksheets[0]
    headers = [c.value for row in sheet.iter_rows(max_row=4) for c in row if c.value]
    assert all(h in headers for h in HEADER)


def test_it_exports_titles_that_import_back_unchanged(tree, tmp_path):
    imported(tmp_path, GOOD)
    path = tmp_path / "export.xlsx"
    call_command("export", "titles", str(path), stdout=io.StringIO())
    report = run_import("titles", path, filename=path.name, actor=None)
    assert report.errors == [] and (report.rows, report.unchanged) == (3, 3)


def test_it_runs_from_the_command_line_with_json(tree, tmp_path):
    path = write_csv(tmp_path / "t.csv", [HEADER, *GOOD])
    out = io.StringIO()
    call_command("import", "titles", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 3
    assert AwardedTitle.objects.filter(title=TitleKind.QUALIFIED_VILLAGE).count() == 1


def test_it_offers_titles_on_the_import_page_with_their_template(tree, county_officer, login):
    client = login(county_officer)
    page = client.get("/registers/import/").content.decode()
    assert "/registers/import/templates/titles.xlsx" in page and "往年称号" in page
    template = client.get("/registers/import/templates/titles.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")


def test_it_offers_no_certificate_for_a_carried_in_title(tree, tmp_path, county_officer, login):
    imported(tmp_path, GOOD[:1], actor=county_officer)
    title = AwardedTitle.objects.get(unit=tree.village_1)
    client = login(county_officer)
    url = reverse("reports:certificate_pdf", args=[title.pk])
    assert client.get(url).status_code == 404


# Messy files, as registers/tests/test_import_workbooks.py holds every other kind to.

FOOTER = [[], ["制表人：王五", None, None, "审核人：赵六"], ["注：本表一式两份。"]]


def test_it_names_the_excel_row_under_a_title_row_and_skips_the_notes(tree, tmp_path):
    header = ["行政区划代码", "名称", "荣誉称号", "命名年度", "命名单位", "发文文号"]
    bad = [V2, "王庄村", "优秀村", "2020", "", ""]
    path = write_workbook(
        tmp_path / "双创.xlsx",
        {"填表说明": INSTRUCTIONS, "称号": [["长沙县双创称号名单"], header, GOOD[0], bad, *FOOTER]},
    )
    report = run_import("titles", path, filename=path.name, actor=None)
    # The column as the file names it, on the row Excel shows.
    assert [(e.row, e.column) for e in report.errors] == [(4, "荣誉称号")]
    assert [n["row"] for n in report.skipped_notes] == [6, 7]
    assert not report.imported and AwardedTitle.objects.count() == 0


def test_it_reads_titles_under_a_two_row_merged_header(tree, tmp_path):
    path = write_workbook(
        tmp_path / "titles.xlsx",
        {
            "称号": [
                ["单位代码", "单位名称", "称号情况", None, "命名文件", None],
                [None, None, "称号", "年度", "发文单位", "文号"],
                GOOD[0],
            ]
        },
        merged={"称号": ["A1:A2", "B1:B2", "C1:D1", "E1:F1"]},
    )
    report = run_import("titles", path, filename=path.name, actor=None)
    assert report.errors == [] and report.created == 1
    assert report.sheets[0]["header_rows"] == [1, 2]


def test_it_names_the_row_of_a_bad_line_in_a_gbk_csv(tree, tmp_path):
    bad = [V2, "王庄村", "合格", "明年", "", ""]
    path = write_csv(tmp_path / "t.csv", [HEADER, GOOD[0], bad], encoding="gbk")
    [error] = run_import("titles", path, filename="t.csv", actor=None).errors
    assert (error.row, error.column) == (3, "年度")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)
    assert AwardedTitle.objects.count() == 0


def test_it_catches_a_title_repeated_across_sheets(tree, tmp_path):
    sheets = {"一组": [HEADER, GOOD[0]], "二组": [HEADER, GOOD[0]]}
    path = write_workbook(tmp_path / "titles.xlsx", sheets)
    report = run_import("titles", path, filename=path.name, actor=None)
    assert [(e.sheet, e.row) for e in report.errors] == [("二组", 2)]
    assert AwardedTitle.objects.count() == 0
