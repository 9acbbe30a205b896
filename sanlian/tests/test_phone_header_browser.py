"""On a 390-px phone the header and menu take a small part of the screen (they took a quarter):
the menu folds behind 菜单 and opens on a tap; a desktop shows it at once."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from sanlian.tests.browser import log_in, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]


def _top_of_main(page) -> float:
    return page.locator("main").bounding_box()["y"]


def test_it_folds_the_menu_on_a_phone(browser, live_server, village_operator):
    page = new_page(browser, viewport={"width": 390, "height": 844})
    log_in(page, live_server, "village_1", PASSWORD)
    expect(page.locator("#mainnav")).to_be_hidden()
    assert _top_of_main(page) < 844 * 0.12
    page.click("#menu-toggle")
    expect(page.locator("#mainnav")).to_be_visible()
    expect(page.locator("#menu-toggle")).to_have_attribute("aria-expanded", "true")


def test_it_shows_the_menu_on_a_desktop(browser, live_server, village_operator):
    page = new_page(browser)
    log_in(page, live_server, "village_1", PASSWORD)
    expect(page.locator("#mainnav")).to_be_visible()
    expect(page.locator("#menu-toggle")).to_be_hidden()
