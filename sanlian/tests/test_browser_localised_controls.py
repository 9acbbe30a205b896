"""In an English-language Chromium (locale en-US) reading the pages in Chinese, the date and
file controls show Chinese: our 选择文件 / 未选择文件 label over a hidden file input (the native one
read "Choose File / No file chosen") and date boxes with a 年-月-日 hint (not "mm/dd/yyyy")."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import PASSWORD
from sanlian.tests.browser import log_in, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]

CSV = "姓名,身份证号\n".encode()


def _english_browser_on_chinese_pages(browser, live_server):
    page = new_page(browser, locale="en-US")
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )
    return page


def test_it_labels_the_file_picker_in_chinese_in_an_english_browser(
    browser, live_server, village_operator
):
    page = _english_browser_on_chinese_pages(browser, live_server)
    log_in(page, live_server, "village_1", PASSWORD)
    page.goto(live_server.url + reverse("registers:import"))
    expect(page.locator("label.file-pick[for=id_file]")).to_have_text("选择文件")
    chosen = page.locator(".file-chosen[data-for=id_file]")
    expect(chosen).to_have_text("未选择文件")
    page.set_input_files("#id_file", {"name": "会员.csv", "mimeType": "text/csv", "buffer": CSV})
    expect(chosen).to_have_text("会员.csv")
    assert page.locator("#id_file").bounding_box()["width"] <= 1


def test_it_hints_dates_in_chinese_in_an_english_browser(
    browser, live_server, tree, village_operator
):
    page = _english_browser_on_chinese_pages(browser, live_server)
    log_in(page, live_server, "village_1", PASSWORD)
    page.goto(live_server.url + reverse("registers:member_create", args=[tree.village_1.pk]))
    expect(page.locator("input[type=date]")).to_have_count(0)
    expect(page.locator("#id_join_date")).to_have_attribute(
        "placeholder", "年-月-日，如 2026-03-15"
    )


def test_it_hints_the_round_deadlines_in_chinese_in_an_english_browser(
    browser, live_server, county_officer
):
    page = _english_browser_on_chinese_pages(browser, live_server)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(live_server.url + reverse("assessments:round_create"))
    expect(page.locator("input[type=date]")).to_have_count(0)
    expect(page.locator("input.date-text").first).to_have_attribute(
        "placeholder", "年-月-日，如 2026-03-15"
    )
