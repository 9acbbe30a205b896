"""The user guide's pictures (docs/guide.zh.md): each role's home page after logging in, in
Chinese, with the navigation that role has. `SANLIAN_WRITE_GUIDE=1` writes them into docs/guide/,
so the guide's screenshots are regenerated from the running application, not drawn by hand."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import PASSWORD
from sanlian.tests.browser import log_in, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]

GUIDE = Path(settings.BASE_DIR) / "docs" / "guide"
ROLES = [
    ("village_operator", "village_1", "会员与职务"),
    ("township_officer", "township_1", "组织机构"),
    ("county_officer", "county_a", "组织机构"),
    ("city_reviewer", "city", "工作台"),
    ("leader", "leader", "工作台"),
]


@pytest.mark.parametrize(("fixture", "username", "nav_item"), ROLES)
def test_it_shows_each_role_its_home_page_in_chinese(
    browser, live_server, request, tmp_path, fixture, username, nav_item
):
    request.getfixturevalue(fixture)
    page = new_page(browser, viewport={"width": 1280, "height": 800})
    log_in(page, live_server, username, PASSWORD)
    expect(page.locator("main h1")).to_have_text("工作台")
    expect(page.locator("nav.mainnav")).to_contain_text(nav_item)
    target = GUIDE if os.environ.get("SANLIAN_WRITE_GUIDE") == "1" else tmp_path
    page.screenshot(path=str(target / f"{fixture}.png"))
    assert (target / f"{fixture}.png").stat().st_size > 10_000
