"""In a real browser (Debian's Chromium): the county officer opens the county's dashboard, sees a
township's decision, follows the link to the progress report and downloads its PDF, whose text
holds the township's name and figures (the issue's browser flow, continued from the dashboards')."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from campaigns.models import Campaign
from conftest import PASSWORD
from dashboards.tests.test_dashboard_browser import _township_accepts
from reports.tests.conftest import needs_pdftotext, pdf_text
from sanlian.tests.browser import log_in, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]


@needs_pdftotext
def test_it_downloads_the_progress_report_from_the_dashboard(
    browser, live_server, tree, county_officer, village_operator, township_officer
):
    Campaign.objects.create(organiser=tree.county_a, name="三联创", first_year=2026, last_year=2030)
    _township_accepts(tree, county_officer, village_operator, township_officer)
    page = new_page(browser)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(live_server.url + reverse("dashboards:unit", args=[tree.county_a.pk]) + "?year=2026")
    expect(page.locator("table.league tr", has_text="青山镇")).to_contain_text("50.0%")

    page.get_by_role("link", name="工作进展情况报告").click()
    page.wait_for_url(f"**/reports/progress/{tree.county_a.pk}/**")
    link = page.get_by_role("link", name="下载PDF（2026年）")
    # The PDF opens inline; the browser's own session fetches it, as a click would.
    response = page.context.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert "长沙县" in text and "青山镇" in text and "李家村" in text
    # 青山镇's row: code, 2 groups, 0 five-good (0.0%), 2 villages, 1 qualified, 0 first-class,
    # 50.0% qualified or better; and its bar in the ranked chart.
    assert "青山镇430121100" + "2" + "0" + "0.0%" + "2" + "1" + "0" + "50.0%" in text
    assert "青山镇50.0%河口乡0.0%" in text
