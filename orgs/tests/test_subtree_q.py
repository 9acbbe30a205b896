"""One home for "the subtree of a unit": orgs.models.subtree_q, on units or through a foreign
key."""

from orgs.models import OrgUnit, subtree_q


def test_it_takes_the_unit_and_everything_below_it(tree):
    found = set(OrgUnit.objects.filter(subtree_q(tree.township_1)))
    assert found == {tree.township_1, tree.village_1, tree.village_2, tree.group_1, tree.group_2}


def test_it_takes_a_group_as_its_own_subtree(tree):
    assert list(OrgUnit.objects.filter(subtree_q(tree.group_1))) == [tree.group_1]


def test_it_follows_a_foreign_key_to_the_unit(tree):
    """Units whose parent lies in township 1's subtree: its villages and their groups."""
    found = set(OrgUnit.objects.filter(subtree_q(tree.township_1, "parent")))
    assert found == {tree.village_1, tree.village_2, tree.group_1, tree.group_2}


def test_it_gives_the_same_units_as_the_querysets_subtree_of(tree):
    for unit in (tree.county_a, tree.village_3, tree.group_b):
        assert set(OrgUnit.objects.subtree_of(unit)) == set(OrgUnit.objects.filter(subtree_q(unit)))
