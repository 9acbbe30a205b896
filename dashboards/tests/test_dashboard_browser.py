"""In a real browser (Debian's Chromium): a county officer opens the county's dashboard, sees a
decision a township officer made a moment earlier, and drills down to the township and the
village; the charts draw, offer their image, and the page fits a phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.services import (
    ScoreInput,
    do_apply,
    do_create_round,
    do_decide,
    do_save_scores,
    do_submit,
)
from assessments.tests.conftest import make_standard
from campaigns.models import Campaign
from conftest import PASSWORD
from orgs.models import Level
from sanlian.tests.browser import log_in, new_page
from standards.models import Item, StageKind, TitleKind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]
PHONE = {"width": 390, "height": 844}


def _score_all(actor, assessment) -> None:
    items = Item.objects.filter(section__standard=assessment.standard)
    do_save_scores(actor, assessment, [ScoreInput(item_id=i.pk, points=i.points) for i in items])


def _township_accepts(tree, county_officer, village_operator, township_officer) -> None:
    """李家村 applies for qualified in 2026; 青山镇's acceptance is the deciding stage."""
    standard = make_standard(
        TitleKind.QUALIFIED_VILLAGE,
        [("组织健全", 100, None, [("1", 100, False)])],
        [
            (StageKind.SELF_ASSESSMENT, Level.VILLAGE, False),
            (StageKind.ACCEPTANCE, Level.TOWNSHIP, False),
        ],
        pass_total=60,
    )
    round_, _ = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度评估",
        standards={TitleKind.QUALIFIED_VILLAGE: standard},
    )
    assessment = do_apply(village_operator, round_, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    _score_all(village_operator, assessment)
    do_submit(village_operator, assessment)
    _score_all(township_officer, assessment)
    do_decide(township_officer, assessment, award=True)


def test_it_shows_a_decision_and_drills_down(
    browser, live_server, tree, county_officer, village_operator, township_officer
):
    Campaign.objects.create(organiser=tree.county_a, name="三联创", first_year=2026, last_year=2030)
    page = new_page(browser)
    log_in(page, live_server, "county_a", PASSWORD)
    county_url = live_server.url + reverse("dashboards:unit", args=[tree.county_a.pk])
    page.goto(county_url + "?year=2026")
    league = page.locator("table.league")
    expect(league.locator("tr", has_text="青山镇")).to_contain_text("0/2")

    _township_accepts(tree, county_officer, village_operator, township_officer)

    page.reload()
    expect(league.locator("tr", has_text="青山镇")).to_contain_text("50.0%")
    expect(league.locator("tr", has_text="青山镇")).to_contain_text("1/2")
    expect(page.locator("#chart-league[data-rendered=true]")).to_have_count(1)
    download = page.locator("#chart-league").locator("..").get_by_role("button", name="下载图片")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename.endswith(".png")
    page.screenshot(path="/tmp/sanlian-dashboard-county.png", full_page=True)

    # Drill down by clicking 青山镇's bar (the first of the league chart), halfway along it.
    x, y = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById("chart-league"));
          return chart.convertToPixel({seriesIndex: 0}, [25, 0]);
        }"""
    )
    page.locator("#chart-league").click(position={"x": x, "y": y})
    page.wait_for_url(f"**/dashboards/unit/{tree.township_1.pk}/**")
    expect(page.locator("h1")).to_contain_text("青山镇")
    page.go_back()
    league.get_by_role("link", name="青山镇").click()
    page.wait_for_url(f"**/dashboards/unit/{tree.township_1.pk}/**")
    page.locator("table.league").get_by_role("link", name="李家村").click()
    page.wait_for_url(f"**/dashboards/unit/{tree.village_1.pk}/**")
    expect(page.locator("h1")).to_contain_text("李家村")
    expect(page.locator("table.league")).to_contain_text("第一小组")


def test_it_fits_a_phone(browser, live_server, tree, county_officer):
    Campaign.objects.create(organiser=tree.county_a, name="三联创", first_year=2026, last_year=2030)
    page = new_page(browser, viewport=PHONE)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(live_server.url + reverse("dashboards:unit", args=[tree.county_a.pk]) + "?year=2026")
    expect(page.locator(".chart[data-rendered=true]")).to_have_count(4)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the dashboard is {width}px wide"
    page.screenshot(path="/tmp/sanlian-dashboard-390.png", full_page=True)
