"""One home for the year a campaign page, board, report or API call shows (campaigns.years)."""

import time_machine
from django.http import QueryDict

from campaigns.plan_models import Campaign
from campaigns.years import asked_year, board_year, plan_year

CAMPAIGN = Campaign(first_year=2024, last_year=2028)


def test_it_reads_the_year_of_a_query_and_ignores_anything_else():
    asked = [asked_year(QueryDict(q)) for q in ("year=2025", "year=", "year=abc", "")]
    assert asked == [2025, None, None, None]


def test_it_keeps_a_boards_year_between_the_baseline_and_the_last_year():
    assert [board_year(CAMPAIGN, y) for y in (2019, 2023, 2026, 2031)] == [2023, 2023, 2026, 2028]


def test_it_answers_a_plan_year_outside_the_campaign_with_this_year_within_it():
    with time_machine.travel("2030-06-01", tick=False):
        assert [plan_year(CAMPAIGN, y) for y in (2023, 2025, None)] == [2028, 2025, 2028]


@time_machine.travel("2026-06-01", tick=False)
def test_it_shows_this_year_by_default():
    assert (board_year(CAMPAIGN, None), plan_year(CAMPAIGN, None)) == (2026, 2026)
