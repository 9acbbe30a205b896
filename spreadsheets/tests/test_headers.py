"""Headers as people write them: one synonym table, word families, two-row merged headers, and
a missing column named with the closest header found."""

import pytest
from django.utils import translation

from spreadsheets.columns import Column, find_header, match_header
from spreadsheets.headers import SYNONYMS, header_key
from spreadsheets.reading import UnreadableFile, open_rows
from spreadsheets.tests.files import write_csv, write_workbook

LAYOUT = [
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号码"),
    Column("phone", "联系电话"),
    Column("code", "所属村(居)代码", required=True),
    Column("join_date", "入会日期"),
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("written", "field"),
    [
        ("所属村（居）代码", "code"),  # full-width brackets
        ("所属村(居)代码", "code"),
        ("所属村居代码", "code"),
        ("所 属 村 (居) 代 码", "code"),  # inner spaces
        ("所在村(居)代码", "code"),  # 所在 / 所属
        ("所属村(居)编码", "code"),  # 代码 / 编码
        ("所属村(居)行政区划代码", "code"),  # 代码 / 行政区划代码
        ("所属村(社区)代码", "code"),  # 村(居) / 村(社区)
        ("*所属村(居)代码：", "code"),  # marks around it
        ("入会时间", "join_date"),  # 时间 / 日期
        ("手机号码", "phone"),  # 联系电话 / 手机号码
        ("公民身份号码", "id_number"),  # 身份证号码 / 公民身份号码
        ("身份证号", "id_number"),
        ("姓　名", "name"),  # an ideographic space
    ],
)
def test_it_reads_each_synonym_family_as_the_template_column(written, field):
    header, _missing = match_header([written], LAYOUT)
    assert header.positions == {field: 0}
    assert header.texts[field] == " ".join(written.split())


def test_it_keeps_each_template_header_once_in_the_synonym_table():
    keys = [header_key(header) for header in SYNONYMS]
    assert len(keys) == len(set(keys))


def test_it_reads_a_header_merged_over_two_rows(tmp_path):
    path = write_workbook(
        tmp_path / "two.xlsx",
        {
            "名册": [
                ["李家村会员花名册"],
                ["姓名", "身份信息", None, "所属村(居)代码"],
                [None, "身份证号码", "联系电话", None],
                ["张三", "430121198503050012", "13812345678", "430121100201"],
            ]
        },
        merged={"名册": ["A1:D1", "A2:A3", "B2:C2", "D2:D3"]},
    )
    header, rows = find_header(open_rows(path).rows(), LAYOUT)
    assert (header.first_row, header.row) == (2, 3)
    assert header.positions == {"name": 0, "id_number": 1, "phone": 2, "code": 3}
    assert header.extra == []
    assert [number for number, _cells in rows] == [4]


def test_it_reads_a_header_whose_words_are_split_over_two_rows(tmp_path):
    path = write_csv(
        tmp_path / "split.csv",
        [
            ["姓名", "所属村(居)", "入会"],
            [None, "代码", "日期"],
            ["张三", "430121100201", "2020-1-1"],
        ],
    )
    header, rows = find_header(open_rows(path).rows(), LAYOUT)
    assert header.positions == {"name": 0, "code": 1, "join_date": 2}
    assert header.texts["code"] == "所属村(居)代码"
    assert [number for number, _cells in rows] == [3]


def test_it_names_the_closest_header_for_a_missing_required_column(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["姓名", "所属村(居)", "电话"], ["张三", "1", "2"]])
    with pytest.raises(UnreadableFile) as caught:
        find_header(open_rows(path).rows(), LAYOUT)
    assert str(caught.value) == "The header row lacks 所属村(居)代码; is it ‘所属村(居)’?"


def test_it_names_the_closest_header_in_chinese(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["姓名", "所属村(居)"], ["张三", "1"]])
    with translation.override("zh-hans"), pytest.raises(UnreadableFile) as caught:
        find_header(open_rows(path).rows(), LAYOUT)
    assert str(caught.value) == "表头缺少所属村(居)代码；是否为‘所属村(居)’？"


def test_it_lists_a_missing_column_without_a_close_header_plainly(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["姓名", "性别"], ["张三", "男"]])
    with pytest.raises(UnreadableFile) as caught:
        find_header(open_rows(path).rows(), LAYOUT)
    assert str(caught.value) == "The header row lacks the required columns: 所属村(居)代码."
