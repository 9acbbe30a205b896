"""A revoked title reads 已摘牌 on its assessment sheet (with the date, the reason and the spot
check) and in the round list, which can filter on it."""

import pytest
from django.urls import reverse

from assessments.models import AwardedTitle
from assessments.services import do_decide, do_draw_spot_check, do_record_inspection
from assessments.tests.helpers import chain_to_last_stage
from standards.models import TitleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def revoked(tree, round_2026, chain_personas, county_officer):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    do_decide(chain_personas.county, assessment, award=True)
    check = do_draw_spot_check(
        county_officer, round_2026, TitleKind.QUALIFIED_VILLAGE, count=1, seed=1
    )
    do_record_inspection(county_officer, check.entries.get(), passed=False, reason="活动记录造假")
    return assessment, check


def test_it_shows_revoked_on_the_sheet_with_reason_and_spot_check(login, revoked, county_officer):
    assessment, check = revoked
    html = (
        login(county_officer)
        .get(reverse("assessments:sheet", args=[assessment.pk]))
        .content.decode()
    )
    state = html.split('id="assessment-state"')[1].split("</dd>")[0]
    assert "已摘牌" in state and "已授予" not in state
    notice = html.split('id="revocation"')[1].split("</div>")[0]
    assert "活动记录造假" in notice
    assert reverse("assessments:spot_check", args=[check.pk]) in notice


def test_it_lists_the_revocation_in_the_history(login, revoked, county_officer):
    assessment, _check = revoked
    html = (
        login(county_officer)
        .get(reverse("assessments:sheet", args=[assessment.pk]))
        .content.decode()
    )
    history = html.split('id="transitions"')[1]
    assert "已摘牌" in history and "活动记录造假" in history


def test_it_shows_revoked_in_the_round_list_and_filters_on_it(
    login, revoked, county_officer, round_2026
):
    assessment, _check = revoked
    client = login(county_officer)
    url = reverse("assessments:round", args=[round_2026.pk])
    page = client.get(url)
    row = next(r for r in page.context["rows"] if r.assessment.pk == assessment.pk)
    assert row.revoked is True
    assert [r.assessment.pk for r in client.get(url, {"state": "revoked"}).context["rows"]] == [
        assessment.pk
    ]
    assert client.get(url, {"state": "awarded"}).context["rows"] == []


def test_it_keeps_a_title_in_force_as_awarded(login, tree, round_2026, chain_personas):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    do_decide(chain_personas.county, assessment, award=True)
    assert AwardedTitle.objects.get(assessment=assessment).status == "awarded"
    page = login(chain_personas.county).get(reverse("assessments:sheet", args=[assessment.pk]))
    assert page.context["revocation"] is None
