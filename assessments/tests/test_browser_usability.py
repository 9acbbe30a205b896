"""In a real browser (Debian's Chromium), the usability review's cases: on a 390-px phone typed
text survives an upload and the banner shows why items were returned; on a desktop the 报送
confirmation lists the groups it verifies, a revoked title reads 已摘牌 on its sheet, and a
report job that never starts explains itself. Each case fails on the old behaviour."""

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
from assessments.tests.page_helpers import applied, item, score_all, submitted
from conftest import PASSWORD
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
