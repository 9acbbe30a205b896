"""The dashboards' selectors read a constant number of queries, whatever the number of children."""

import pytest

from campaigns import rollups
from orgs.models import Level
from orgs.services import do_create_unit


def _grow(tree, villages: int, groups: int) -> None:
    for n in range(villages):
        do_create_unit(
            None,
            parent=tree.township_1,
            name=f"新村{n}",
            level=Level.VILLAGE,
            category="village",
            division_code=f"4301211003{n:02d}",
        )
    for n in range(groups):
        do_create_unit(None, parent=tree.village_1, name=f"新组{n}", level=Level.GROUP)


@pytest.mark.parametrize("extra", [0, 6])
def test_it_reads_a_township_league_table_in_two_queries(tree, extra, django_assert_num_queries):
    _grow(tree, extra, 0)
    with django_assert_num_queries(2):
        children = rollups.children_figures(tree.township_1, 2026)
    assert len(children) == 2 + extra


@pytest.mark.parametrize("extra", [0, 5])
def test_it_reads_a_village_groups_in_five_queries(tree, extra, django_assert_num_queries):
    _grow(tree, 0, extra)
    with django_assert_num_queries(5):
        children = rollups.children_figures(tree.village_1, 2026)
    assert [f.groups for f in children] == [1] * (2 + extra)


def test_it_reads_a_figure_and_a_trend_in_one_query_each(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert rollups.figures(tree.county_a, 2026).villages == 3
    with django_assert_num_queries(1):
        trend = rollups.trend(tree.county_a, range(2022, 2027))
    assert [f.year for f in trend] == [2022, 2023, 2024, 2025, 2026]


def test_it_leaves_rates_empty_when_there_is_nothing_to_divide(tree):
    figures = rollups.figures(tree.county_b, 2026)
    assert figures.advanced_township_rate == 0
    empty = rollups.Figures(unit=tree.county_b, year=2026)
    assert empty.five_good_rate is None and empty.qualified_or_better_rate is None
