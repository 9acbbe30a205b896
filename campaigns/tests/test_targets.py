"""Target computations: attained share, target, gap, units still needed, met or not."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from audit.models import AuditEvent
from campaigns.services import campaign_targets, do_create_campaign, do_update_campaign
from campaigns.targets import (
    ALL_VILLAGES,
    QUALIFIED_OR_BETTER,
    Counts,
    Targets,
    advanced,
    attainments,
    first_class,
    five_good,
    needed_for,
    qualified,
)


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English messages; the default language is restored after."""
    translation.activate("en")
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_it_meets_the_five_good_target_at_exactly_half():
    result = five_good(Counts(groups=10, five_good_groups=5), Targets())
    assert (result.value, result.target, result.gap, result.met) == (
        Decimal("50.0"),
        Decimal("50"),
        Decimal("0"),
        True,
    )


def test_it_reports_the_five_good_gap_and_groups_still_needed():
    result = five_good(Counts(groups=30, five_good_groups=10), Targets())
    assert result.value == Decimal("33.3")
    assert result.gap == Decimal("16.7")
    assert result.still_needed == 5
    assert result.met is False


def test_it_counts_first_class_villages_as_qualified_or_better():
    counts = Counts(villages=10, qualified_villages=5, first_class_villages=3)
    result = qualified(counts, Targets())
    assert (result.numerator, result.value, result.still_needed, result.met) == (
        8,
        Decimal("80.0"),
        0,
        True,
    )


def test_it_misses_the_qualified_target_by_a_rounding_hair():
    """79.99 % rounds to 80.0 on screen but does not meet 80 %: the count decides."""
    counts = Counts(villages=10001, qualified_villages=8000)
    result = qualified(counts, Targets())
    assert result.value == Decimal("80.0")
    assert result.met is False
    assert result.still_needed == 1


def test_it_takes_the_first_class_share_of_all_villages_by_default():
    counts = Counts(villages=20, qualified_villages=8, first_class_villages=4)
    result = first_class(counts, Targets())
    assert (result.denominator, result.value, result.met, result.base) == (
        20,
        Decimal("20.0"),
        False,
        ALL_VILLAGES,
    )
    assert result.still_needed == 1


def test_it_takes_the_first_class_share_of_qualified_villages_when_set():
    counts = Counts(villages=20, qualified_villages=8, first_class_villages=4)
    result = first_class(counts, Targets(first_class_base=QUALIFIED_OR_BETTER))
    assert (result.denominator, result.value, result.met) == (12, Decimal("33.3"), True)
    assert str(result.base_label) == "of villages qualified or better"


def test_it_leaves_a_share_undecided_when_there_is_nothing_to_count():
    result = five_good(Counts(groups=0), Targets())
    assert (result.value, result.met, result.gap) == (None, None, None)
    base = first_class(Counts(villages=5), Targets(first_class_base=QUALIFIED_OR_BETTER))
    assert base.met is None


def test_it_compares_advanced_townships_with_the_count_target():
    result = advanced(Counts(townships=15, advanced_townships=2), Targets(advanced_townships=3))
    assert (result.met, result.still_needed, result.gap) == (False, 1, Decimal("1"))
    assert advanced(Counts(advanced_townships=3), Targets(advanced_townships=3)).met is True


def test_it_leaves_an_unset_advanced_target_undecided():
    result = advanced(Counts(advanced_townships=2), Targets())
    assert (result.target, result.met) == (None, None)


def test_it_rounds_the_units_needed_up():
    assert needed_for(Decimal("80"), 7) == 6
    assert needed_for(Decimal("25"), 8) == 2
    assert needed_for(Decimal("25"), 9) == 3
    assert needed_for(Decimal("0"), 9) == 0


def test_it_reads_counts_from_anything_with_the_roll_up_names():
    class Figures:
        groups, five_good_groups, villages = 4, 2, 3
        qualified_villages, first_class_villages = 1, 1
        townships, advanced_townships = 1, 0

    assert Counts.of(Figures()).qualified_or_better == 2


def test_it_leaves_the_advanced_count_out_of_a_townships_targets():
    rows = attainments(Counts(), Targets(), townships=False)
    assert [r.indicator for r in rows] == [
        "five_good_groups",
        "qualified_villages",
        "first_class_villages",
    ]
    assert len(attainments(Counts(), Targets())) == 4


# The campaign that holds the targets


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_it_opens_a_five_year_campaign_with_the_plan_s_targets(fast_hasher, tree, county_officer):
    campaign = do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2026)
    assert (campaign.first_year, campaign.last_year) == (2026, 2030)
    assert campaign_targets(campaign) == Targets(
        Decimal("50"), Decimal("80"), Decimal("25"), ALL_VILLAGES, None
    )


def test_it_refuses_overlapping_campaigns_of_one_organiser(fast_hasher, tree, county_officer):
    do_create_campaign(county_officer, tree.county_a, name="甲", first_year=2026)
    with pytest.raises(ValidationError) as error:
        do_create_campaign(county_officer, tree.county_a, name="乙", first_year=2030)
    assert "first_year" in error.value.message_dict
    assert do_create_campaign(county_officer, tree.county_a, name="丙", first_year=2031)


def test_it_records_only_the_changed_settings(fast_hasher, tree, county_officer):
    campaign = do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2026)
    do_update_campaign(county_officer, campaign, first_class_base=QUALIFIED_OR_BETTER)
    event = AuditEvent.objects.get(action="campaigns.campaign.update")
    assert event.before == {"first_class_base": ALL_VILLAGES}
    assert event.after == {"first_class_base": QUALIFIED_OR_BETTER}


def test_it_keeps_campaigns_to_the_organising_county(
    fast_hasher, tree, township_officer, outsider, leader
):
    for actor in (township_officer, outsider, leader):
        with pytest.raises(PermissionDenied):
            do_create_campaign(actor, tree.county_a, name="三联创", first_year=2026)
    with pytest.raises(PermissionDenied):
        do_create_campaign(None, tree.township_1, name="三联创", first_year=2026)


def test_it_reads_many_townships_targets_as_it_reads_one(fast_hasher, tree, county_officer):
    from campaigns.services import do_set_township_target, township_targets, townships_targets

    campaign = do_create_campaign(
        county_officer, tree.county_a, name="三联创", first_year=2026, advanced_townships=2
    )
    do_set_township_target(county_officer, campaign, tree.township_1, qualified_share=Decimal("90"))
    townships = [tree.township_1, tree.township_2]
    many = townships_targets(campaign, [u.pk for u in townships])
    assert many == {u.pk: township_targets(campaign, u) for u in townships}
    assert many[tree.township_1.pk].qualified_share == Decimal("90")
    # A township's own targets never carry the campaign's advanced-township count.
    assert {targets.advanced_townships for targets in many.values()} == {None}
