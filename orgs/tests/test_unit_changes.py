"""Moving, retiring, reinstating and deleting units keep the tree and its history right."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from orgs.models import Level, OrgUnit, Status
from orgs.services import (
    do_delete_unit,
    do_move_unit,
    do_reinstate_unit,
    do_retire_unit,
    do_update_unit,
)


def test_it_finds_a_subtree_with_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(OrgUnit.objects.subtree_of(tree.township_1).values_list("name", flat=True))
    assert names == {"青山镇", "李家村", "王庄村", "第一小组", "第二小组"}


def test_it_moves_a_village_with_its_groups_to_another_township(county_officer, tree):
    do_move_unit(county_officer, tree.village_1, tree.township_2)
    moved = OrgUnit.objects.filter(village=tree.village_1)
    assert {u.township_id for u in moved} == {tree.township_2.pk}
    assert OrgUnit.objects.subtree_of(tree.township_2).filter(name="第二小组").exists()
    assert not OrgUnit.objects.subtree_of(tree.township_1).filter(name="第二小组").exists()
    event = AuditEvent.objects.get(action="orgs.unit.move")
    assert event.after == {"parent": tree.township_2.pk, "units_moved": 3}


def test_it_refuses_to_move_a_township_under_a_village(county_officer, tree):
    with pytest.raises(ValidationError):
        do_move_unit(county_officer, tree.township_1, tree.village_3)
    tree.township_1.refresh_from_db()
    assert tree.township_1.parent_id == tree.county_a.pk


def test_it_retires_a_unit_with_its_subtree_and_keeps_the_rows(county_officer, tree):
    retired = do_retire_unit(county_officer, tree.village_1, "并入王庄村")
    assert retired == 3
    statuses = set(OrgUnit.objects.subtree_of(tree.village_1).values_list("status", flat=True))
    assert statuses == {Status.RETIRED}
    assert AuditEvent.objects.filter(action="orgs.unit.retire").count() == 1


def test_it_requires_a_reason_to_retire(county_officer, tree):
    with pytest.raises(ValidationError):
        do_retire_unit(county_officer, tree.village_2, "   ")
    tree.village_2.refresh_from_db()
    assert tree.village_2.is_active


def test_it_reinstates_a_retired_unit(county_officer, tree):
    do_retire_unit(county_officer, tree.village_2, "误操作")
    do_reinstate_unit(county_officer, tree.village_2)
    tree.village_2.refresh_from_db()
    assert tree.village_2.is_active and tree.village_2.retired_reason == ""


def test_it_deletes_a_leaf_unit_and_records_what_it_was(county_officer, tree):
    pk = tree.village_2.pk
    do_delete_unit(county_officer, tree.village_2)
    assert not OrgUnit.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="orgs.unit.delete")
    assert event.before["name"] == "王庄村"


def test_it_refuses_to_delete_a_unit_with_children(county_officer, tree):
    with pytest.raises(ValidationError):
        do_delete_unit(county_officer, tree.village_1)
    assert OrgUnit.objects.filter(pk=tree.village_1.pk).exists()


def test_it_records_only_the_changed_fields_of_an_edit(county_officer, tree):
    do_update_unit(county_officer, tree.village_2, population=1900, name="王庄村")
    event = AuditEvent.objects.get(action="orgs.unit.update")
    assert event.before == {"population": 1800} and event.after == {"population": 1900}


def test_it_writes_no_event_for_an_edit_that_changes_nothing(county_officer, tree):
    do_update_unit(county_officer, tree.village_2, population=1800)
    assert not AuditEvent.objects.filter(action="orgs.unit.update").exists()


def test_it_keeps_group_level_subtrees_to_the_group_itself(tree):
    assert list(OrgUnit.objects.subtree_of(tree.group_1)) == [tree.group_1]
    assert tree.group_1.level == Level.GROUP
