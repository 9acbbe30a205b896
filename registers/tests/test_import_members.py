"""Importing the member register from office spreadsheets."""

import datetime

import pytest
from django.utils import translation

from registers import pii
from registers.imports import run_import
from registers.models import Member
from registers.tests.import_files import batches_of
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


def imported(tmp_path, rows, *, header=HEADER, actor=None, name="m.csv", **options):
    path = write_csv(tmp_path / name, [header, *rows])
    return run_import("members", path, filename=name, actor=actor, **options)


def messages(report):
    return [(e.row, e.column, e.message) for e in report.errors]


@pytest.mark.parametrize(
    "typed", ["1985-03-05", "1985/3/5", "1985.3.5", "19850305", "1985年3月5日", "１９８５/３/５"]
)
def test_it_accepts_each_written_date_form(tree, tmp_path, typed):
    report = imported(tmp_path, [row(出生日期=typed)])
    assert report.errors == [] and report.created == 1
    assert Member.objects.get().birth_date == datetime.date(1985, 3, 5)


def test_it_accepts_excel_date_cells_and_serials(tree, tmp_path):
    rows = [
        row(出生日期=datetime.datetime(1985, 3, 5), 入会日期=43831),
        row(姓名="王五", 身份证号码=WANG, 出生日期=32874, 性别="女"),
    ]
    path = write_xlsx(tmp_path / "m.xlsx", [HEADER, *rows], text_columns={3})
    report = run_import("members", path, filename="m.xlsx", actor=None)
    assert report.errors == []
    zhang = Member.objects.get(name="张三")
    assert zhang.join_date == datetime.date(2020, 1, 1)
    assert Member.objects.get(name="王五").birth_date == datetime.date(1990, 1, 1)


@pytest.mark.parametrize(
    "typed",
    [
        ZHANG,
        f"  {ZHANG} ",
        "４３０１２１１９８５０３０５００１２",
        "430121 19850305 0012",
        "430121850305001",  # the 15-digit legacy form
    ],
)
def test_it_accepts_each_id_number_form(tree, tmp_path, typed):
    report = imported(tmp_path, [row(身份证号码=typed)])
    assert report.errors == []
    assert Member.objects.get().id_number_masked.startswith("430")


def test_it_accepts_a_lower_case_x(tree, tmp_path):
    number = "43012119881111003X"
    report = imported(tmp_path, [row(身份证号码=number.lower(), 出生日期="1988-11-11", 性别="男")])
    assert report.errors == []
    assert pii.decrypt(Member.objects.get().id_number_encrypted) == number


def test_it_accepts_id_numbers_stored_as_numbers_that_kept_their_digits(tree, tmp_path):
    rows = [row(身份证号码=430121850305001)]  # 15 digits fit Excel's numbers
    path = write_xlsx(tmp_path / "m.xlsx", [HEADER, *rows])
    report = run_import("members", path, filename="m.xlsx", actor=None)
    assert report.errors == [] and report.created == 1


def test_it_refuses_an_id_number_that_excel_rounded(tree, tmp_path):
    rows = [row(身份证号码=430121198503050012)]  # stored as a float: the last digits are lost
    path = write_xlsx(tmp_path / "m.xlsx", [HEADER, *rows])
    report = run_import("members", path, filename="m.xlsx", actor=None)
    assert report.created == 0
    (error,) = report.errors
    assert (error.row, error.column) == (2, "身份证号码")
    assert "format the column as Text" in error.message


def test_it_refuses_an_id_number_written_in_scientific_notation(tree, tmp_path):
    report = imported(tmp_path, [row(身份证号码="4.30121198503050e+17")])
    assert "15 digits" in report.errors[0].message


@pytest.mark.parametrize("typed", ["138 1234 5678", "138-1234-5678", "１３８１２３４５６７８"])
def test_it_accepts_phones_with_spaces_or_dashes(tree, tmp_path, typed):
    report = imported(tmp_path, [row(联系电话=typed)])
    assert report.errors == []
    assert Member.objects.get().phone_masked == "138****5678"


def test_it_cleans_stray_spaces_and_full_width_text(tree, tmp_path):
    report = imported(tmp_path, [row(姓名=" 张　三 ", 所属小组=" 第一 小组 ")])
    assert report.errors == []
    member = Member.objects.get()
    assert member.name == "张 三" and member.group == tree.group_1


def test_it_accepts_header_variants_in_any_order(tree, tmp_path):
    header = ["手机号码", "村居代码", "姓名", "公民身份号码", "会员类别"]
    report = imported(tmp_path, [["13812345678", V1, "张三", ZHANG, "五老"]], header=header)
    assert report.errors == [] and report.created == 1


def test_it_reports_and_ignores_extra_columns(tree, tmp_path):
    header = [*HEADER, "备注", "民族"]
    report = imported(tmp_path, [[*row(), "x", "汉"]], header=header)
    assert report.extra_columns == ["备注", "民族"] and report.created == 1


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"身份证号码": "430121198503050013"}, "身份证号码", "check character"),
        ({"所属村(居)代码": "430121100299"}, "所属村(居)代码", "No unit has the code"),
        ({"所属村(居)代码": "430121100"}, "所属村(居)代码", "registered in a village"),
        ({"入会日期": "2099-01-01"}, "入会日期", "in the future"),
        ({"入会日期": "1980-01-01"}, "入会日期", "before the birth date"),
        ({"出生日期": "1985-03-06"}, "出生日期", "does not match the ID number"),
        ({"性别": "女"}, "性别", "does not match the ID number"),
        ({"性别": "未知"}, "性别", "男 or 女"),
        ({"所属小组": "第九小组"}, "所属小组", "no group named"),
        ({"会员类别": "五老、能人"}, "会员类别", "Unknown member category “能人”"),
        ({"文化程度": "幼儿园"}, "文化程度", "Unknown education"),
        ({"出生日期": "去年"}, "出生日期", "Write the date as"),
        ({"联系电话": "12345"}, "联系电话", "11-digit mobile"),
        ({"姓名": ""}, "姓名", "name is required"),
        ({"所属村(居)代码": ""}, "所属村(居)代码", "code is required"),
        ({"身份证号码": "", "出生日期": ""}, "出生日期", "needs the birth date"),
        ({"身份证号码": "430***********0012"}, "身份证号码", "masked ID number"),
        ({"联系电话": "138****5678"}, "联系电话", "masked phone"),
    ],
)
def test_it_reports_each_bad_row_with_its_column_and_reason(
    tree, tmp_path, changes, column, message
):
    report = imported(
        tmp_path, [row(姓名="王五", 身份证号码=WANG, 出生日期="", 性别=""), row(**changes)]
    )
    assert report.rows == 2 and report.valid == 1
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert message in report.errors[0].message
    assert not report.imported and Member.objects.count() == 0


def test_it_reports_a_duplicate_of_an_earlier_row(tree, tmp_path):
    report = imported(tmp_path, [row(), row(联系电话="13900000000")])
    assert messages(report) == [(3, "身份证号码", "Duplicate of row 2.")]


def test_it_refuses_a_person_already_in_another_village(tree, tmp_path):
    imported(tmp_path, [row(所属小组="")])
    report = imported(tmp_path, [row(**{"所属村(居)代码": "430121200201", "所属小组": ""})])
    assert messages(report) == [(2, "身份证号码", "This person is already registered in “李家村”.")]


def test_it_imports_nothing_while_any_row_is_bad(tree, tmp_path):
    report = imported(tmp_path, [row(), row(姓名="王五", 身份证号码="x")])
    assert report.created == 1 and len(report.errors) == 1
    assert not report.imported
    assert Member.objects.count() == 0


def test_it_imports_only_the_good_rows_when_asked(tree, tmp_path):
    report = imported(tmp_path, [row(), row(姓名="王五", 身份证号码="x")], only_valid=True)
    assert report.imported and report.created == 1 and len(report.errors) == 1
    assert list(Member.objects.values_list("name", flat=True)) == ["张三"]


def test_it_writes_nothing_on_a_dry_run(tree, tmp_path):
    report = imported(tmp_path, [row()], dry_run=True)
    assert report.created == 1 and not report.imported
    assert Member.objects.count() == 0


def test_it_updates_what_changed_and_counts_the_rest_unchanged(tree, tmp_path):
    wang = row(姓名="王五", 身份证号码=WANG, 出生日期="", 性别="")
    imported(tmp_path, [row(), wang])
    report = imported(
        tmp_path, [row(所属小组="第二小组", 会员类别="社会能人", 联系电话="13900000000"), wang]
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    zhang = Member.objects.get(name="张三")
    assert zhang.group == tree.group_2 and zhang.version == 2
    assert list(zhang.categories.values_list("name", flat=True)) == ["社会能人"]
    assert zhang.phone_masked == "139****0000"


def test_it_leaves_stored_values_alone_for_blank_cells(tree, tmp_path):
    imported(tmp_path, [row()])
    report = imported(tmp_path, [row(联系电话="", 会员类别="", 职业="", 所属小组="")])
    assert report.unchanged == 1
    assert Member.objects.get().phone_masked == "138****5678"


def test_it_matches_rows_without_an_id_number_by_name_and_birth_date(tree, tmp_path):
    no_id = row(身份证号码="", 性别="女", 姓名="李秀英")
    first = imported(tmp_path, [no_id])
    assert first.created == 1
    again = imported(tmp_path, [no_id])
    assert (again.created, again.unchanged) == (0, 1)
    later = imported(
        tmp_path, [row(身份证号码=WANG, 出生日期="1990-01-01", 姓名="李秀英", 性别="")]
    )
    assert later.created == 1  # a different birth date: another person


def test_it_adds_the_id_number_to_a_member_registered_without_one(tree, tmp_path):
    imported(tmp_path, [row(身份证号码="")])
    report = imported(tmp_path, [row()])
    assert (report.created, report.updated) == (0, 1)
    assert Member.objects.get().id_number_hash


def test_it_writes_one_audit_event_per_import(tree, tmp_path):
    from audit.models import AuditEvent

    imported(tmp_path, [row(), row(姓名="王五", 身份证号码=WANG, 出生日期="", 性别="")])
    event = AuditEvent.objects.get(action="registers.import")
    assert event.after["created"] == 2 and event.unit_id == tree.village_1.pk
    assert ZHANG not in str(event.after)


def test_it_refuses_rows_outside_a_village_operators_units(tree, village_operator, tmp_path):
    other = row(姓名="王五", 身份证号码=WANG, 出生日期="", 性别="", 所属小组="")
    other[HEADER.index("所属村(居)代码")] = "430121100202"  # 王庄村, not theirs
    report = imported(tmp_path, [row(), other], actor=village_operator)
    assert messages(report) == [
        (
            3,
            "所属村(居)代码",
            "This unit is outside the units you manage; the row cannot be imported.",
        )
    ]
    assert Member.objects.count() == 0
    report = imported(tmp_path, [row()], actor=village_operator)
    assert report.imported and report.created == 1


def test_it_imports_a_gbk_csv(tree, tmp_path):
    path = write_csv(tmp_path / "m.csv", [HEADER, row()], encoding="gbk")
    report = run_import("members", path, filename="m.csv", actor=None)
    assert report.errors == [] and Member.objects.get().name == "张三"


def test_it_reports_progress(tree, tmp_path, monkeypatch):
    batches_of(monkeypatch, 2)
    rows = [row(姓名=f"会员{i}", 身份证号码="", 出生日期=f"1980-01-{i + 1:02d}") for i in range(5)]
    calls = []
    path = write_csv(tmp_path / "m.csv", [HEADER, *rows])
    run_import("members", path, filename="m.csv", actor=None, progress=lambda *a: calls.append(a))
    assert calls[-1] == (5, 5)
    assert [done for done, _total in calls] == [2, 4, 5]


def test_it_imports_members_of_an_urban_branch_by_code_and_name(tree, tmp_path):
    report = imported(
        tmp_path,
        [row(**{"所属村(居)代码": "430121/城关分会", "所属小组": "李家村进城小组"})],
    )
    assert report.errors == []
    member = Member.objects.get()
    assert member.unit == tree.urban_branch and member.group == tree.branch_group


def test_it_imports_nothing_when_a_later_batch_has_a_bad_row(tree, tmp_path, monkeypatch):
    """Batches already written are rolled back with the rest: never half a file."""
    batches_of(monkeypatch, 2)
    rows = [row(姓名=f"会员{i}", 身份证号码="", 出生日期=f"1980-01-{i + 1:02d}") for i in range(5)]
    rows.append(row(姓名="坏行", 身份证号码="123"))
    report = imported(tmp_path, rows)
    assert report.created == 5 and len(report.errors) == 1 and not report.imported
    assert Member.objects.count() == 0


def test_it_finds_duplicates_across_batches(tree, tmp_path, monkeypatch):
    batches_of(monkeypatch, 2)
    others = [
        row(姓名=f"会员{i}", 身份证号码="", 出生日期=f"1980-01-{i + 1:02d}") for i in range(3)
    ]
    report = imported(tmp_path, [row(), *others, row()])
    assert messages(report) == [(6, "身份证号码", "Duplicate of row 2.")]
