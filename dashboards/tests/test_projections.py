"""The projection to the campaign's last year, the outlook rule and the increase still needed."""

import pytest
from django.utils import translation

from dashboards.projections import (
    Outlook,
    Point,
    assess,
    outlook,
    pace,
    project,
    yearly_increase_needed,
)


def points(*pairs: tuple[int, float]) -> list[Point]:
    return [Point(year, value) for year, value in pairs]


def test_it_measures_the_pace_from_the_first_to_the_latest_year():
    assert pace(points((2025, 10), (2026, 30), (2027, 16))) == 3


def test_it_orders_the_years_before_measuring():
    assert pace(points((2027, 16), (2025, 10))) == 3


def test_it_has_no_pace_with_one_year():
    assert pace(points((2026, 40))) is None


def test_it_projects_the_latest_value_at_the_pace():
    assert project(points((2025, 10), (2027, 20)), 2030) == 35


def test_it_keeps_a_unit_without_pace_where_it_is():
    assert project(points((2026, 40)), 2030) == 40


def test_it_caps_the_projection_at_the_ceiling():
    assert project(points((2025, 50), (2026, 90)), 2030, ceiling=100) == 100


def test_it_never_projects_below_zero():
    assert project(points((2025, 30), (2026, 10)), 2030) == 0


def test_it_refuses_to_project_nothing():
    with pytest.raises(ValueError):
        project([], 2030)


def test_it_spreads_the_gap_over_the_years_left():
    assert yearly_increase_needed(20, 80, 2026, 2030) == 15


def test_it_needs_the_whole_gap_in_the_last_year():
    assert yearly_increase_needed(70, 80, 2030, 2030) == 10


def test_it_needs_nothing_once_the_target_is_reached():
    assert yearly_increase_needed(85, 80, 2026, 2030) == 0


def test_it_is_on_track_when_the_projection_reaches_the_target():
    assert outlook(40, 80, 80) == Outlook.ON_TRACK


def test_it_is_on_track_once_attained_even_when_falling():
    assert outlook(85, 80, 70) == Outlook.ON_TRACK


def test_it_is_at_risk_when_half_the_gap_closes():
    assert outlook(40, 80, 60) == Outlook.AT_RISK


def test_it_is_off_track_below_half_the_gap():
    assert outlook(40, 80, 59.9) == Outlook.OFF_TRACK


def test_it_is_off_track_when_going_backwards():
    assert outlook(40, 80, 30) == Outlook.OFF_TRACK


def test_it_assesses_one_unit():
    result = assess(points((2025, 20), (2026, 30)), 80, 2030, ceiling=100)
    assert (result.current, result.pace, result.projected) == (30, 10, 70)
    assert (result.needed_per_year, result.years_left) == (12.5, 4)
    assert result.outlook == Outlook.AT_RISK


def test_it_is_off_track_with_no_years_left():
    assert assess(points((2029, 60), (2030, 70)), 80, 2030).outlook == Outlook.OFF_TRACK


def test_it_labels_each_outlook():
    with translation.override("en"):
        assert [o.label for o in Outlook] == ["On track", "At risk", "Off track"]
