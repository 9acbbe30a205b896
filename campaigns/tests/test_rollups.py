"""Roll-ups stay current after every kind of change, in the change's own transaction."""

from datetime import date

import pytest
from django.db import transaction

from assessments.models import (
    Assessment,
    AwardedTitle,
    Round,
    RoundStatus,
    RoundTitle,
    TitleStatus,
)
from assessments.services import _award, do_close_round, do_revoke_title
from campaigns import rollups
from campaigns.rollup_models import RollupFigure
from campaigns.rollups import maintenance as rollup_maintenance
from orgs.models import Level
from orgs.services import (
    do_create_unit,
    do_delete_unit,
    do_move_unit,
    do_reinstate_unit,
    do_retire_unit,
)
from registers.models import Carrier, MemberStatus
from registers.services import (
    do_change_member_status,
    do_create_activity,
    do_create_member,
    do_create_training,
    do_delete_training,
    do_transfer_member,
    do_update_activity,
)
from standards.models import Stage, StageKind, Standard, TitleKind


def award(unit, title: str, year: int, actor=None) -> AwardedTitle:
    """A decision's award through the real award code (the chain itself is tested elsewhere)."""
    assessment = rating(unit, title, year)
    with transaction.atomic():
        return _award(actor, assessment)


def rating(unit, title: str, year: int) -> Assessment:
    """A new one-stage assessment of the unit in the county's round of `year`."""
    round_, _created = Round.objects.get_or_create(
        organiser_id=unit.county_id or unit.pk, year=year, name=f"{year}年度"
    )
    standard, created = Standard.objects.get_or_create(
        title=title, version=1, defaults={"name": title}
    )
    if created:
        Stage.objects.create(
            standard=standard, position=0, kind=StageKind.DECISION, level=Level.COUNTY
        )
    return Assessment.objects.create(
        round=round_, title=title, standard=standard, unit=unit, access_unit=unit
    )


def close_round(county, year: int) -> Round:
    """Close the county's round of `year`, rating every title (titles not kept then lapse)."""
    round_, _created = Round.objects.get_or_create(organiser=county, year=year, name=f"{year}年度")
    for title in TitleKind.values:
        standard, created = Standard.objects.get_or_create(
            title=title, version=1, defaults={"name": title}
        )
        if created:
            Stage.objects.create(
                standard=standard, position=0, kind=StageKind.DECISION, level=Level.COUNTY
            )
        RoundTitle.objects.get_or_create(round=round_, title=title, defaults={"standard": standard})
    if round_.status == RoundStatus.OPEN:
        do_close_round(None, round_)
    return round_


def fig(unit, year: int = 2026) -> rollups.Figures:
    return rollups.figures(unit, year)


def agrees() -> bool:
    differences = rollups.verify()
    assert differences == [], [str(d) for d in differences[:10]]
    return True


def test_it_counts_the_tree_when_units_are_created(tree):
    county = fig(tree.county_a)
    assert (county.townships, county.villages, county.groups) == (3, 3, 4)
    assert fig(tree.city).villages == 4
    assert agrees()


def test_it_counts_an_award_at_once(tree):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    assert fig(tree.county_a).qualified_villages == 1
    assert fig(tree.province).qualified_villages == 1
    assert fig(tree.county_a, 2025).qualified_villages == 0
    assert agrees()


def test_it_keeps_a_title_in_force_in_later_years(tree):
    award(tree.group_1, TitleKind.FIVE_GOOD_GROUP, 2024)
    assert [f.five_good_groups for f in rollups.trend(tree.village_1, range(2023, 2027))] == [
        0,
        1,
        1,
        1,
    ]
    assert agrees()


def test_it_drops_a_revoked_title(tree, county_officer):
    title = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    do_revoke_title(county_officer, title, cause="spot_check", reason="抽查不合格")
    assert fig(tree.township_1).qualified_villages == 0
    assert agrees()


def test_it_never_lets_a_superseded_title_stand_in_for_a_revoked_newer_one(tree, county_officer):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    later = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    assert AwardedTitle.objects.filter(status=TitleStatus.SUPERSEDED).count() == 1
    assert fig(tree.county_a, 2026).qualified_villages == 1
    do_revoke_title(county_officer, later, cause="spot_check", reason="抽查不合格")
    assert fig(tree.county_a, 2026).qualified_villages == 0
    assert fig(tree.county_a, 2025).qualified_villages == 1
    assert fig(tree.county_a, 2023).qualified_villages == 0
    assert agrees()


def test_it_counts_nothing_for_a_title_revoked_before_another(tree, county_officer):
    first = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    do_revoke_title(county_officer, first, cause="spot_check", reason="抽查不合格")
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    assert [f.qualified_villages for f in rollups.trend(tree.village_1, [2024, 2025, 2026])] == [
        0,
        0,
        1,
    ]
    assert agrees()


def test_it_counts_a_first_class_village_as_qualified_or_better_once(tree):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2025)
    award(tree.village_1, TitleKind.FIRST_CLASS_VILLAGE, 2026)
    county = fig(tree.county_a)
    assert (county.qualified_villages, county.first_class_villages) == (0, 1)
    assert county.qualified_or_better == 1
    assert county.qualified_or_better_rate == pytest.approx(1 / 3)
    assert county.first_class_rate == pytest.approx(1 / 3)
    assert county.first_class_rate_of_qualified == 1
    assert fig(tree.county_a, 2025).qualified_villages == 1
    assert agrees()


def test_it_counts_advanced_townships_and_five_good_rates(tree):
    award(tree.township_1, TitleKind.ADVANCED_TOWNSHIP, 2026)
    award(tree.branch_group, TitleKind.FIVE_GOOD_GROUP, 2026)
    county = fig(tree.county_a)
    assert county.advanced_townships == 1
    assert county.five_good_rate == pytest.approx(1 / 4)
    assert fig(tree.urban_branch).five_good_groups == 1
    assert agrees()


def test_it_ignores_a_title_at_the_wrong_level(tree):
    award(tree.village_1, TitleKind.ADVANCED_TOWNSHIP, 2026)
    assert fig(tree.county_a).advanced_townships == 0
    assert agrees()


def _member(unit, name: str = "张三", **fields):
    return do_create_member(None, unit, name=name, **fields)


def test_it_counts_a_member_added_from_the_year_they_joined(tree):
    _member(tree.village_1, join_date=date(2025, 3, 1))
    assert fig(tree.county_a, 2024).active_members == 0
    assert fig(tree.county_a, 2025).active_members == 1
    assert fig(tree.province, 2030).active_members == 1
    assert agrees()


def test_it_stops_counting_a_member_who_leaves(tree):
    member = _member(tree.village_1, join_date=date(2020, 1, 1))
    do_change_member_status(None, member, MemberStatus.DECEASED, on=date(2025, 6, 1))
    assert fig(tree.township_1, 2025).active_members == 0
    assert fig(tree.township_1, 2024).active_members == 1
    assert agrees()


def test_it_moves_a_transferred_member(tree):
    member = _member(tree.village_1)
    do_transfer_member(None, member, tree.village_3)
    assert fig(tree.township_1).active_members == 0
    assert fig(tree.township_2).active_members == 1
    assert fig(tree.county_a).active_members == 1
    assert agrees()


def test_it_counts_a_group_members_on_the_group(tree):
    _member(tree.village_1, group=tree.group_1)
    assert [f.active_members for f in rollups.children_figures(tree.village_1, 2026)] == [1, 0]
    assert fig(tree.village_1).active_members == 1


def test_it_counts_trainings_and_activities_in_their_year(tree):
    training = do_create_training(
        None,
        tree.township_1,
        date=date(2025, 3, 5),
        title="培训",
        audiences=["presidents"],
        hours="2",
    )
    activity = do_create_activity(
        None,
        tree.group_1,
        date=date(2026, 4, 1),
        carrier=Carrier.objects.first(),
        needs=["three_lives"],
        title="走访",
        people_served=12,
    )
    assert fig(tree.county_a, 2025).trainings == 1
    assert (fig(tree.village_1).service_activities, fig(tree.village_1).people_served) == (1, 12)
    do_update_activity(None, activity, date=date(2025, 4, 1))
    assert fig(tree.village_1, 2025).service_activities == 1
    assert fig(tree.village_1, 2026).service_activities == 0
    do_delete_training(None, training)
    assert fig(tree.county_a, 2025).trainings == 0
    assert agrees()


def test_it_drops_a_retired_subtree_and_brings_a_unit_back(tree, county_officer):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    _member(tree.village_1)
    do_retire_unit(county_officer, tree.township_1, "撤并")
    county = fig(tree.county_a)
    assert (county.townships, county.villages, county.qualified_villages) == (2, 1, 0)
    assert county.active_members == 0
    assert fig(tree.village_1).villages == 0
    assert agrees()
    do_reinstate_unit(county_officer, tree.township_1)
    do_reinstate_unit(county_officer, tree.village_1)
    assert (fig(tree.county_a).villages, fig(tree.county_a).qualified_villages) == (2, 1)
    assert agrees()


def test_it_moves_a_village_with_its_figures(tree, county_officer):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    award(tree.group_1, TitleKind.FIVE_GOOD_GROUP, 2026)
    do_move_unit(county_officer, tree.village_1, tree.township_b)
    assert fig(tree.county_a).qualified_villages == 0
    assert fig(tree.county_b).qualified_villages == 1
    assert fig(tree.county_b).five_good_groups == 1
    assert fig(tree.city).villages == 4
    assert agrees()


def test_it_moves_a_group(tree, county_officer):
    award(tree.group_2, TitleKind.FIVE_GOOD_GROUP, 2026)
    do_move_unit(county_officer, tree.group_2, tree.village_3)
    assert fig(tree.township_1).five_good_groups == 0
    assert fig(tree.township_2).five_good_groups == 1
    assert agrees()


def test_it_counts_created_and_deleted_units(tree, county_officer):
    village = do_create_unit(
        None,
        parent=tree.township_2,
        name="新村",
        level=Level.VILLAGE,
        category="village",
        division_code="430121200299",
    )
    assert fig(tree.county_a).villages == 4
    assert RollupFigure.objects.filter(unit=village).count() == len(rollups.stored_years())
    do_delete_unit(county_officer, village)
    assert fig(tree.county_a).villages == 3
    group = do_create_unit(None, parent=tree.village_2, name="新组", level=Level.GROUP)
    assert fig(tree.village_2).groups == 1
    do_delete_unit(county_officer, group)
    assert fig(tree.village_2).groups == 0
    assert agrees()


def test_it_computes_years_outside_the_stored_range(tree):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    later = max(rollups.stored_years()) + 3
    assert fig(tree.county_a, later).qualified_villages == 1
    children = {f.unit: f for f in rollups.children_figures(tree.county_a, later)}
    assert children[tree.township_1].qualified_villages == 1


def test_it_rebuilds_what_it_maintains(tree):
    award(tree.village_1, TitleKind.FIRST_CLASS_VILLAGE, 2026)
    _member(tree.village_3, join_date=date(2023, 1, 1))
    before = sorted(RollupFigure.objects.values_list("unit_id", "year", *rollups.FIELDS))
    rollups.rebuild()
    after = sorted(RollupFigure.objects.values_list("unit_id", "year", *rollups.FIELDS))
    assert before == after


def test_it_reports_a_stored_figure_that_drifted(tree):
    RollupFigure.objects.filter(unit=tree.county_a, year=2026).update(villages=99)
    RollupFigure.objects.filter(unit=tree.village_2, year=2027).delete()
    found = {(d.unit_id, d.year, d.field) for d in rollups.verify()}
    assert found == {(tree.county_a.pk, 2026, "villages"), (tree.village_2.pk, 2027, "row")}


def test_it_skips_the_refresh_for_an_edit_that_moves_no_figure(tree, monkeypatch):
    member = _member(tree.village_1, join_date=date(2020, 1, 1))
    refreshed = []
    real_refresh = rollups.refresh
    for module in (rollups, rollup_maintenance):  # signals call the one, the package the other
        monkeypatch.setattr(module, "refresh", lambda pk, **kw: refreshed.append(pk))
    member.name = "李四"
    member.save()
    assert refreshed == []
    for module in (rollups, rollup_maintenance):
        monkeypatch.setattr(module, "refresh", real_refresh)
    member.join_date = date(2026, 1, 1)
    member.save()
    assert fig(tree.village_1, 2025).active_members == 0
    assert fig(tree.village_1, 2026).active_members == 1
    assert agrees()
