"""Titles on the unit page, revocation, and the county's spot checks."""

import re

import pytest
from django.urls import reverse

from assessments.models import AwardedTitle, SpotCheck, SpotCheckResult, TitleStatus
from assessments.services import do_decide, do_draw_spot_check, redraw
from assessments.tests.page_helpers import at_county
from standards.models import TitleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded(tree, round_2026, village_operator, township_officer, county_officer):
    assessment = at_county(tree, round_2026, village_operator, township_officer)
    do_decide(county_officer, assessment, award=True)
    return AwardedTitle.objects.get(assessment=assessment)


def test_it_shows_the_units_titles_on_its_page(login, tree, village_operator, awarded):
    page = login(village_operator).get(reverse("orgs:unit", args=[tree.village_1.pk]))
    content = page.content.decode()
    assert 'id="unit-titles"' in content
    assert str(TitleKind.QUALIFIED_VILLAGE.label) in content or "合格" in content
    assert reverse("assessments:revoke", args=[awarded.pk]) not in content


def test_it_revokes_a_title_after_confirmation(login, tree, county_officer, awarded):
    client = login(county_officer)
    url = reverse("assessments:revoke", args=[awarded.pk])
    unit_page = client.get(reverse("orgs:unit", args=[tree.village_1.pk])).content.decode()
    assert url in unit_page
    assert client.get(url).status_code == 200
    response = client.post(url, {"cause": "reinspection", "reason": "复查发现台账缺失"})
    assert response.status_code == 302
    awarded.refresh_from_db()
    assert (awarded.status, awarded.revocation_reason) == (TitleStatus.REVOKED, "复查发现台账缺失")
    unit_page = client.get(reverse("orgs:unit", args=[tree.village_1.pk])).content.decode()
    assert "复查发现台账缺失" in unit_page


def test_it_needs_a_reason_to_revoke(login, county_officer, awarded):
    response = login(county_officer).post(
        reverse("assessments:revoke", args=[awarded.pk]), {"cause": "other", "reason": ""}
    )
    assert "reason" in response.context["form"].errors
    awarded.refresh_from_db()
    assert awarded.status == TitleStatus.AWARDED


def test_it_forbids_a_township_to_revoke_a_county_decision(login, township_officer, awarded):
    response = login(township_officer).get(reverse("assessments:revoke", args=[awarded.pk]))
    assert response.status_code == 403


def test_it_hides_a_title_from_another_county(login, outsider, awarded):
    response = login(outsider).get(reverse("assessments:revoke", args=[awarded.pk]))
    assert response.status_code == 404


def test_it_draws_a_sample_with_a_recorded_seed(login, county_officer, round_2026, awarded):
    response = login(county_officer).post(
        reverse("assessments:spot_checks", args=[round_2026.pk]),
        {"title": TitleKind.QUALIFIED_VILLAGE, "share": "50", "seed": "42"},
    )
    check = SpotCheck.objects.get()
    assert response["Location"] == reverse("assessments:spot_check", args=[check.pk])
    assert check.seed == 42
    assert [e.assessment_id for e in check.entries.all()] == [awarded.assessment_id]


def test_it_refuses_both_a_share_and_a_count(login, county_officer, round_2026, awarded):
    response = login(county_officer).post(
        reverse("assessments:spot_checks", args=[round_2026.pk]),
        {"title": TitleKind.QUALIFIED_VILLAGE, "share": "50", "count": "2"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not SpotCheck.objects.exists()


def test_it_shows_the_seed_and_that_a_redraw_matches(login, county_officer, round_2026, awarded):
    check = do_draw_spot_check(
        county_officer, round_2026, TitleKind.QUALIFIED_VILLAGE, count=1, seed=7
    )
    page = login(county_officer).get(reverse("assessments:spot_check", args=[check.pk]))
    assert page.context["redraw_matches"] is True
    assert redraw(check) == [awarded.assessment_id]
    assert 'id="seed">7<' in page.content.decode()


def test_it_revokes_the_title_when_an_inspection_fails(login, county_officer, round_2026, awarded):
    check = do_draw_spot_check(
        county_officer, round_2026, TitleKind.QUALIFIED_VILLAGE, count=1, seed=7
    )
    entry = check.entries.get()
    client = login(county_officer)
    url = reverse("assessments:inspect", args=[entry.pk])
    prefix = f"e{entry.pk}"
    ask = client.post(url, {f"{prefix}-result": "failed", f"{prefix}-reason": "无活动记录"})
    assert ask.status_code == 200
    entry.refresh_from_db()
    assert entry.result == SpotCheckResult.PENDING
    done = client.post(
        url, {f"{prefix}-result": "failed", f"{prefix}-reason": "无活动记录", "confirmed": "1"}
    )
    assert done.status_code == 302
    entry.refresh_from_db()
    awarded.refresh_from_db()
    assert entry.result == SpotCheckResult.FAILED
    assert awarded.status == TitleStatus.REVOKED


def test_the_spot_check_pages_finding_reaches_the_confirmation(
    login, county_officer, round_2026, awarded
):
    """The user guide's step: choose 不合格：摘牌 on the spot-check page, write the finding, then
    confirm; the finding typed on the list is the one the confirmation shows and records."""
    check = do_draw_spot_check(
        county_officer, round_2026, TitleKind.QUALIFIED_VILLAGE, count=1, seed=7
    )
    entry = check.entries.get()
    client = login(county_officer)
    listing = client.get(reverse("assessments:spot_check", args=[check.pk])).content.decode()
    names = set(re.findall(r'name="(e\d+-[a-z]+)"', listing))
    assert names == {f"e{entry.pk}-result", f"e{entry.pk}-reason"}
    fields = {f"e{entry.pk}-result": "failed", f"e{entry.pk}-reason": "活动记录缺失"}
    ask = client.post(reverse("assessments:inspect", args=[entry.pk]), fields)
    assert ask.status_code == 200 and "活动记录缺失" in ask.content.decode()
    client.post(reverse("assessments:inspect", args=[entry.pk]), {**fields, "confirmed": "1"})
    entry.refresh_from_db()
    assert (entry.result, entry.reason) == (SpotCheckResult.FAILED, "活动记录缺失")


def test_it_forbids_spot_checks_to_a_township(login, township_officer, round_2026):
    response = login(township_officer).get(reverse("assessments:spot_checks", args=[round_2026.pk]))
    assert response.status_code == 403


def test_it_limits_a_draw_to_the_chosen_township(login, tree, county_officer, round_2026, awarded):
    client = login(county_officer)
    form_page = client.get(reverse("assessments:spot_checks", args=[round_2026.pk]))
    assert tree.township_1.name in form_page.content.decode()
    response = client.post(
        reverse("assessments:spot_checks", args=[round_2026.pk]),
        {"title": TitleKind.QUALIFIED_VILLAGE, "count": "1", "township": tree.township_1.pk},
    )
    check = SpotCheck.objects.get()
    assert check.township == tree.township_1
    page = client.get(response["Location"]).content.decode()
    assert f'id="drawn-township">{tree.township_1.name}<' in page


def test_it_says_when_the_chosen_township_has_nothing_to_draw(
    login, tree, county_officer, round_2026, awarded
):
    response = login(county_officer).post(
        reverse("assessments:spot_checks", args=[round_2026.pk]),
        {"title": TitleKind.QUALIFIED_VILLAGE, "count": "1", "township": tree.township_2.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["township"]
    assert not SpotCheck.objects.exists()
