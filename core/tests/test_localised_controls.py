"""Dates are typed in a text box with a year-month-day hint, and files are picked behind our own
label: the native controls read "mm/dd/yyyy" and "Choose File / No file chosen" in an
English-language browser, whatever the page's language."""

import datetime

import pytest
from django.utils import translation

from core.widgets import DateTextField, PickedFileInput, normalised_date


@pytest.mark.parametrize(
    "typed", ["2026-03-05", "2026/3/5", "2026.03.05", "2026年3月5日", "20260305", " 2026-3-5 "]
)
def test_it_reads_a_date_in_the_forms_people_write(typed):
    assert normalised_date(typed) == "2026-03-05"


def test_it_renders_a_date_as_a_text_box_with_a_chinese_hint():
    with translation.override("zh-hans"):
        html = DateTextField().widget.render("when", datetime.date(2026, 3, 5))
    assert 'type="text"' in html and 'type="date"' not in html
    assert 'value="2026-03-05"' in html
    assert 'placeholder="年-月-日，如 2026-03-15"' in html


def test_it_says_in_chinese_how_to_write_a_date_it_cannot_read():
    field = DateTextField()
    with translation.override("zh-hans"), pytest.raises(Exception) as refused:
        field.clean(field.widget.value_from_datadict({"when": "3月5号"}, {}, "when"))
    assert "请按“年-月-日”填写日期" in str(refused.value)


def test_it_accepts_a_slashed_date_through_the_widget():
    field = DateTextField()
    typed = field.widget.value_from_datadict({"when": "2026/3/5"}, {}, "when")
    assert field.clean(typed) == datetime.date(2026, 3, 5)


def test_it_labels_the_file_picker_in_chinese():
    with translation.override("zh-hans"):
        html = PickedFileInput().render("file", None, {"id": "id_file"})
    assert '<label class="file-pick" for="id_file">选择文件</label>' in html
    assert 'class="file-input"' in html
    assert '<span class="file-chosen muted" data-for="id_file">未选择文件</span>' in html
