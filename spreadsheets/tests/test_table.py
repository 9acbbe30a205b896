"""The template's table in a workbook as offices send it: the sheet that holds the header, and
the notes under the table left out and listed."""

import openpyxl
import pytest
from django.utils import translation

from spreadsheets.columns import Column
from spreadsheets.reading import UnreadableFile
from spreadsheets.table import is_note, open_table
from spreadsheets.tests.files import INSTRUCTIONS, write_csv, write_workbook

LAYOUT = [
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号码"),
    Column("code", "所属村(居)代码", required=True),
]
HEADER = ["姓名", "身份证号码", "所属村(居)代码"]
ZHANG = ["张三", "430121198503050012", "430121100201"]
LI = ["李四", "430121199001010023", "430121100201"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read(table):
    return [
        (sheet.name, number, cells[0]) for sheet in table.sheets for number, cells in sheet.rows()
    ]


def test_it_passes_over_an_instructions_sheet_to_the_sheet_with_the_header(tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx", {"填表说明": INSTRUCTIONS, "会员名册": [HEADER, ZHANG, LI]}
    )
    table = open_table(path, "a.xlsx", LAYOUT)
    assert [sheet.name for sheet in table.sheets] == ["会员名册"]
    assert read(table) == [("会员名册", 2, "张三"), ("会员名册", 3, "李四")]


def test_it_reads_every_sheet_that_holds_the_header_in_tab_order(tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx",
        {
            "说明": INSTRUCTIONS,
            "一组": [HEADER, ZHANG],
            "汇总图": [["合计", 2]],
            "二组": [HEADER, LI],
        },
    )
    table = open_table(path, "a.xlsx", LAYOUT)
    assert read(table) == [("一组", 2, "张三"), ("二组", 2, "李四")]


def test_it_says_which_sheet_came_closest_when_none_holds_the_header(tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx", {"说明": INSTRUCTIONS, "名册": [["姓名", "所属村(居)"], ZHANG]}
    )
    with pytest.raises(UnreadableFile) as caught:
        open_table(path, "a.xlsx", LAYOUT)
    assert str(caught.value) == (
        "Sheet “名册”: The header row lacks 所属村(居)代码; is it ‘所属村(居)’?"
    )


def test_it_names_the_sheets_when_none_has_a_header_at_all(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", {"说明": INSTRUCTIONS, "封面": [["李家村"]]})
    with pytest.raises(UnreadableFile) as caught:
        open_table(path, "a.xlsx", LAYOUT)
    assert "说明、封面" in str(caught.value)


def test_it_leaves_out_the_notes_under_the_table_and_lists_them(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [
            HEADER,
            ZHANG,
            LI,
            [],
            ["制表人：王五", None, "审核人：赵六"],
            ["　注：本表一式两份，乡镇协会留存一份。"],
            ["合计", "2人"],
            ["填表日期：2024年3月5日"],
        ],
    )
    table = open_table(path, "a.csv", LAYOUT)
    assert read(table) == [("", 2, "张三"), ("", 3, "李四")]
    assert [(note.row, note.text) for note in table.notes] == [
        (5, "制表人:王五 审核人:赵六"),
        (6, "注:本表一式两份,乡镇协会留存一份。"),
        (7, "合计 2人"),
        (8, "填表日期:2024年3月5日"),
    ]


def test_it_leaves_out_numbered_rows_with_nothing_in_the_template_columns(tmp_path):
    path = write_csv(
        tmp_path / "a.csv", [["序号", *HEADER], ["1", *ZHANG], ["2", None, None], ["3"]]
    )
    table = open_table(path, "a.csv", LAYOUT)
    assert [number for _sheet, number, _name in read(table)] == [2]
    assert [note.row for note in table.notes] == [3, 4]


def test_it_hands_on_a_note_like_row_inside_the_data_as_data(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [HEADER, ZHANG, ["备注：下一行迁入"], ["", "", ""], LI, ["制表人：王五"]],
    )
    table = open_table(path, "a.csv", LAYOUT)
    assert [number for _sheet, number, _name in read(table)] == [2, 3, 5]
    assert [note.row for note in table.notes] == [6]


def test_it_keeps_a_last_data_row_that_merely_lacks_a_value(tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADER, ZHANG, ["李四", None, None]])
    table = open_table(path, "a.csv", LAYOUT)
    assert [number for _sheet, number, _name in read(table)] == [2, 3]
    assert table.notes == []


@pytest.mark.parametrize(
    ("cells", "note"),
    [
        (["制表人："], True),
        (["制表人:王五"], True),
        ([None, "审 核 人：李四"], True),
        (["填表人"], True),
        (["联系电话：0731-88888888"], True),
        (["注1：身份证号码须为18位"], True),
        (["备注："], True),
        (["合计", 25], True),
        (["日期：2024.3"], True),
        (["单位（盖章）："], True),
        (["张三", "430121198503050012"], False),
        (["注册会员"], False),
        (["2024-03-05", "合计"], False),
        (["日期不详"], False),
    ],
)
def test_it_tells_a_note_from_data_by_its_first_value(cells, note):
    assert is_note(cells) is note


def test_it_does_not_read_a_hidden_sheet(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", {"下拉列表": [HEADER, LI], "名册": [HEADER, ZHANG]})
    workbook = openpyxl.load_workbook(path)
    workbook["下拉列表"].sheet_state = "hidden"
    workbook.save(path)
    table = open_table(path, "a.xlsx", LAYOUT)
    assert read(table) == [("名册", 2, "张三")]
