"""Whether enterprise associations count among the 村(居) of the village targets is the campaign's
setting: by default they keep their own figures in the roll-ups and stay out of the targets."""

import pytest

from campaigns import rollups
from campaigns.services import current_counts, do_create_campaign, do_update_campaign
from campaigns.tests.test_rollups import award
from orgs.models import Category, Level
from orgs.services import do_create_unit, do_update_unit
from standards.models import TitleKind


@pytest.fixture
def enterprise(tree):
    unit = do_create_unit(
        None,
        parent=tree.township_1,
        name="青山电子厂计生协会",
        level=Level.VILLAGE,
        category=Category.ENTERPRISE,
    )
    award(unit, TitleKind.QUALIFIED_VILLAGE, 2026)
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    return unit


@pytest.fixture
def campaign(tree, county_officer):
    return do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2026)


def test_the_rollups_keep_enterprises_apart_from_villages(tree, enterprise):
    figures = rollups.figures(tree.county_a, 2026)
    assert (figures.villages, figures.qualified_villages) == (3, 1)
    assert (figures.enterprises, figures.qualified_enterprises) == (1, 1)
    assert rollups.verify() == []


def test_recategorising_a_village_moves_it_between_the_figures(tree, enterprise, county_officer):
    do_update_unit(county_officer, tree.village_1, category=Category.ENTERPRISE)
    figures = rollups.figures(tree.county_a, 2026)
    assert (figures.villages, figures.qualified_villages) == (2, 0)
    assert (figures.enterprises, figures.qualified_enterprises) == (2, 2)
    assert rollups.verify() == []


def test_by_default_the_targets_leave_enterprises_out(tree, enterprise, campaign):
    assert not campaign.enterprises_count_as_villages
    counts = current_counts(tree.county_a, 2026, campaign)
    assert (counts.villages, counts.qualified_villages) == (3, 1)


def test_a_campaign_may_count_enterprises_among_villages(
    tree, enterprise, campaign, county_officer
):
    campaign = do_update_campaign(county_officer, campaign, enterprises_count_as_villages=True)
    counts = current_counts(tree.county_a, 2026, campaign)
    assert (counts.villages, counts.qualified_villages) == (4, 2)


def test_the_dashboard_honours_the_setting(tree, enterprise, campaign, county_officer, login):
    from django.urls import reverse

    url = reverse("dashboards:unit", args=[tree.county_a.pk])
    client = login(county_officer)

    def qualified(board):
        return next(a for a in board.attainments if a.indicator == "qualified_villages")

    apart = qualified(client.get(url, {"year": 2026}).context["board"])
    do_update_campaign(county_officer, campaign, enterprises_count_as_villages=True)
    counted = qualified(client.get(url, {"year": 2026}).context["board"])
    assert (apart.numerator, apart.denominator) == (1, 3)
    assert (counted.numerator, counted.denominator) == (2, 4)
