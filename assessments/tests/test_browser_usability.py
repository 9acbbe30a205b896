"""In a real browser (Debian's Chromium), the usability review's ten cases: on a 390-px phone
typed text survives an upload (1), the banner shows why items were returned (3), and the layout
(10: groups by number, an item's heading clear of the sticky total after a jump); on a desktop
the 报送 confirmation lists the groups it verifies (2), a revoked title reads 已摘牌 on its
sheet (4), the bulk-award list shows what to decide on (5), the sheet sums up the items above
the registers and awarding over them asks for a reason (6), a report job that never starts
explains itself (7), the spot check can be limited to a township (8), and the dashboard shows
who is behind on any indicator (9). Each case fails on the old behaviour."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.services import (
    do_decide,
    do_draw_spot_check,
    do_record_inspection,
    do_return,
)
from assessments.tests.helpers import chain_to_last_stage
from assessments.tests.page_helpers import applied, at_county, item, score_all, submitted
from assessments.tests.test_reviewer_aids import registers_suggest_20  # noqa: F401
from conftest import PASSWORD
from dashboards.tests.test_unit_dashboard import YEAR, campaign, titles  # noqa: F401
from orgs.models import Level
from orgs.services import do_create_unit
from reports.job_models import ReportJob
from sanlian.tests.browser import log_in, new_page
from standards.models import TitleKind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("live_seeded"),
]

PHONE = {"width": 390, "height": 844}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_keeps_typed_text_through_an_upload_on_a_phone(
    browser, live_server, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    one = item(assessment, "1")
    page = new_page(browser, viewport=PHONE)
    log_in(page, live_server, "village_1", PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    page.fill(f"#id_state-{one.pk}", "会长、秘书长均已到位")
    page.set_input_files(
        f"#evidence-file-{one.pk}",
        {"name": "会议记录.png", "mimeType": "image/png", "buffer": PNG},
    )
    expect(page.locator(f".file-chosen[data-for='evidence-file-{one.pk}']")).to_have_text(
        "会议记录.png"
    )
    page.click(f"#upload-{one.pk}")
    expect(page.locator(f"#item-{one.pk} .evidence")).to_contain_text("会议记录.png")
    expect(page.locator(f"#id_state-{one.pk}")).to_have_value("会长、秘书长均已到位")
    expect(page.locator("#sheet-bar #save-and-submit")).to_be_visible()


def test_it_shows_the_return_reason_in_the_banner_on_a_phone(
    browser, live_server, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    two = item(assessment, "2")
    do_return(township_officer, assessment, reason="第2项缺少档案记录，请补充", items=[two.pk])
    page = new_page(browser, viewport=PHONE)
    log_in(page, live_server, "village_1", PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    expect(page.locator("#reopened")).to_contain_text("第2项缺少档案记录，请补充")
    page.click(f"#reopened a[href='#item-{two.pk}']")
    expect(page.locator(f"#item-{two.pk} .returned-mark")).to_be_in_viewport()


def test_it_names_the_receiver_and_no_groups_on_the_pass_confirmation(
    browser, live_server, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    score_all(township_officer, assessment)
    page = new_page(browser)
    log_in(page, live_server, "township_1", PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    page.locator("#actions button[data-action='pass']").click()
    page.wait_for_url(re.compile(rf"/assessments/{assessment.pk}/pass/$"))
    # Groups are decided on their own page, not with the village's pass.
    expect(page.locator("#groups-verified")).to_have_count(0)
    expect(page.locator("#receiver")).to_contain_text(tree.county_a.name)


def test_it_shows_a_revoked_title_on_its_sheet(
    browser, live_server, tree, round_2026, chain_personas, county_officer
):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    do_decide(chain_personas.county, assessment, award=True)
    check = do_draw_spot_check(
        county_officer, round_2026, TitleKind.QUALIFIED_VILLAGE, count=1, seed=1
    )
    do_record_inspection(county_officer, check.entries.get(), passed=False, reason="活动记录造假")
    page = new_page(browser)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    expect(page.locator("#assessment-state")).to_contain_text("已摘牌")
    expect(page.locator("#revocation")).to_contain_text("活动记录造假")


def test_it_explains_a_report_job_that_never_starts(browser, live_server, tree, county_officer):
    job = ReportJob.objects.create(user=county_officer, unit=tree.county_a, year=2026, kind="pdf")
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=4))
    page = new_page(browser)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(f"{live_server.url}/reports/jobs/{job.pk}/")
    expect(page.locator("#job-stalled")).to_contain_text("后台任务服务未运行")
    expect(page.locator("#excel-instead")).to_be_visible()


def test_it_shows_township_total_and_registers_count_on_the_bulk_award_list(
    browser, live_server, tree, village_operator, township_officer, county_officer, round_2026
):
    assessment = at_county(tree, round_2026, village_operator, township_officer)
    page = new_page(browser)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(f"{live_server.url}/assessments/waiting/")
    row = page.locator("#waiting tbody tr", has_text=assessment.unit.name)
    expect(row).to_contain_text(tree.township_1.name)
    expect(row).to_contain_text("100 / 80")
    expect(row.locator("td.above")).to_have_text("0")
    row.locator("input[name=a]").check()
    page.click("#award-selected-button")
    expect(page.locator("#selection")).to_contain_text(tree.township_1.name)


def test_it_asks_for_a_reason_to_award_over_the_registers(
    browser,
    live_server,
    tree,
    round_2026,
    chain_personas,
    registers_suggest_20,  # noqa: F811
):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    one = registers_suggest_20(assessment.standard)
    page = new_page(browser)
    log_in(page, live_server, chain_personas.county.username, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    expect(page.locator(f"#above-suggestion a[href='#item-{one.pk}']")).to_be_visible()
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/decide/")
    page.check("input[name=award][value=yes]")
    page.click("#confirm")
    expect(page.locator("#act-form .errorlist")).to_contain_text("高于台账建议分")


def test_it_draws_a_spot_check_in_one_township(
    browser, live_server, tree, round_2026, chain_personas, county_officer
):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    do_decide(chain_personas.county, assessment, award=True)
    page = new_page(browser)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(f"{live_server.url}/assessments/rounds/{round_2026.pk}/spot-checks/")
    expect(page.locator("main form")).to_contain_text("不要同时填")
    page.select_option("#id_title", value=TitleKind.QUALIFIED_VILLAGE.value)
    page.select_option("#id_township", label=tree.township_1.name)
    page.fill("#id_count", "1")
    page.click("main form button[type=submit]")
    expect(page.locator("#drawn-township")).to_have_text(tree.township_1.name)
    expect(page.locator("#sample label", has_text="抽查发现的问题")).to_be_visible()


def test_it_lists_the_units_behind_on_any_indicator(
    browser,
    live_server,
    tree,
    county_officer,
    titles,  # noqa: F811
):
    page = new_page(browser)
    log_in(page, live_server, "county_a", PASSWORD)
    page.goto(f"{live_server.url}/dashboards/unit/{tree.county_a.pk}/?year={YEAR}")
    expect(page.locator("#behind-any")).to_contain_text(tree.township_2.name)
    expect(page.locator("#indicator-matrix table.matrix tbody tr")).not_to_have_count(0)


def test_it_lists_groups_by_number_and_clears_the_sticky_total_on_a_phone(
    browser, live_server, tree, village_operator, round_2026
):
    do_create_unit(None, parent=tree.village_1, name="第三小组", level=Level.GROUP)
    assessment = applied(tree, round_2026, village_operator)
    three = item(assessment, "3")
    page = new_page(browser, viewport=PHONE)
    log_in(page, live_server, "village_1", PASSWORD)
    page.goto(f"{live_server.url}/registers/units/{tree.village_1.pk}/members/new/")
    groups = page.locator("#id_group option").all_inner_texts()
    named = [g for g in groups if g.startswith("第")]
    assert named[:3] == ["第一小组", "第二小组", "第三小组"]
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/#item-{three.pk}")
    assert page.evaluate("window.scrollY") > 0
    heading = page.locator(f"#item-{three.pk}").bounding_box()
    total = page.locator(".sticky-total").bounding_box()
    assert heading["y"] >= total["y"] + total["height"] - 1
