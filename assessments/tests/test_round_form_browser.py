"""In a real browser on a 390-pixel phone screen: the form that opens a round fits the screen
(a fieldset grew to its longest standard name and scrolled the page sideways)."""

import pytest
from django.urls import reverse

from conftest import PASSWORD
from sanlian.tests.browser import log_in, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]
PHONE = {"width": 390, "height": 844}


def test_the_new_round_form_fits_a_phone(browser, live_server, county_officer, tree):
    page = new_page(browser, viewport=PHONE)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(live_server.url + reverse("assessments:round_create"))
    assert page.locator("fieldset").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the new round form is {width}px wide"


def test_a_round_of_example_standards_fits_a_phone_in_english(
    browser, live_server, county_officer, tree
):
    """The English badge "Example, to be confirmed locally" would not wrap and widened the
    round's page past the screen."""
    from assessments.services import do_create_round
    from standards.defaults import shipped_standards
    from standards.models import TitleKind

    shipped = shipped_standards()
    round_, _warnings = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="示例标准",
        standards={
            TitleKind.QUALIFIED_VILLAGE: shipped[TitleKind.QUALIFIED_VILLAGE],
            TitleKind.ADVANCED_TOWNSHIP: shipped[TitleKind.ADVANCED_TOWNSHIP],
        },
    )
    page = new_page(browser, viewport=PHONE, locale="en-US")
    log_in(page, live_server, "county_a", PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(live_server.url + reverse("assessments:round", args=[round_.pk]))
    assert page.locator(".badge.example").first.inner_text() == "Example, to be confirmed locally"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the round's page is {width}px wide"
