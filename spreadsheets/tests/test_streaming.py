"""Reading an .xlsx a piece at a time gives exactly what reading the sheet whole gives."""

import datetime
import re
import threading
import zipfile

import pytest
import xlsxwriter
from django.utils import translation

from spreadsheets import reading, xlsx_stream
from spreadsheets.reading import UnreadableFile, open_rows
from spreadsheets.tests.files import write_xlsx


def rows_of(path, *, streaming: bool, monkeypatch) -> list:
    """The rows, without trailing blank cells (a piece is as wide as its own widest row)."""
    monkeypatch.setattr(reading, "STREAM_XLSX", streaming)
    rows = []
    for number, cells in open_rows(path).rows():
        while cells and cells[-1] is None:
            cells = cells[:-1]
        rows.append((number, cells))
    return rows


def assert_same_rows(path, monkeypatch) -> list:
    whole = rows_of(path, streaming=False, monkeypatch=monkeypatch)
    streamed = rows_of(path, streaming=True, monkeypatch=monkeypatch)
    assert streamed == whole
    return streamed


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of a few dozen rows, so every file is read in many."""
    monkeypatch.setattr(xlsx_stream, "CHUNK_BYTES", 4096)
    pieces = []
    parse = xlsx_stream._parse_piece

    def counted(xml, *args):
        pieces.append(len(xml))
        return parse(xml, *args)

    monkeypatch.setattr(xlsx_stream, "_parse_piece", counted)
    return pieces


def office_workbook(path, *, rows=600, constant_memory=False, date_1904=False):
    """What offices write: a merged title, data from column B, gaps, dates, numbers, formulas
    with cached values, booleans, blank strings, shared strings (or inline ones)."""
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": constant_memory, "date_1904": date_1904}
    )
    sheet = workbook.add_worksheet("会员")
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    if not constant_memory:
        sheet.merge_range("B2:F2", "青山村会员名册")
    sheet.write_row(3, 1, ["姓名", "身份证号码", "出生日期", "人数", "备注"])
    for index in range(rows):
        row = 4 + index + (index // 200) * 3  # three blank rows every 200
        sheet.write_string(row, 1, f"张{index}")
        sheet.write_string(row, 2, f"43010219850305{index:04d}")
        sheet.write_datetime(row, 3, datetime.datetime(1985, 3, 5), day)
        sheet.write_number(row, 4, index)
        if index % 7 == 0:
            sheet.write_string(row, 5, "  ")
        elif index % 11 == 0:
            sheet.write_formula(row, 5, '="甲"&"乙"', None, "甲乙")
        elif index % 13 == 0:
            sheet.write_boolean(row, 5, True)
        elif index % 17 == 0:
            sheet.write_string(row, 5, "\ue000私用区的字")
    workbook.add_worksheet("说明").write(0, 0, "说明")
    workbook.close()
    return path


def test_shared_strings_read_the_same_in_pieces(tmp_path, monkeypatch, small_pieces):
    rows = assert_same_rows(office_workbook(tmp_path / "a.xlsx"), monkeypatch)
    assert len(small_pieces) > 10
    assert rows[0] == (2, [None, "青山村会员名册"])
    assert rows[2] == (5, [None, "张0", "430102198503050000", datetime.date(1985, 3, 5), 0.0, "  "])
    assert (17 + 4 + 1, [None, "张17", "430102198503050017", datetime.date(1985, 3, 5), 17.0,
            "\ue000私用区的字"]) in rows  # fmt: skip


def test_inline_strings_read_the_same_in_pieces(tmp_path, monkeypatch, small_pieces):
    path = office_workbook(tmp_path / "a.xlsx", constant_memory=True)
    assert "xl/sharedStrings.xml" not in zipfile.ZipFile(path).namelist()
    rows = assert_same_rows(path, monkeypatch)
    assert len(small_pieces) > 10 and rows[-1][1][1] == "张599"


def test_the_1904_date_system_reads_the_same(tmp_path, monkeypatch, small_pieces):
    rows = assert_same_rows(office_workbook(tmp_path / "a.xlsx", date_1904=True), monkeypatch)
    assert rows[2][1][3] == datetime.date(1985, 3, 5)


def test_a_workbook_from_openpyxl_reads_the_same(tmp_path, monkeypatch, small_pieces):
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [["姓名", "村居代码"]] + [[f"李{n}", f"43010200{n:04d}"] for n in range(300)],
        title="会员名册",
    )
    rows = assert_same_rows(path, monkeypatch)
    assert rows[1] == (3, ["姓名", "村居代码"]) and rows[-1] == (303, ["李299", "430102000299"])


def _rewrite_sheet(path, change, part="xl/worksheets/sheet1.xml") -> None:
    """Rewrite a part (the first sheet's XML) of a workbook in place."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_rows_without_numbers_are_counted_across_pieces(tmp_path, monkeypatch, small_pieces):
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    for index in range(400):
        sheet.write_row(index, 0, [f"王{index}", index])
    workbook.close()
    _rewrite_sheet(path, lambda xml: re.sub(rb'(<row|<c) r="[A-Z]*\d+"', rb"\1", xml))
    rows = assert_same_rows(path, monkeypatch)
    assert rows[0] == (1, ["王0", 0.0]) and rows[-1] == (400, ["王399", 399.0])
    assert len(small_pieces) > 5


def test_shared_cells_with_other_attribute_orders_are_resolved(tmp_path, monkeypatch):
    path = office_workbook(tmp_path / "a.xlsx", rows=50)
    _rewrite_sheet(
        path, lambda xml: re.sub(rb'(<c r="[A-Z]+\d+")( s="\d+")? t="s"', rb"\1 t='s'\2", xml)
    )
    rows = assert_same_rows(path, monkeypatch)
    assert rows[2][1][1] == "张0"


def test_a_miscounted_shared_strings_table_is_read_in_full(tmp_path, monkeypatch):
    path = office_workbook(tmp_path / "a.xlsx", rows=50)
    recount = lambda xml: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="1"', xml)  # noqa: E731
    _rewrite_sheet(path, recount, part="xl/sharedStrings.xml")
    rows = assert_same_rows(path, monkeypatch)
    assert rows[-1][1][1] == "张49"


def test_a_namespace_prefixed_sheet_is_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet().write_row(0, 0, ["姓名", "村居代码"])
    workbook.close()

    def prefixed(xml: bytes) -> bytes:
        xml = re.sub(rb"<(/?)(\w+)", rb"<\1x:\2", xml)
        return xml.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=")

    _rewrite_sheet(path, prefixed)
    with zipfile.ZipFile(path) as archive:
        assert (
            xlsx_stream.open_streaming(archive.fp, "xl/worksheets/sheet1.xml", owned=False) is None
        )
    monkeypatch.setattr(reading, "STREAM_XLSX", True)
    assert list(open_rows(path).rows()) == [(1, ["姓名", "村居代码"])]


def test_a_sheet_cut_off_before_its_end_is_refused_after_its_rows(tmp_path, small_pieces):
    path = office_workbook(tmp_path / "a.xlsx", rows=300)
    _rewrite_sheet(path, lambda xml: xml[: xml.index(b"</sheetData>") - 40])
    read = []
    with translation.override("en"), pytest.raises(UnreadableFile, match="damaged"):
        for row in open_rows(path).rows():
            read.append(row)
    assert len(read) > 100  # pieces before the cut were read: the importer checks them too


def test_the_reader_threads_message_is_in_the_users_language(tmp_path):
    path = office_workbook(tmp_path / "a.xlsx", rows=50)
    _rewrite_sheet(path, lambda xml: xml[: xml.index(b"</sheetData>") - 40])
    with translation.override("en"), pytest.raises(UnreadableFile, match="damaged"):
        list(open_rows(path).rows())
    with translation.override("zh-hans"), pytest.raises(UnreadableFile, match="损坏"):
        list(open_rows(path).rows())


def test_stopping_early_stops_the_reader_thread(tmp_path, small_pieces):
    rows = open_rows(office_workbook(tmp_path / "a.xlsx")).rows()
    assert next(rows)[0] == 2
    rows.close()
    assert not [t for t in threading.enumerate() if t.name == "xlsx-reader"]


def test_pieces_stay_near_the_chunk_size(tmp_path, monkeypatch, small_pieces):
    rows = assert_same_rows(office_workbook(tmp_path / "a.xlsx", rows=2000), monkeypatch)
    assert len(rows) == 2002
    # A piece is cut before the row that takes it past CHUNK_BYTES: never twice the size.
    assert max(small_pieces) < 2 * xlsx_stream.CHUNK_BYTES


def test_rows_below_the_first_row_keep_their_excel_numbers_when_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet().write_row(4, 2, ["姓名", "村居代码"])
    workbook.close()
    assert assert_same_rows(path, monkeypatch) == [(5, [None, None, "姓名", "村居代码"])]
