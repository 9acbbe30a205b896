"""Urban-branch groups stay with their home village: rated with its groups (whether or not it
applies), decided by the village's township, visible to that village's operator only."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.access import visible_units
from accounts.models import RoleKind
from accounts.services import do_create_user, do_grant_role
from assessments import group_rules
from assessments.group_ratings import (
    do_decide_group_ratings,
    do_open_group_ratings,
    do_submit_group_ratings,
)
from assessments.models import Assessment, AwardedTitle
from assessments.services import do_apply
from assessments.tests.helpers import score_all
from conftest import PASSWORD
from standards.models import TitleKind

pytestmark = pytest.mark.usefixtures("english")


def _persona(username, unit, kind):
    user = do_create_user(None, username=username, password=PASSWORD)
    do_grant_role(None, user, unit, kind)
    return user


@pytest.fixture
def rating(tree, round_2026, chain_personas):
    """李家村's application and the rating of its migrant group opened with it."""
    village = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    return village, group_rules.ratings_with(village).get(unit=tree.branch_group)


def test_it_rates_the_branch_group_with_its_home_village(tree, rating):
    _village, group = rating
    assert group.parent is None
    assert (group.access_unit, group.title) == (tree.village_1, TitleKind.FIVE_GOOD_GROUP)


def test_it_does_not_rate_the_branch_group_with_another_village(
    tree, round_2026, other_township_officer
):
    operator = _persona("village_3", tree.village_3, RoleKind.VILLAGE_OPERATOR)
    do_open_group_ratings(operator, round_2026, tree.village_3)
    rated = group_rules.group_ratings_of(round_2026, tree.village_3)
    assert [g.unit for g in rated] == [tree.group_3]


def test_it_lets_the_home_villages_operator_rate_it(rating, chain_personas):
    _village, group = rating
    score_all(chain_personas.village, group)
    assert group.scores.filter(author=chain_personas.village).exists()


def test_it_is_verified_by_the_villages_township_not_the_branch(tree, round_2026, chain_personas):
    branch_officer = _persona("branch", tree.urban_branch, RoleKind.TOWNSHIP_OFFICER)
    do_open_group_ratings(chain_personas.village, round_2026, tree.village_1)
    rated = group_rules.group_ratings_of(round_2026, tree.village_1)
    for rating in rated:
        score_all(chain_personas.village, rating)
    do_submit_group_ratings(chain_personas.village, round_2026, tree.village_1)
    group = rated.get(unit=tree.branch_group)
    with pytest.raises(PermissionDenied):
        score_all(branch_officer, group)
    with pytest.raises(PermissionDenied):
        do_decide_group_ratings(branch_officer, round_2026, tree.village_1, {group.pk: (True, "")})
    do_decide_group_ratings(
        chain_personas.township, round_2026, tree.village_1, {group.pk: (True, "")}
    )
    title = AwardedTitle.objects.get(unit=tree.branch_group)
    assert (title.title, title.awarded_by) == (TitleKind.FIVE_GOOD_GROUP, chain_personas.township)


def test_it_is_visible_to_the_home_villages_operator_and_no_other_village(
    tree, rating, village_operator
):
    _village, group = rating
    other = _persona("village_2", tree.village_2, RoleKind.VILLAGE_OPERATOR)

    def seen_by(user):
        return Assessment.objects.filter(access_unit__in=visible_units(user), pk=group.pk).exists()

    assert seen_by(village_operator)
    assert not seen_by(other)
