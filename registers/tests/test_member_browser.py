"""In a real browser (Debian's Chromium) on a 390-pixel phone screen: a village operator finds a
member, sees the form explain a wrong ID number as they type, and no page scrolls sideways."""

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
PHONE = {"width": 390, "height": 844}


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_it_works_for_a_village_operator_on_a_phone(
    browser, live_server, village_operator, tree, members
):
    page = new_page(browser, viewport=PHONE)
    log_in(page, live_server, "village_1", PASSWORD)

    page.goto(live_server.url + reverse("registers:member_list", args=[tree.village_1.pk]))
    _fits(page)
    page.fill("#member-search", "李秀")
    expect(page.locator("#member-results tbody tr")).to_have_count(1)
    page.screenshot(path="/tmp/sanlian-members-390.png", full_page=True)

    page.goto(live_server.url + reverse("registers:member_detail", args=[members.wang.pk]))
    _fits(page)
    expect(page.locator("#member-pii")).to_contain_text("138****5678")

    page.goto(live_server.url + reverse("registers:member_create", args=[tree.village_1.pk]))
    _fits(page)
    page.fill("#id_id_number", "430121195502020054")
    page.press("#id_id_number", "Tab")
    expect(page.locator("#errors-id_number")).to_contain_text("校验位")
    page.screenshot(path="/tmp/sanlian-member-form-390.png", full_page=True)

    page.goto(live_server.url + reverse("registers:unit_register", args=[tree.village_1.pk]))
    _fits(page)
    page.screenshot(path="/tmp/sanlian-register-390.png", full_page=True)
