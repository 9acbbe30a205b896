"""In a real browser (Debian's Chromium): the county imports a titles file with one bad row, sees
the row's error, uploads the fixed file, imports it, and its dashboard's figures change at once.

The tasks run with django-tasks' ImmediateBackend, as in sanlian/tests/test_browser_import.py:
the live server's in-memory SQLite database cannot be shared with a worker process."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import AwardedTitle
from campaigns.models import Campaign
from conftest import PASSWORD
from sanlian.tests.browser import log_in, new_page
from spreadsheets.tests.files import write_csv

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HEADER = ["单位代码", "单位名称", "称号", "年度", "发文单位", "文号"]
LIJIA = [
    "430121100201",
    "李家村",
    "合格村(居)协会",
    "2019",
    "长沙县计划生育协会",
    "长计协〔2019〕5号",
]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(page, live_server, tmp_path, rows) -> None:
    content = write_csv(tmp_path / "titles.csv", [HEADER, *rows]).read_bytes()
    page.goto(f"{live_server.url}/registers/import/")
    page.select_option("#id_kind", "titles")
    page.set_input_files(
        "#id_file", {"name": "往年称号.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.click("#import-form button[type=submit]")
    page.wait_for_url(re.compile(r"/registers/import/[0-9a-f-]{36}/$"))


def test_the_county_fixes_a_titles_file_and_the_dashboard_moves_at_once(
    browser, live_server, tree, county_officer, tmp_path
):
    Campaign.objects.create(organiser=tree.county_a, name="三联创", first_year=2026, last_year=2030)
    page = new_page(browser)
    log_in(page, live_server, "county_a", PASSWORD)
    board = live_server.url + reverse("dashboards:unit", args=[tree.county_a.pk]) + "?year=2026"
    page.goto(board)
    qingshan = page.locator("table.league tr", has_text="青山镇")
    expect(qingshan).to_contain_text("0/2")

    wangzhuang_bad = ["430121100202", tree.village_2.name, "优秀村", "2019", "", ""]
    _upload(page, live_server, tmp_path, [LIJIA, wangzhuang_bad])
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("3")
    expect(errors.first).to_contain_text("称号")
    expect(page.locator("#import-confirm")).to_have_count(0)
    assert not AwardedTitle.objects.exists()  # all or nothing

    page.click("#import-again")
    wangzhuang = ["430121100202", tree.village_2.name, "合格", "2019", "", ""]
    _upload(page, live_server, tmp_path, [LIJIA, wangzhuang])
    expect(page.locator("#import-errors")).to_have_count(0)
    page.locator("#import-confirm").click()
    expect(page.locator("#import-counts")).to_contain_text("2")

    page.goto(board)
    expect(qingshan).to_contain_text("2/2")
    expect(qingshan).to_contain_text("100.0%")
