"""待我处理 lists a village's five-good group ratings as one row, whoever acts on them: the council
rating them (its township for a village without an account), then the township deciding them."""

import pytest
from django.urls import reverse

from assessments import group_ratings, group_rules, selectors
from assessments.services import ScoreInput
from orgs.models import Level
from standards.models import Item

pytestmark = pytest.mark.django_db


def _rate_and_submit(actor, round_, village):
    group_ratings.do_open_group_ratings(actor, round_, village)
    ratings = list(group_rules.group_ratings_of(round_, village))
    entries = {
        r.pk: [
            ScoreInput(item_id=i.pk, points=i.points)
            for i in Item.objects.filter(section__standard=r.standard)
        ]
        for r in ratings
    }
    group_ratings.do_rate_groups(actor, round_, village, entries)
    group_ratings.do_submit_group_ratings(actor, round_, village)


def test_it_shows_one_row_for_the_villages_groups_linking_to_their_page(
    login, tree, round_2026, village_operator
):
    group_ratings.do_open_group_ratings(village_operator, round_2026, tree.village_1)
    [row] = selectors.group_ratings_waiting_for(village_operator)
    assert (row.village, row.groups, row.on_behalf) == (tree.village_1, 3, False)
    page = login(village_operator).get(reverse("assessments:waiting")).content.decode()
    link = reverse("assessments:group_ratings", args=[round_2026.pk, tree.village_1.pk])
    assert page.count(f'href="{link}"') == 1
    assert 'id="waiting-groups"' in page


def test_it_moves_the_row_to_the_township_once_the_groups_are_sent_up(
    tree, round_2026, village_operator, township_officer
):
    assert selectors.group_ratings_waiting_for(township_officer) == []
    _rate_and_submit(village_operator, round_2026, tree.village_1)
    assert selectors.group_ratings_waiting_for(village_operator) == []
    [row] = selectors.group_ratings_waiting_for(township_officer)
    assert (row.village, row.groups, row.stage.level) == (tree.village_1, 3, Level.TOWNSHIP)


def test_it_lists_a_village_without_an_account_for_its_township_to_enter(
    login, tree, round_2026, other_township_officer, county_officer
):
    group_ratings.do_open_group_ratings(other_township_officer, round_2026, tree.village_3)
    [row] = selectors.group_ratings_waiting_for(other_township_officer)
    assert (row.village, row.on_behalf) == (tree.village_3, True)
    page = login(other_township_officer).get(reverse("assessments:waiting")).content.decode()
    assert "乡镇代录" in page
    # The county acts on no group rating.
    assert selectors.group_ratings_waiting_for(county_officer) == []
