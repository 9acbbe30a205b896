"""Five-good groups rated on their own footing: every village's groups, with or without a
village application; the township entering for a village without an account; each group decided
on its own; the village's item on five-good groups reading the decided results."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import RoleKind
from accounts.services import do_create_user
from assessments import group_ratings as groups
from assessments.carried import do_carry_in_title
from assessments.models import AssessmentState, AwardedTitle
from assessments.services import do_apply, do_decide, do_pass, do_save_scores
from assessments.tests.conftest import make_standard
from assessments.tests.helpers import entries, score_all, self_assess_and_submit
from audit.models import AuditEvent
from conftest import PASSWORD
from orgs.models import Level
from standards.models import Item, StageKind, TitleKind


def _second_officer(tree, name="township_2b"):
    user = do_create_user(None, username=name, password=PASSWORD)
    user.roles.create(unit=tree.township_2, kind=RoleKind.TOWNSHIP_OFFICER)
    return user


def _rate(actor, round_, village, points=None):
    opened = groups.do_open_group_ratings(actor, round_, village)
    ratings = list(groups.group_rules.group_ratings_of(round_, village).order_by("pk"))
    groups.do_rate_groups(actor, round_, village, {r.pk: entries(r, points) for r in ratings})
    return opened, ratings


def test_it_rates_the_groups_of_a_village_that_does_not_apply(round_2026, tree, village_operator):
    opened, ratings = _rate(village_operator, round_2026, tree.village_1)
    assert {r.unit for r in opened} == {tree.group_1, tree.group_2, tree.branch_group}
    assert all(r.parent_id is None and r.access_unit == tree.village_1 for r in ratings)
    groups.do_submit_group_ratings(village_operator, round_2026, tree.village_1)
    assert {r.stage for r in groups.group_rules.group_ratings_of(round_2026, tree.village_1)} == {1}


def test_it_lets_the_township_enter_for_a_village_without_an_account_and_records_it(
    round_2026, tree, other_township_officer
):
    _rate(other_township_officer, round_2026, tree.village_3)
    groups.do_submit_group_ratings(other_township_officer, round_2026, tree.village_3)
    rating = groups.group_rules.group_ratings_of(round_2026, tree.village_3).get()
    assert rating.entered_by_township and rating.stage == 1
    events = AuditEvent.objects.filter(action__startswith="group_ratings.")
    assert {e.after["on_behalf"] for e in events} == {True}


def test_it_refuses_the_township_where_the_village_has_an_operator(
    round_2026, tree, village_operator, township_officer
):
    with pytest.raises(PermissionDenied):
        groups.do_open_group_ratings(township_officer, round_2026, tree.village_1)


def test_it_makes_another_township_officer_decide_what_one_entered(
    round_2026, tree, other_township_officer
):
    _rate(other_township_officer, round_2026, tree.village_3)
    groups.do_submit_group_ratings(other_township_officer, round_2026, tree.village_3)
    rating = groups.group_rules.group_ratings_of(round_2026, tree.village_3).get()
    with pytest.raises(PermissionDenied):
        groups.do_decide_group_ratings(
            other_township_officer, round_2026, tree.village_3, {rating.pk: (True, "")}
        )
    groups.do_decide_group_ratings(
        _second_officer(tree), round_2026, tree.village_3, {rating.pk: (True, "")}
    )
    assert AwardedTitle.objects.filter(unit=tree.group_3, year=2026).exists()


def test_it_decides_each_group_on_its_own_when_the_village_fails(
    round_2026, tree, chain_personas, english
):
    village = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    _rate(chain_personas.village, round_2026, tree.village_1)
    groups.do_submit_group_ratings(chain_personas.village, round_2026, tree.village_1)
    ratings = list(groups.group_rules.group_ratings_of(round_2026, tree.village_1).order_by("pk"))
    decisions = {r.pk: (True, "") for r in ratings}
    decisions[ratings[0].pk] = (False, "入户宣传无记录")
    groups.do_decide_group_ratings(chain_personas.township, round_2026, tree.village_1, decisions)
    score_all(chain_personas.township, village, {"1": 0, "2": 0})
    with pytest.raises(ValidationError):
        do_pass(chain_personas.township, village)
    good = set(AwardedTitle.objects.filter(year=2026).values_list("unit", flat=True))
    assert good == {r.unit_id for r in ratings[1:]}
    assert ratings[0].unit_id not in good


def test_it_refuses_a_group_rating_through_the_application_form(round_2026, tree, village_operator):
    with pytest.raises(ValidationError):
        do_apply(village_operator, round_2026, TitleKind.FIVE_GOOD_GROUP, tree.group_1)


@pytest.fixture
def metric_standard(db):
    """A qualified-village standard whose item 11 reads the share of five-good groups."""
    standard = make_standard(
        TitleKind.QUALIFIED_VILLAGE,
        [("组", 100, None, [("11", 100, False)])],
        [
            (StageKind.SELF_ASSESSMENT, Level.VILLAGE, False),
            (StageKind.ACCEPTANCE, Level.TOWNSHIP, False),
        ],
        pass_total=0,
        version=7,
    )
    Item.objects.filter(section__standard=standard).update(
        metric="five_good_share",
        metric_bands=[{"min": 50, "score": 100}, {"min": 0, "score": 0}],
    )
    return standard


def test_it_settles_the_groups_before_item_11_and_suggests_from_their_results(
    tree, chain_personas, county_officer, metric_standard, group_standard, english
):
    from assessments.services import do_create_round

    round_, _w = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度考评",
        standards={
            TitleKind.QUALIFIED_VILLAGE: metric_standard,
            TitleKind.FIVE_GOOD_GROUP: group_standard,
        },
    )
    village = do_apply(chain_personas.village, round_, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    item = Item.objects.get(section__standard=metric_standard)
    ratings = list(groups.group_rules.group_ratings_of(round_, tree.village_1).order_by("pk"))
    # The group not kept this year held the title last year: it must not count any more.
    do_carry_in_title(
        county_officer,
        ratings[0].unit,
        title=TitleKind.FIVE_GOOD_GROUP,
        year=2025,
        issuer="县计生协",
    )
    for rating in ratings:
        score_all(chain_personas.village, rating)
    do_save_scores(chain_personas.village, village, entries(village, {"11": 0}))
    groups.do_submit_group_ratings(chain_personas.village, round_, tree.village_1)
    from assessments.services import do_submit

    do_submit(chain_personas.village, village)
    with pytest.raises(ValidationError, match="five-good"):
        do_save_scores(chain_personas.township, village, entries(village, {"11": 100}))
    with pytest.raises(ValidationError, match="five-good"):
        do_decide(chain_personas.township, village, award=True)
    decisions = {r.pk: (True, "") for r in ratings}
    decisions[ratings[0].pk] = (False, "未达标")
    groups.do_decide_group_ratings(chain_personas.township, round_, tree.village_1, decisions)
    (saved,) = do_save_scores(chain_personas.township, village, entries(village, {"11": 100}))
    assert saved.item == item and saved.suggested == 100
    assert "2 of 3" in saved.metric_value
    village = do_decide(chain_personas.township, village, award=True)
    assert village.state == AssessmentState.AWARDED
