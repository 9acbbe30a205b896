"""In a real browser (Debian's Chromium): a township officer enters the five-good ratings of a
village that has no operator account, from the round's list of villages, and sends them up; the
page says the township entered them."""

import re

import pytest
from playwright.sync_api import expect

from assessments import group_rules
from conftest import PASSWORD
from sanlian.tests.browser import log_in, new_page
from standards.models import Item

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]


def test_a_township_enters_group_ratings_for_a_village_without_an_account(
    browser, live_server, tree, round_2026, other_township_officer
):
    page = new_page(browser)
    log_in(page, live_server, "township_2", PASSWORD)
    page.goto(f"{live_server.url}/assessments/rounds/{round_2026.pk}/")
    page.get_by_role("link", name="五好小组评定").click()
    page.get_by_role("link", name=tree.village_3.name).click()
    page.wait_for_url(re.compile(rf"/groups/{tree.village_3.pk}/$"))
    expect(page.locator("#on-behalf")).to_be_visible()
    page.locator("#open-ratings").click()
    rating = group_rules.group_ratings_of(round_2026, tree.village_3).get()
    for item in Item.objects.filter(section__standard=rating.standard):
        page.locator(f"input[name='r{rating.pk}-i{item.pk}']").fill(str(item.points))
    page.locator("#submit-ratings").click()
    expect(page.locator(".messages")).to_contain_text("报送乡镇")
    row = page.locator(f"#group-{tree.group_3.pk}")
    expect(row).to_contain_text("乡镇代录")
    expect(row).to_contain_text("乡镇核实中")
    rating.refresh_from_db()
    assert (rating.stage, rating.entered_by_township) == (1, True)
