"""The round's 复查 page lists who is due for re-rating and lets the organising county close the
round; the unit page shows the title timeline with reasons."""

from assessments.models import Round, RoundStatus
from campaigns.tests.test_rollups import award
from standards.models import TitleKind


def _round_2025(tree):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    award(tree.village_2, TitleKind.QUALIFIED_VILLAGE, 2025)
    round_ = Round.objects.get(organiser=tree.county_a, year=2025)
    round_.titles.create(
        title=TitleKind.QUALIFIED_VILLAGE,
        standard=round_.assessments.first().standard,
    )
    return round_


def test_it_lists_the_units_due_for_re_rating(tree, county_officer, login):
    round_ = _round_2025(tree)
    page = login(county_officer).get(f"/assessments/rounds/{round_.pk}/rerating/")
    assert page.status_code == 200
    assert tree.village_1.name in page.content.decode()


def test_it_closes_the_round_for_the_organising_county(tree, county_officer, login):
    round_ = _round_2025(tree)
    response = login(county_officer).post(f"/assessments/rounds/{round_.pk}/rerating/")
    assert response.status_code == 302
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.CLOSED


def test_it_refuses_to_let_a_township_close_the_round(tree, township_officer, login):
    round_ = _round_2025(tree)
    response = login(township_officer).post(f"/assessments/rounds/{round_.pk}/rerating/")
    assert response.status_code == 403
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.OPEN


def test_it_shows_the_units_title_timeline_with_reasons(tree, county_officer, login):
    round_ = _round_2025(tree)
    login(county_officer).post(f"/assessments/rounds/{round_.pk}/rerating/")
    page = login(county_officer).get(f"/units/{tree.village_1.pk}/").content.decode()
    assert 'id="title-timeline"' in page
    assert "timeline-lapsed" in page
    assert "timeline-awarded" in page


def test_it_revokes_from_the_year_the_officer_gives(tree, county_officer, login):
    title = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2023)
    response = login(county_officer).post(
        f"/assessments/titles/{title.pk}/revoke/",
        {"cause": "veto", "reason": "复查发现问题", "effective_year": "2025"},
    )
    assert response.status_code == 302
    title.refresh_from_db()
    assert (title.status, title.revoked_from) == ("revoked", 2025)
