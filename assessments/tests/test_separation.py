"""Segregation of duties: whoever scored or submitted at one stage cannot pass or decide at the
next. One person holding two roles shows it."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import RoleKind
from accounts.services import do_create_user, do_grant_role
from assessments import group_rules
from assessments.group_ratings import do_decide_group_ratings, do_submit_group_ratings
from assessments.models import AssessmentState
from assessments.services import do_apply, do_decide, do_pass, do_return, do_submit
from assessments.tests.helpers import rate_groups, score_all
from conftest import PASSWORD
from standards.models import TitleKind

pytestmark = pytest.mark.usefixtures("english")


def _user(username, *grants):
    user = do_create_user(None, username=username, password=PASSWORD)
    for unit, kind in grants:
        do_grant_role(None, user, unit, kind)
    return user


@pytest.fixture
def village_and_township(tree):
    """One person who keeps 李家村 and also works for 青山镇."""
    return _user(
        "both",
        (tree.village_1, RoleKind.VILLAGE_OPERATOR),
        (tree.township_1, RoleKind.TOWNSHIP_OFFICER),
    )


@pytest.fixture
def township_and_county(tree):
    return _user(
        "both_up",
        (tree.township_1, RoleKind.TOWNSHIP_OFFICER),
        (tree.county_a, RoleKind.COUNTY_OFFICER),
    )


def _submitted_by(user, round_, village):
    assessment = do_apply(user, round_, TitleKind.QUALIFIED_VILLAGE, village)
    score_all(user, assessment)
    rate_groups(user, assessment)
    do_submit(user, assessment)
    return assessment


def test_it_refuses_a_pass_by_who_self_assessed_and_submitted(
    tree, round_2026, village_and_township, township_officer
):
    assessment = _submitted_by(village_and_township, round_2026, tree.village_1)
    score_all(township_officer, assessment)
    with pytest.raises(PermissionDenied, match="previous stage"):
        do_pass(village_and_township, assessment)
    do_pass(township_officer, assessment)
    assessment.refresh_from_db()
    assert assessment.stage == 2


def test_it_refuses_a_pass_by_who_only_submitted(
    tree, round_2026, village_operator, village_and_township
):
    assessment = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    score_all(village_operator, assessment)
    rate_groups(village_operator, assessment)
    do_submit(village_and_township, assessment)
    with pytest.raises(PermissionDenied):
        do_pass(village_and_township, assessment)


def test_it_refuses_deciding_the_groups_to_who_rated_them(
    tree, round_2026, village_operator, village_and_township
):
    assessment = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    rate_groups(village_and_township, assessment)
    do_submit_group_ratings(village_and_township, round_2026, tree.village_1)
    ratings = {r.pk: (True, "") for r in group_rules.ratings_with(assessment)}
    with pytest.raises(PermissionDenied, match="previous stage"):
        do_decide_group_ratings(village_and_township, round_2026, tree.village_1, ratings)


def test_it_refuses_a_decision_by_who_scored_at_the_township(
    tree, round_2026, village_operator, township_and_county, county_officer
):
    assessment = _submitted_by(village_operator, round_2026, tree.village_1)
    score_all(township_and_county, assessment)
    do_pass(township_and_county, assessment)
    with pytest.raises(PermissionDenied, match="previous stage"):
        do_decide(township_and_county, assessment, award=True)
    do_decide(county_officer, assessment, award=True)
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.AWARDED


def test_it_lets_a_participant_of_the_previous_stage_return_it(
    tree, round_2026, village_and_township
):
    """Sending back approves nothing: the double-roled person may return for correction."""
    assessment = _submitted_by(village_and_township, round_2026, tree.village_1)
    do_return(village_and_township, assessment, reason="请补充材料")
    assessment.refresh_from_db()
    assert assessment.stage == 0


def test_it_lets_someone_who_took_no_part_approve(
    tree, round_2026, village_operator, village_and_township
):
    assessment = _submitted_by(village_operator, round_2026, tree.village_1)
    score_all(village_and_township, assessment)
    do_pass(village_and_township, assessment)
    assessment.refresh_from_db()
    assert assessment.stage == 2
