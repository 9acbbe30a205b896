"""In a real browser (Debian's Chromium), one whole chain: a village operator self-assesses with
evidence and submits; the township officer returns one item with a reason; the village fixes
it; the township passes; the county decides; the title appears on the village's page."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import AssessmentState, AwardedTitle
from assessments.services import do_create_round
from conftest import PASSWORD
from registers.models import Evidence
from sanlian.tests.browser import log_in, new_page
from standards.models import Item, TitleKind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]

SCREENSHOT = "/tmp/sanlian-assessment-sheet.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _items(standard):
    return {i.number: i for i in Item.objects.filter(section__standard=standard)}


def _open_sheet_from_waiting(page, live_server):
    page.goto(f"{live_server.url}/assessments/waiting/")
    page.locator("#waiting tbody a").first.click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))


def _confirm(page, action: str):
    page.locator(f"#actions a[href$='/{action}/'], #actions button[data-action='{action}']").click()
    page.wait_for_url(re.compile(rf"/assessments/\d+/{action}/$"))


def test_it_runs_one_whole_chain_in_the_browser(
    browser,
    live_server,
    tree,
    village_operator,
    township_officer,
    county_officer,
    qualified_standard,
):
    round_, _warnings = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度评估",
        standards={TitleKind.QUALIFIED_VILLAGE: qualified_standard},
    )
    items = _items(qualified_standard)

    # The village operator, on a phone, applies and self-assesses with evidence.
    village = new_page(browser, viewport={"width": 390, "height": 844})
    log_in(village, live_server, "village_1", PASSWORD)
    expect(village.locator("#home-assessments")).to_be_visible()
    village.goto(f"{live_server.url}/assessments/rounds/{round_.pk}/")
    village.locator("#apply button").first.click()
    village.wait_for_url(re.compile(r"/assessments/\d+/$"))
    for number, points in (("1", "25"), ("2", "20"), ("3", "45")):
        village.fill(f"#id_points-{items[number].pk}", points)
    village.fill(f"#id_state-{items['1'].pk}", "会长、秘书长均已到位")
    village.select_option(f"#id_veto-{items['4'].pk}", "clear")
    village.click("#save-scores")
    expect(village.locator("#totals")).to_contain_text("90")
    village.screenshot(path=SCREENSHOT, full_page=True)
    village.set_input_files(
        f"#evidence-file-{items['1'].pk}",
        {"name": "会议记录.png", "mimeType": "image/png", "buffer": PNG},
    )
    village.locator(f"#upload-{items['1'].pk}").click()
    expect(village.locator(f"#item-{items['1'].pk}")).to_contain_text("会议记录.png")
    assert Evidence.objects.filter(slot=f"item-{items['1'].pk}").count() == 1
    _confirm(village, "submit")
    village.click("#confirm")
    village.wait_for_url(re.compile(r"/assessments/\d+/$"))
    expect(village.locator("#actions")).to_have_count(0)

    # The township officer returns item 2 with a reason.
    township = new_page(browser)
    log_in(township, live_server, "township_1", PASSWORD)
    _open_sheet_from_waiting(township, live_server)
    expect(township.locator(f"#item-{items['1'].pk}")).to_contain_text("会议记录.png")
    _confirm(township, "return")
    township.check(f"input[name=items][value='{items['2'].pk}']")
    township.fill("#id_reason", "第2项缺少档案记录，请补充")
    township.click("#confirm")
    township.wait_for_url(re.compile(r"/assessments/\d+/$"))

    # The village sees only item 2 reopened, fixes it and submits again.
    _open_sheet_from_waiting(village, live_server)
    expect(village.locator("#reopened")).to_be_visible()
    expect(village.locator("#transitions")).to_contain_text("第2项缺少档案记录，请补充")
    expect(village.locator(f"#id_points-{items['1'].pk}")).to_have_count(0)
    village.fill(f"#id_points-{items['2'].pk}", "24")
    village.fill(f"#id_measures-{items['2'].pk}", "已补齐档案")
    village.click("#save-scores")
    expect(village.locator("#totals")).to_contain_text("94")
    _confirm(village, "submit")
    village.click("#confirm")
    village.wait_for_url(re.compile(r"/assessments/\d+/$"))

    # The township scores its acceptance column and passes it on.
    _open_sheet_from_waiting(township, live_server)
    for number, points in (("1", "25"), ("2", "22"), ("3", "40")):
        township.fill(f"#id_points-{items[number].pk}", points)
    township.select_option(f"#id_veto-{items['4'].pk}", "clear")
    township.click("#save-scores")
    expect(township.locator("#outcome")).to_contain_text("87")
    _confirm(township, "pass")
    township.click("#confirm")
    township.wait_for_url(re.compile(r"/assessments/\d+/$"))

    # The county decides.
    county = new_page(browser)
    log_in(county, live_server, "county_a", PASSWORD)
    _open_sheet_from_waiting(county, live_server)
    _confirm(county, "decide")
    county.check("input[name=award][value=yes]")
    county.click("#confirm")
    county.wait_for_url(re.compile(r"/assessments/\d+/$"))
    expect(county.locator("#assessment-state .state-awarded")).to_be_visible()

    title = AwardedTitle.objects.get(unit=tree.village_1)
    assert (title.title, title.year) == (TitleKind.QUALIFIED_VILLAGE, 2026)
    assert title.assessment.state == AssessmentState.AWARDED

    # The round at a glance filters in place (htmx) and keeps the filter in the address.
    county.goto(f"{live_server.url}/assessments/rounds/{round_.pk}/")
    expect(county.locator("#round-assessments tbody tr")).to_have_count(1)
    county.select_option("#id_township", str(tree.township_2.pk))
    expect(county.locator("#round-assessments tbody td.muted")).to_be_visible()
    assert f"township={tree.township_2.pk}" in county.url
    county.select_option("#id_township", str(tree.township_1.pk))
    expect(county.locator("#round-assessments tbody a")).to_have_text(tree.village_1.name)

    # The title appears on the village's page.
    village.goto(f"{live_server.url}/units/{tree.village_1.pk}/")
    expect(village.locator("#unit-titles")).to_contain_text("2026")
    expect(village.locator("#unit-titles .title-awarded")).to_be_visible()
