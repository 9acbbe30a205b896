"""五好小组评定 page: the village (or its township, for a village without an account) rates every
group on one page and sends them up; the township decides each group; others are kept out."""

import pytest
from django.urls import reverse

from assessments import group_rules
from assessments.models import AssessmentState, AwardedTitle
from standards.models import Item

pytestmark = pytest.mark.django_db


def _url(round_, village):
    return reverse("assessments:group_ratings", args=[round_.pk, village.pk])


def _full_marks(ratings):
    data = {}
    for rating in ratings:
        for item in Item.objects.filter(section__standard=rating.standard):
            data[f"r{rating.pk}-i{item.pk}"] = str(item.points)
    return data


def test_the_township_rates_and_sends_up_for_a_village_without_an_account(
    login, tree, round_2026, other_township_officer
):
    client = login(other_township_officer)
    page = client.get(_url(round_2026, tree.village_3))
    assert 'id="open-ratings"' in page.content.decode()
    assert 'id="on-behalf"' in page.content.decode()
    client.post(_url(round_2026, tree.village_3), {"action": "open"})
    ratings = list(group_rules.group_ratings_of(round_2026, tree.village_3))
    client.post(_url(round_2026, tree.village_3), {"action": "submit", **_full_marks(ratings)})
    rating = group_rules.group_ratings_of(round_2026, tree.village_3).get()
    assert (rating.stage, rating.entered_by_township) == (1, True)
    assert "乡镇代录" in client.get(_url(round_2026, tree.village_3)).content.decode()


def test_the_village_rates_and_the_township_decides_each_group(
    login, tree, round_2026, village_operator, township_officer
):
    village = login(village_operator)
    village.post(_url(round_2026, tree.village_1), {"action": "open"})
    ratings = list(group_rules.group_ratings_of(round_2026, tree.village_1).order_by("pk"))
    village.post(_url(round_2026, tree.village_1), {"action": "submit", **_full_marks(ratings)})
    good, bad, _untouched = ratings
    response = login(township_officer).post(
        _url(round_2026, tree.village_1),
        {
            "action": "decide",
            f"d{good.pk}": "award",
            f"d{bad.pk}": "not_award",
            f"why{bad.pk}": "小组活动无记录",
        },
        follow=True,
    )
    assert response.status_code == 200
    bad.refresh_from_db()
    assert bad.state == AssessmentState.NOT_AWARDED
    assert list(AwardedTitle.objects.values_list("unit", flat=True)) == [good.unit_id]


def test_it_keeps_the_township_out_of_a_village_with_its_own_operator(
    login, tree, round_2026, village_operator, township_officer
):
    response = login(township_officer).post(_url(round_2026, tree.village_1), {"action": "open"})
    assert response.status_code == 403
    assert not group_rules.group_ratings_of(round_2026, tree.village_1).exists()


def test_it_answers_404_outside_the_subtree(login, tree, round_2026, outsider, township_officer):
    assert login(outsider).get(_url(round_2026, tree.village_1)).status_code == 404
    assert login(township_officer).get(_url(round_2026, tree.village_3)).status_code == 404


def test_it_lists_the_rounds_villages_with_their_groups_progress(
    login, tree, round_2026, township_officer
):
    page = login(township_officer).get(reverse("assessments:group_villages", args=[round_2026.pk]))
    villages = [v for v, _counts in page.context["rows"]]
    assert villages == [tree.village_1, tree.village_2]
