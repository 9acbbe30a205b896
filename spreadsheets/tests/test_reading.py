"""Reading office spreadsheets: encodings, title rows, header variants, and malformed files."""

import datetime
import io
import time
import zipfile

import pytest
import xlsxwriter
from django.utils import translation

from spreadsheets import reading
from spreadsheets.columns import Column, find_header
from spreadsheets.normalise import CellError, clean, digits_text, parse_date, split_list
from spreadsheets.reading import UnreadableFile, open_rows
from spreadsheets.tests.files import write_csv, write_xlsx

LAYOUT = [
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码")),
    Column("phone", "联系电话", ("手机", "手机号码", "联系方式")),
    Column("code", "所属村(居)代码", ("村(居)代码", "村居代码"), required=True),
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read(path):
    sheet = open_rows(path)
    header, rows = find_header(sheet.rows(), LAYOUT)
    return header, list(rows)


@pytest.mark.parametrize(
    "typed",
    [
        "1985-03-05",
        "1985/3/5",
        "1985.3.5",
        "19850305",
        "1985年3月5日",
        " １９８５－０３－０５ ",
        19850305,
        31111,  # Excel's serial for 1985-03-05
        "31111",
        datetime.datetime(1985, 3, 5),
        datetime.date(1985, 3, 5),
    ],
)
def test_it_reads_every_date_form(typed):
    assert parse_date(typed) == datetime.date(1985, 3, 5)


@pytest.mark.parametrize("typed", ["1985-02-30", "3/5/1985", "去年", "1985年13月1日"])
def test_it_refuses_what_is_not_a_date(typed):
    with pytest.raises(CellError):
        parse_date(typed)


def test_it_cleans_full_width_characters_and_stray_spaces():
    assert clean("  张　 三  ") == "张 三"
    assert clean("ＡＢＣ１２３") == "ABC123"
    assert clean(13812345678.0) == "13812345678"


@pytest.mark.parametrize("typed", [4.30121198503050e17, "4.30121198503050e+17", "4.3012E+17"])
def test_it_refuses_an_id_number_that_lost_digits_in_a_float(typed):
    with pytest.raises(CellError) as caught:
        digits_text(typed, what="身份证号码")
    assert "15 digits" in str(caught.value) and "Text" in str(caught.value)


def test_it_keeps_numbers_that_fit_a_float():
    assert digits_text(430121850305001.0, what="x") == "430121850305001"
    assert digits_text(430121198503050012, what="x") == "430121198503050012"


def test_it_splits_categories_on_every_separator():
    assert split_list("五老、致富能手,社会能人;年轻有文化，民营企业家；五老") == [
        "五老",
        "致富能手",
        "社会能人",
        "年轻有文化",
        "民营企业家",
        "五老",
    ]


def test_it_finds_the_header_below_title_rows_and_merged_cells(tmp_path):
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [["姓名", "村(居)代码"], ["张三", "430121100201"]],
        title="青山镇李家村计生协会会员花名册",
    )
    header, rows = read(path)
    assert header.row == 3
    assert rows == [(4, ["张三", "430121100201"])]


def test_it_accepts_header_variants_in_any_order_and_reports_extra_columns(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [["备注", "手机号码", "村居代码", "公民身份号码", "姓 名"], ["x", "1", "2", "3", "张三"]],
    )
    header, rows = read(path)
    assert header.positions == {"phone": 1, "code": 2, "id_number": 3, "name": 4}
    assert header.texts["code"] == "村居代码"
    assert header.extra == ["备注"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_it_reads_csv_in_utf8_with_or_without_bom_and_gbk(tmp_path, encoding):
    path = write_csv(tmp_path / "a.csv", [["姓名", "村居代码"], ["张三", "1"]], encoding=encoding)
    _header, rows = read(path)
    assert rows == [(2, ["张三", "1"])]


def test_it_skips_blank_rows_and_keeps_excel_row_numbers(tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [["标题"], [], ["姓名", "村居代码"], [], ["张三", "1"], ["", "", ""], ["李四", "1"]],
    )
    _header, rows = read(path)
    assert [number for number, _cells in rows] == [5, 7]


def test_it_reads_an_xlsx_from_a_stream_and_cached_formula_values(tmp_path):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "村居代码"])
    sheet.write_formula(1, 0, '="张"&"三"', None, "张三")
    sheet.write_string(1, 1, "430121100201")
    workbook.close()
    buffer.seek(0)
    header, rows = find_header(open_rows(buffer).rows(), LAYOUT)
    assert list(rows) == [(2, ["张三", "430121100201"])]


def test_it_refuses_a_header_without_required_columns(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["姓名", "电话"], ["张三", "1"]])
    with pytest.raises(UnreadableFile) as caught:
        read(path)
    assert "所属村(居)代码" in str(caught.value)


def test_it_refuses_a_file_without_a_header(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["a", "b"], ["c", "d"]])
    with pytest.raises(UnreadableFile) as caught:
        read(path)
    assert "No header row" in str(caught.value)


# Malformed files: each refused with a clear message, quickly.


def test_it_refuses_a_file_that_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    with pytest.raises(UnreadableFile) as caught:
        open_rows(path)
    assert "not a spreadsheet" in str(caught.value)


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="empty"):
        open_rows(path)


def test_it_refuses_a_truncated_workbook(tmp_path):
    whole = write_xlsx(tmp_path / "a.xlsx", [["姓名", "村居代码"]] + [["张三", "1"]] * 500)
    data = whole.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFile, match="damaged or incomplete"):
        open_rows(cut)


def test_it_refuses_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableFile, match="not an Excel workbook"):
        open_rows(path)


def test_it_refuses_a_zip_bomb_before_decompressing_it(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    assert path.stat().st_size < 200 * 1024
    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="zip bomb"):
        open_rows(path)
    assert time.perf_counter() - started < 1


def test_it_refuses_a_password_protected_workbook(tmp_path):
    path = tmp_path / "locked.xlsx"
    # What Excel writes: an OLE compound file holding an EncryptedPackage stream.
    path.write_bytes(reading.OLE_MAGIC + b"\0" * 504 + reading.ENCRYPTED_PACKAGE + b"\0" * 2000)
    with pytest.raises(UnreadableFile, match="password-protected"):
        open_rows(path)


def test_it_refuses_an_old_xls_workbook(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(reading.OLE_MAGIC + b"\0" * 4000)
    with pytest.raises(UnreadableFile, match=r"\.xls"):
        open_rows(path)


def test_it_reads_past_a_million_empty_rows_quickly(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes("姓名,村居代码\r\n张三,1\r\n".encode() + b",\r\n" * 1_000_000)
    started = time.perf_counter()
    _header, rows = read(path)
    assert rows == [(2, ["张三", "1"])]
    assert time.perf_counter() - started < 10


def test_it_refuses_data_after_a_long_run_of_blank_rows(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_bytes(
        "姓名,村居代码\r\n张三,1\r\n".encode() + b"\r\n" * 2000 + "李四,1\r\n".encode()
    )
    with pytest.raises(UnreadableFile, match="blank rows"):
        read(path)


def test_it_refuses_more_rows_than_excel_holds(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 100)
    path = write_csv(tmp_path / "a.csv", [["姓名", "村居代码"]] + [["张三", "1"]] * 200)
    with pytest.raises(UnreadableFile, match="more than 100 rows"):
        read(path)


def test_it_refuses_text_that_is_neither_utf8_nor_gbk(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("姓名,村居代码\n".encode() + b"\xff\xfe\xfd\x80\x81" * 10)
    with pytest.raises(UnreadableFile):
        read(path)


def test_it_refuses_a_workbook_whose_used_range_reaches_a_million_rows(tmp_path):
    path = tmp_path / "far.xlsx"
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "村居代码"])
    sheet.write_row(1, 0, ["张三", "1"])
    sheet.write_string(1_048_575, 1, "")  # an empty cell at Excel's last row
    sheet.write_string(1_048_575, 0, "x")
    workbook.close()
    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="reaches row 1048576"):
        open_rows(path)
    assert time.perf_counter() - started < 1


def test_it_reads_the_first_sheet_in_workbook_order(tmp_path):
    path = tmp_path / "two.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet("会员").write_row(0, 0, ["姓名", "村居代码"])
    workbook.add_worksheet("说明").write_row(0, 0, ["说明"])
    workbook.close()
    header, rows = find_header(open_rows(path).rows(), LAYOUT)
    assert header.row == 1 and list(rows) == []
