"""Metrics over the registers: each reads a unit's subtree for one year and says what it read."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import AwardedTitle
from registers.models import Carrier, InclusionItem, PostKind, RecruitmentCategory
from registers.services import (
    do_appoint_post,
    do_create_activity,
    do_create_member,
    do_create_training,
    do_save_inclusion,
)
from standards import metrics
from standards.metrics import reading_for
from standards.models import Item

YEAR = 2025


def _member(unit, name, *, group=None, categories=(), joined=date(2020, 1, 1)):
    return do_create_member(
        None,
        unit,
        name=name,
        group=group,
        join_date=joined,
        categories=[RecruitmentCategory.objects.get(code=c) for c in categories],
    )


def _activity(unit, on, carrier="生育关怀"):
    return do_create_activity(
        None, unit, title="入户宣传", date=on, carrier=Carrier.objects.get(name=carrier)
    )


def _award(unit, title, year, status="awarded"):
    return AwardedTitle.objects.create(
        unit=unit, title=title, year=year, status=status, awarded_at=timezone.now()
    )


@pytest.fixture
def village_members(tree):
    """Four active members of 李家村 (two of them 五老), one who joined after the year."""
    return [
        _member(tree.village_1, "王建国", group=tree.group_1, categories=["five_elders"]),
        _member(tree.village_1, "李秀英", group=tree.group_2, categories=["five_elders"]),
        _member(tree.village_1, "赵磊", group=tree.group_1),
        _member(tree.village_1, "钱多", categories=["wealth_creator"]),
        _member(tree.village_1, "孙新", joined=date(YEAR + 1, 2, 1)),
    ]


def test_it_counts_members_per_100_residents(tree, village_members):
    """李家村 has 2,400 residents and 4 members at the end of 2025 (the fifth joined later)."""
    value, display = metrics.members_per_100(tree.village_1, YEAR)
    assert value == Decimal("0.2")
    assert "4" in display and "2400" in display


def test_it_reads_no_member_ratio_without_a_population(tree):
    value, display = metrics.members_per_100(tree.village_3, YEAR)
    assert value is None
    assert display


def test_it_gives_the_share_of_five_elders(tree, village_members):
    value, _display = metrics.five_elders_share(tree.village_1, YEAR)
    assert value == Decimal("50.0")


def test_it_counts_required_posts_filled_and_names_the_vacant(tree, village_members):
    """President, secretary-general, a council member and a leader for each of two groups: 5."""
    wang, li, *_rest = village_members
    do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2020, 1, 1), member=wang)
    do_appoint_post(None, tree.group_1, PostKind.GROUP_LEADER, date(2020, 1, 1), member=wang)
    do_appoint_post(None, tree.village_1, PostKind.COUNCIL_MEMBER, date(2020, 1, 1), member=li)
    value, display = metrics.required_posts_filled(tree.village_1, YEAR)
    assert value == Decimal("60.0")
    assert "第二小组" in display


def test_it_does_not_count_a_post_that_started_after_the_year(tree, village_members):
    do_appoint_post(
        None, tree.group_1, PostKind.GROUP_LEADER, date(YEAR + 1, 1, 5), member=village_members[0]
    )
    value, _display = metrics.required_posts_filled(tree.group_1, YEAR)
    assert value == Decimal("0.0")


def test_it_counts_months_with_an_activity(tree):
    """Two activities in March count once; a group's activity counts for its village."""
    _activity(tree.village_1, date(YEAR, 3, 2))
    _activity(tree.village_1, date(YEAR, 3, 20))
    _activity(tree.group_1, date(YEAR, 5, 1))
    _activity(tree.village_1, date(YEAR - 1, 6, 1))
    assert metrics.monthly_activities(tree.village_1, YEAR)[0] == Decimal("2")
    assert metrics.monthly_activities(tree.group_1, YEAR)[0] == Decimal("1")
    assert metrics.monthly_activities(tree.group_2, YEAR)[0] == Decimal("0")


def test_it_counts_trainings_held_and_attendance_by_post(tree, village_members):
    wang = village_members[0]
    do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2020, 1, 1), member=wang)
    do_create_training(
        None,
        tree.village_1,
        title="会长培训",
        date=date(YEAR, 4, 1),
        hours=Decimal("2"),
        audiences=["presidents"],
        attendees=[wang, village_members[2]],
    )
    value, display = metrics.trainings(tree.village_1, YEAR)
    assert value == Decimal("1")
    assert "会长 1" in display and "2" in display


def test_it_counts_service_activities_by_carrier(tree):
    _activity(tree.village_1, date(YEAR, 1, 9), "生育关怀")
    _activity(tree.village_1, date(YEAR, 2, 9), "生育关怀")
    _activity(tree.village_1, date(YEAR, 2, 9), "幸福工程")
    value, display = metrics.activities_by_carrier(tree.village_1, YEAR)
    assert value == Decimal("3")
    assert "生育关怀 2" in display and "幸福工程 1" in display


def test_it_counts_migrant_groups_in_the_five_good_share(tree):
    """李家村 has two groups and one urban-branch group; two of the three are five-good in 2025."""
    _award(tree.group_1, "five_good_group", YEAR)
    _award(tree.branch_group, "five_good_group", YEAR)
    _award(tree.group_2, "five_good_group", YEAR, status="revoked")
    _award(tree.group_2, "five_good_group", YEAR - 1)
    value, _display = metrics.five_good_share(tree.village_1, YEAR)
    assert value == Decimal("66.7")


def test_it_counts_villages_holding_titles_below_a_township(tree):
    """青山镇 has two villages; one qualified earlier, the other's title was revoked."""
    _award(tree.village_1, "qualified_village", YEAR - 1, status="superseded")
    _award(tree.village_2, "qualified_village", YEAR, status="revoked")
    assert metrics.villages_qualified_share(tree.township_1, YEAR)[0] == Decimal("50.0")
    assert metrics.villages_first_class_share(tree.township_1, YEAR)[0] == Decimal("0.0")


def test_it_counts_inclusion_items_achieved(tree):
    do_save_inclusion(
        None,
        tree.township_1,
        YEAR,
        {
            InclusionItem.AGENDA: {"achieved": True},
            InclusionItem.DEPLOYED: {"achieved": True},
            InclusionItem.COMMENDED: {"achieved": False},
        },
    )
    value, display = metrics.inclusion_items(tree.township_1, YEAR)
    assert value == Decimal("2")
    assert "7" in display
    assert metrics.inclusion_items(tree.village_1, YEAR)[0] is None


def test_it_suggests_a_score_from_a_bound_items_bands(tree):
    """Item 11 of the shipped qualified standard: a five-good share of 50% or more gives 5."""
    item = Item.objects.get(
        section__standard__title="qualified_village", section__standard__version=0, number="11"
    )
    _award(tree.group_1, "five_good_group", YEAR)
    _award(tree.group_2, "five_good_group", YEAR)
    reading = reading_for(item, tree.village_1, YEAR)
    assert reading.value == Decimal("66.7")
    assert reading.suggested == Decimal("5")


def test_it_offers_every_metric_the_standards_bind(db):
    used = set(Item.objects.exclude(metric="").values_list("metric", flat=True))
    assert used <= set(metrics.METRICS)
