"""In a real browser (Debian's Chromium): a township officer finds their units, and only theirs."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from sanlian.tests.browser import log_in, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]

# Units a township officer of 青山镇 must never see: the other township, the other county.
FOREIGN = ["河口乡", "张湾村", "宁乡县", "双江镇", "刘家村"]
SCREENSHOT = "/tmp/sanlian-unit.png"


def _assert_nothing_foreign(page):
    html = page.content()
    shown = [name for name in FOREIGN if name in html]
    assert shown == [], f"{page.url} shows units of another township or county: {shown}"


def _body_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_it_lets_a_township_officer_browse_only_their_township(
    browser, live_server, township_officer, tree
):
    page = new_page(browser, locale="zh-CN", viewport={"width": 1280, "height": 800})

    log_in(page, live_server, "township_1", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main h1")).to_be_visible()
    _assert_nothing_foreign(page)

    page.click("nav.mainnav a[href='/units/']")
    page.wait_for_url(re.compile(rf"/units/{tree.township_1.pk}/$"))
    expect(page.locator("main h1")).to_contain_text("青山镇")
    children = page.locator("main table tbody a")
    expect(children).to_have_text(["李家村", "王庄村"])
    _assert_nothing_foreign(page)
    page.screenshot(path=SCREENSHOT)

    children.filter(has_text="李家村").click()
    page.wait_for_url(re.compile(rf"/units/{tree.village_1.pk}/$"))
    expect(page.locator("main h1")).to_contain_text("李家村")
    expect(page.locator("main table tbody a")).to_have_text(["第一小组", "第二小组"])
    _assert_nothing_foreign(page)

    # Typing another township's address gives "not found", not the unit.
    response = page.goto(f"{live_server.url}/units/{tree.village_3.pk}/")
    assert response.status == 404
    _assert_nothing_foreign(page)


def test_it_searches_with_htmx_within_the_officers_subtree(
    browser, live_server, township_officer, tree
):
    page = new_page(browser)
    log_in(page, live_server, "township_1", PASSWORD)
    page.goto(f"{live_server.url}/units/{tree.township_1.pk}/")
    page.evaluate("window.noFullReload = true")

    page.fill("#unit-search", "村")
    results = page.locator("#search-results tbody td:first-child a")
    expect(results).to_have_text(["李家村", "王庄村"])
    assert page.evaluate("window.noFullReload") is True, "the search reloaded the whole page"
    assert "q=" in page.url  # hx-push-url keeps the search in the address bar
    _assert_nothing_foreign(page)

    page.fill("#unit-search", "张湾")
    expect(results).to_have_count(0)
    expect(page.locator("#search-results tbody td.muted")).to_have_count(1)  # "no unit matches"
    _assert_nothing_foreign(page)

    page.goto(f"{live_server.url}/units/?q=%E6%9D%91")  # the same search as a full page
    expect(results).to_have_text(["李家村", "王庄村"])
    _assert_nothing_foreign(page)


def test_it_keeps_one_search_results_box_after_a_search(browser, live_server, township_officer):
    page = new_page(browser)
    log_in(page, live_server, "township_1", PASSWORD)
    page.goto(f"{live_server.url}/units/?q=%E9%9D%92")  # a full page, then an htmx search
    page.fill("#unit-search", "村")
    expect(page.locator("#search-results").first.locator("tbody a").first).to_have_text("李家村")
    assert page.locator("[id=search-results]").count() == 1


def test_it_switches_to_english_from_the_language_menu(browser, live_server, township_officer):
    page = new_page(browser, locale="zh-CN")
    log_in(page, live_server, "township_1", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    with page.expect_navigation():
        page.select_option("#language-select", "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.mainnav a[href='/units/']")).to_have_text("Organisation")
    page.click("nav.mainnav a[href='/units/']")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#language-select")).to_have_value("en")


def test_it_fits_a_phone_screen_without_sideways_scrolling(
    browser, live_server, township_officer, tree
):
    page = new_page(
        browser,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    log_in(page, live_server, "township_1", PASSWORD)
    for path in [
        "/",
        f"/units/{tree.township_1.pk}/",
        f"/units/{tree.village_1.pk}/",
        "/units/?q=%E6%9D%91",
    ]:
        page.goto(f"{live_server.url}{path}")
        width = _body_overflow(page)
        assert width <= 392, f"{path} is {width}px wide on a 390px screen"
