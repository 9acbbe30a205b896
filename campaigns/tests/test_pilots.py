"""Pilots (试点): one or two a township a year, two in a large township, key villages preferred."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from audit.models import AuditEvent
from campaigns.checks import ERROR, WARNING, PilotRow, check_pilots, pilots_required
from campaigns.models import Pilot
from campaigns.services import (
    do_add_pilot,
    do_create_campaign,
    do_remove_pilot,
    pilot_findings,
)
from orgs.models import Category, Level
from orgs.services import do_create_unit


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English messages; the default language is restored after."""
    translation.activate("en")
    yield
    translation.activate(settings.LANGUAGE_CODE)


KEY = PilotRow(1, "李家村", is_key_village=True)
PLAIN = PilotRow(2, "王庄村")


def codes(findings):
    return [f.code for f in findings]


def test_it_asks_a_small_township_for_at_least_one_pilot():
    findings = check_pilots([], population=8000, large_population=30000, has_key_village=False)
    assert codes(findings) == ["too_few_pilots"]
    assert findings[0].severity == ERROR
    assert (
        check_pilots([PLAIN], population=8000, large_population=30000, has_key_village=False) == []
    )


def test_it_asks_a_large_township_for_two_pilots():
    findings = check_pilots([KEY], population=42000, large_population=30000, has_key_village=True)
    assert codes(findings) == ["too_few_pilots"]
    assert "30000" in findings[0].message and "42000" in findings[0].message
    assert (
        check_pilots([KEY, PLAIN], population=42000, large_population=30000, has_key_village=True)
        == []
    )


def test_it_counts_a_township_at_the_threshold_as_small():
    assert pilots_required(30000, 30000) == 1
    assert pilots_required(30001, 30000) == 2


def test_it_refuses_more_than_two_pilots():
    findings = check_pilots(
        [KEY, PLAIN, PilotRow(3, "张湾村")],
        population=42000,
        large_population=30000,
        has_key_village=True,
    )
    assert codes(findings) == ["too_many_pilots"]


def test_it_warns_when_no_pilot_is_a_key_village_though_one_exists():
    findings = check_pilots([PLAIN], population=8000, large_population=30000, has_key_village=True)
    assert codes(findings) == ["no_key_village"]
    assert findings[0].severity == WARNING
    assert (
        check_pilots([PLAIN], population=8000, large_population=30000, has_key_village=False) == []
    )


def test_it_warns_that_an_unknown_population_counts_as_small():
    findings = check_pilots([PLAIN], population=None, large_population=30000, has_key_village=False)
    assert codes(findings) == ["population_unknown"]


@pytest.fixture
def campaign(tree, county_officer):
    return do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2026)


def test_it_adds_a_pilot_and_audits_it(campaign, tree, township_officer):
    pilot = do_add_pilot(
        township_officer, campaign, tree.township_1, year=2026, village=tree.village_1
    )
    assert Pilot.objects.get() == pilot
    assert AuditEvent.objects.get(action="campaigns.pilot.add").unit_id == tree.township_1.pk


def test_it_checks_the_township_s_pilots_with_the_campaign_threshold(
    campaign, tree, township_officer
):
    do_add_pilot(township_officer, campaign, tree.township_1, year=2026, village=tree.village_2)
    found = codes(pilot_findings(campaign, tree.township_1, 2026))
    # 青山镇 has 42,000 people and the key village 李家村.
    assert found == ["too_few_pilots", "no_key_village"]
    campaign.large_township_population = 50000
    assert codes(pilot_findings(campaign, tree.township_1, 2026)) == ["no_key_village"]


def test_it_refuses_a_third_pilot(campaign, tree, township_officer):
    third = do_create_unit(
        None,
        parent=tree.township_1,
        name="赵村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100203",
    )
    do_add_pilot(township_officer, campaign, tree.township_1, year=2026, village=tree.village_1)
    do_add_pilot(township_officer, campaign, tree.township_1, year=2026, village=tree.village_2)
    with pytest.raises(ValidationError) as error:
        do_add_pilot(township_officer, campaign, tree.township_1, year=2026, village=third)
    assert "one or two" in error.value.message_dict["village"][0]
    assert do_add_pilot(township_officer, campaign, tree.township_1, year=2027, village=third)


def test_it_refuses_the_same_village_twice_a_year(campaign, tree, township_officer):
    do_add_pilot(township_officer, campaign, tree.township_1, year=2026, village=tree.village_1)
    with pytest.raises(ValidationError):
        do_add_pilot(township_officer, campaign, tree.township_1, year=2026, village=tree.village_1)


def test_it_refuses_a_village_of_another_township_or_a_year_outside(
    campaign, tree, township_officer
):
    with pytest.raises(ValidationError) as error:
        do_add_pilot(township_officer, campaign, tree.township_1, year=2031, village=tree.village_3)
    assert set(error.value.message_dict) == {"year", "village"}


def test_it_lets_only_the_township_choose_its_pilots(
    campaign, tree, township_officer, other_township_officer, county_officer, village_operator
):
    for actor in (other_township_officer, county_officer, village_operator):
        with pytest.raises(PermissionDenied):
            do_add_pilot(actor, campaign, tree.township_1, year=2026, village=tree.village_1)
    pilot = do_add_pilot(
        township_officer, campaign, tree.township_1, year=2026, village=tree.village_1
    )
    with pytest.raises(PermissionDenied):
        do_remove_pilot(other_township_officer, pilot)


def test_it_removes_a_pilot_with_an_audit_event(campaign, tree, township_officer):
    pilot = do_add_pilot(
        township_officer, campaign, tree.township_1, year=2026, village=tree.village_1
    )
    do_remove_pilot(township_officer, pilot)
    assert not Pilot.objects.exists()
    event = AuditEvent.objects.get(action="campaigns.pilot.remove")
    assert event.before["village"] == tree.village_1.pk


def test_it_asks_for_one_or_two_pilots_only_in_the_campaigns_first_year():
    assert (
        codes(
            check_pilots(
                [], population=8000, large_population=30000, has_key_village=False, first_year=False
            )
        )
        == []
    )
    many = [PilotRow(n, f"村{n}") for n in range(4)]
    assert (
        codes(
            check_pilots(
                many,
                population=8000,
                large_population=30000,
                has_key_village=False,
                first_year=False,
            )
        )
        == []
    )


def test_it_takes_a_third_pilot_after_the_first_year(campaign, tree, township_officer):
    third = do_create_unit(
        None,
        parent=tree.township_1,
        name="赵村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100203",
    )
    for village in (tree.village_1, tree.village_2, third):
        do_add_pilot(township_officer, campaign, tree.township_1, year=2027, village=village)
    assert Pilot.objects.filter(year=2027).count() == 3
    assert "too_many_pilots" not in codes(pilot_findings(campaign, tree.township_1, 2027))
