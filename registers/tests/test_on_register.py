"""One home for "a member on the register at the end of year Y" (registers.selectors), used alike
by the roll-ups and by the metrics that pre-fill assessments, so that their counts agree for past
years: a member who left in 2025 was on the register at the end of 2024."""

from datetime import date
from decimal import Decimal

import pytest

from campaigns import rollups
from orgs.models import OrgUnit, subtree_q
from registers.models import Member, MemberStatus
from registers.selectors import members_on_register, on_register_at_end_of, on_register_in
from standards.metrics import members_per_100


def _left(member, on: date) -> None:
    Member.objects.filter(pk=member.pk).update(status=MemberStatus.MOVED, status_date=on)


def _names(unit, year: int) -> set[str]:
    return {member.name for member in members_on_register(unit, year)}


def test_it_counts_a_member_who_left_later_on_the_earlier_years_register(tree, members):
    _left(members.wang, date(2025, 3, 1))
    assert "王建国" in _names(tree.village_1, 2024)
    assert "王建国" not in _names(tree.village_1, 2025)


def test_it_leaves_out_a_member_before_the_year_they_joined(tree, members):
    assert _names(tree.village_1, 2021) == {"王建国", "李秀英"}  # 赵磊 joined in 2022


def test_it_counts_a_member_whose_join_date_is_unknown(tree, members):
    Member.objects.filter(pk=members.zhao.pk).update(join_date=None)
    assert "赵磊" in _names(tree.village_1, 2000)


def test_it_leaves_out_a_member_who_left_with_no_date(tree, members):
    Member.objects.filter(pk=members.zhao.pk).update(status=MemberStatus.MOVED, status_date=None)
    assert "赵磊" not in _names(tree.village_1, 2024)


@pytest.mark.parametrize("year", [2019, 2021, 2024, 2025, 2026])
def test_it_says_the_same_on_rows_and_in_queries(tree, members, year):
    _left(members.wang, date(2025, 3, 1))
    Member.objects.filter(pk=members.zhao.pk).update(join_date=None)
    rows = Member.objects.values_list("pk", "join_date", "status", "status_date")
    by_rows = {
        pk
        for pk, joined, status, left in rows
        if on_register_in(joined and joined.year, status, left and left.year, year)
    }
    by_query = set(Member.objects.filter(on_register_at_end_of(year)).values_list("pk", flat=True))
    assert by_rows == by_query


def test_it_gives_the_dashboards_and_the_assessments_the_same_count_for_a_past_year(tree, members):
    _left(members.wang, date(2025, 3, 1))
    OrgUnit.objects.filter(pk=tree.village_1.pk).update(population=100)  # per 100 = the count
    village = OrgUnit.objects.get(pk=tree.village_1.pk)
    figures = rollups.compute(subtree_q(village), [2024], {village.pk})
    value, _display = members_per_100(village, 2024)
    assert figures[(village.pk, 2024)]["active_members"] == 3
    assert value == Decimal(3)
