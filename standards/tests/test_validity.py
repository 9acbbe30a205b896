"""A standard may give its title a validity in years instead of the yearly re-rating (动态管理):
set on the standard, kept by a copy, copied onto the titles awarded under it."""

import pytest
from django.core.exceptions import ValidationError

from standards import services
from standards.defaults import shipped_standards
from standards.models import TitleKind


@pytest.fixture
def own(tree, county_officer):
    example = shipped_standards()[TitleKind.ADVANCED_TOWNSHIP]
    return services.do_copy_standard(county_officer, example, unit=tree.county_a)


def test_it_sets_and_clears_a_validity_in_years(county_officer, own):
    services.do_update_standard(county_officer, own, validity_years=3)
    own.refresh_from_db()
    assert own.validity_years == 3
    services.do_update_standard(county_officer, own, validity_years=None)
    own.refresh_from_db()
    assert own.validity_years is None


def test_it_refuses_a_validity_out_of_range(county_officer, own):
    with pytest.raises(ValidationError):
        services.do_update_standard(county_officer, own, validity_years=0)


def test_it_keeps_the_validity_in_a_copy(tree, county_officer, own):
    services.do_update_standard(county_officer, own, validity_years=3)
    own.refresh_from_db()
    copy = services.do_copy_standard(county_officer, own, unit=tree.county_a)
    assert copy.validity_years == 3
