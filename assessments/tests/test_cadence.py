"""Townships are selected every two to three years, twice in five: a round that breaks the
rhythm warns (it is not refused)."""

import pytest

from assessments.services import cadence_warnings, do_create_round
from standards.models import TitleKind

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def select_in(tree, county_officer, township_standard):
    def _select(year, name=None):
        _round, warnings = do_create_round(
            county_officer,
            tree.county_a,
            year=year,
            name=name or f"{year}年评先",
            standards={TitleKind.ADVANCED_TOWNSHIP: township_standard},
        )
        return warnings

    return _select


def test_it_does_not_warn_for_the_first_selection(select_in):
    assert select_in(2026) == []


@pytest.mark.parametrize("gap", [2, 3])
def test_it_does_not_warn_for_a_gap_of_two_or_three_years(select_in, gap):
    select_in(2024)
    assert select_in(2024 + gap) == []


def test_it_warns_when_selections_are_less_than_two_years_apart(select_in):
    select_in(2025)
    (warning,) = select_in(2026)
    assert "2025" in warning and "two to three years" in warning


def test_it_warns_of_a_second_selection_in_the_same_year(select_in):
    select_in(2026)
    warnings = select_in(2026, name="2026年第二次评先")
    assert any("2026" in w and "two to three years" in w for w in warnings)


def test_it_warns_when_selections_are_more_than_three_years_apart(select_in):
    select_in(2021)
    (warning,) = select_in(2025)
    assert "2021" in warning and "4 years away" in warning


def test_it_warns_of_more_than_two_selections_in_five_years(select_in):
    select_in(2021)
    select_in(2023)
    warnings = select_in(2025)
    assert any("3 township selections" in w and "2021–2025" in w for w in warnings)


def test_it_looks_at_the_next_selection_too(select_in):
    select_in(2030)
    (warning,) = select_in(2025)
    assert "2030" in warning


def test_it_does_not_warn_for_a_round_without_the_township_title(tree, select_in):
    select_in(2026)
    assert cadence_warnings(tree.county_a, 2026, [TitleKind.QUALIFIED_VILLAGE]) == []


def test_it_previews_the_warning_before_the_round_exists(tree, select_in):
    select_in(2025)
    assert cadence_warnings(tree.county_a, 2026, [TitleKind.ADVANCED_TOWNSHIP])
