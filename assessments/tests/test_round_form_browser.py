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
