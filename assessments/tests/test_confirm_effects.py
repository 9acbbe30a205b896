"""Every confirmation page says what the action will do to whom: the receiving unit, the
blank review scores that keep the earlier score, the five-good groups it verifies with their
scores; the result message repeats it. Groups are decided on their own (test_group_ratings)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import group_rules
from assessments.models import AwardedTitle
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


def test_it_passes_the_village_without_deciding_its_groups(
    login, tree, village_operator, township_officer, round_2026
):
    """Groups are decided on their own page, never by the village's pass."""
    assessment = submitted(tree, round_2026, village_operator)
    score_all(township_officer, assessment)
    assessment.refresh_from_db()
    client = login(township_officer)
    assert client.get(_act(assessment, "pass")).context["effects"].groups == []
    client.post(_act(assessment, "pass"), {"version": assessment.version})
    assessment.refresh_from_db()
    assert assessment.stage == 2
    assert set(group_rules.ratings_with(assessment).values_list("state", flat=True)) == {"open"}
    assert not AwardedTitle.objects.filter(title=TitleKind.FIVE_GOOD_GROUP).exists()


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
