"""Every confirmation page says what the action will do to whom: the receiving unit, the
blank review scores that keep the earlier score, the five-good groups it verifies with their
scores (each can be unticked); the result message repeats it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import AssessmentState, AwardedTitle
from assessments.services import ScoreInput, do_save_scores
from assessments.tests.page_helpers import applied, item, score_all, submitted
from standards.models import TitleKind

pytestmark = pytest.mark.django_db


def _act(assessment, name):
    return reverse("assessments:act", args=[assessment.pk, name])


def test_it_names_the_township_that_receives_the_submission(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    page = login(village_operator).get(_act(assessment, "submit"))
    assert page.context["effects"].receiver == tree.township_1
    assert f"将报送{tree.township_1.name}" in page.content.decode()


def test_it_lists_the_groups_it_verifies_with_their_scores(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    page = login(township_officer).get(_act(assessment, "pass"))
    groups = page.context["effects"].groups
    assert len(groups) == assessment.group_ratings.count() > 0
    html = page.content.decode().split('id="groups-verified"')[1].split("</section>")[0]
    for group in groups:
        assert group.assessment.unit.name in html
        assert f'name="groups" value="{group.assessment.pk}"' in html
    assert "达标线" in html


def test_it_warns_of_blank_review_scores_that_keep_the_self_score(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    one = item(assessment, "1")
    do_save_scores(township_officer, assessment, [ScoreInput(item_id=one.pk, points=Decimal("20"))])
    page = login(township_officer).get(_act(assessment, "pass"))
    inherited = [i.number for i, _points in page.context["effects"].inherited]
    assert "1" not in inherited and "2" in inherited
    assert 'id="inherited"' in page.content.decode()


def test_it_leaves_an_unticked_group_unverified_and_says_so(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    score_all(township_officer, assessment)
    assessment.refresh_from_db()
    client = login(township_officer)
    groups = list(assessment.group_ratings.order_by("pk"))
    kept, unticked = groups[0], groups[1]
    response = client.post(
        _act(assessment, "pass"),
        {"version": assessment.version, "groups": [kept.pk]},
        follow=True,
    )
    assert response.status_code == 200
    kept.refresh_from_db()
    unticked.refresh_from_db()
    assert kept.state == AssessmentState.AWARDED
    assert unticked.state == AssessmentState.NOT_AWARDED
    assert not AwardedTitle.objects.filter(unit=unticked.unit).exists()
    message = " ".join(str(m) for m in response.context["messages"])
    assert kept.unit.name in message and unticked.unit.name in message
    assert tree.county_a.name in message


def test_it_still_verifies_every_group_when_none_is_unticked(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    score_all(township_officer, assessment)
    assessment.refresh_from_db()
    groups = [g.pk for g in assessment.group_ratings.all()]
    login(township_officer).post(
        _act(assessment, "pass"), {"version": assessment.version, "groups": groups}
    )
    assert AwardedTitle.objects.filter(title=TitleKind.FIVE_GOOD_GROUP).count() == len(groups)


def test_it_names_where_a_return_goes(login, tree, village_operator, township_officer, round_2026):
    assessment = submitted(tree, round_2026, village_operator)
    page = login(township_officer).get(_act(assessment, "return"))
    assert page.context["effects"].receiver == tree.village_1
    assert f"将退回{tree.village_1.name}" in page.content.decode()
    assert item(assessment, "1").text[:20] in page.content.decode()


def test_it_warns_before_leaving_a_return_with_its_reason_typed(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    html = login(township_officer).get(_act(assessment, "return")).content.decode()
    assert "data-unsaved-warning" in html and "beforeunload" in html
