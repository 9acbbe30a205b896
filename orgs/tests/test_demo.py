"""The demo tree builder (sanlian.demo.tree); the `sanlian demo` command is tested in
sanlian/tests."""

import hashlib
from collections import defaultdict

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from conftest import restore_migration_data
from orgs.bulk import BULK_LOAD_ACTION
from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit
from orgs.services import do_create_unit
from sanlian.demo import tree as demo

LEVEL_COLUMNS_ORDER = list(LEVEL_COLUMNS.values())


def _check_deferred_constraints():
    """Check PostgreSQL's deferred foreign keys of the class's rows now, once: otherwise every
    test's teardown checks them all again inside its savepoint (seconds a test)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture(scope="class")
def built(django_db_setup, django_db_blocker):
    """The demo tree built once for a class of read-only tests, inside a transaction rolled back
    at the end of the class (each test still runs in its own savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        restore_migration_data()  # (a transactional test run before may have emptied them)
        tree = demo.build_demo_tree(demo.DEFAULT_SEED)
        _check_deferred_constraints()
        yield tree
        transaction.set_rollback(True)


def _digest() -> str:
    """Everything a seed decides, in insertion order, without ids (they differ between builds)."""
    units = OrgUnit.objects.order_by("id").values_list(
        "id",
        "parent_id",
        "home_village_id",
        "level",
        "category",
        "name",
        "division_code",
        "population",
        "households",
        "is_key_village",
    )
    position = {}
    rows = []
    for pk, parent_id, home_id, *fields in units:
        position[pk] = len(position)
        rows.append((position.get(parent_id), position.get(home_id), *fields))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _build_and_digest(seed: int) -> str:
    with transaction.atomic():
        demo.build_demo_tree(seed)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_it_builds_the_same_tree_from_the_same_seed(db):
    first = _build_and_digest(7)
    assert not OrgUnit.objects.exists()
    assert _build_and_digest(7) == first


def test_it_plans_other_names_from_another_seed():
    def names(seed):
        county, _first, _second = demo._Planner(seed).main_county()
        return [township.fields["name"] for township in county.children]

    assert names(7) == names(7)
    assert names(7) != names(8)


def _expected_ancestor_columns(unit, by_id):
    expected = dict.fromkeys(LEVEL_COLUMNS.values())
    node = unit
    while node is not None:
        if node.level in LEVEL_COLUMNS:
            expected[LEVEL_COLUMNS[node.level]] = node.pk
        node = by_id.get(node.parent_id)
    return expected


@pytest.mark.usefixtures("built")
class TestTheBuiltDemo:
    def test_it_builds_a_main_county_of_the_demo_shape(self, db, built):
        county = OrgUnit.objects.get(division_code=demo.MAIN_COUNTY[1])
        townships = OrgUnit.objects.filter(parent=county)
        assert 13 <= townships.count() <= 17
        branch = townships.get(category=Category.URBAN_BRANCH)
        assert branch.division_code is None
        assert townships.filter(category=Category.STREET).exists()
        villages = OrgUnit.objects.filter(county=county, level=Level.VILLAGE)
        assert 250 <= villages.count() <= 350
        assert set(villages.values_list("category", flat=True)) == {
            Category.VILLAGE,
            Category.COMMUNITY,
            Category.ENTERPRISE,
        }
        groups = OrgUnit.objects.filter(
            county=county, level=Level.GROUP, parent__level=Level.VILLAGE
        )
        assert 8 <= groups.count() / villages.count() <= 12
        rural = villages.filter(category=Category.VILLAGE)
        assert 0.05 <= rural.filter(is_key_village=True).count() / rural.count() <= 0.25
        assert min(rural.values_list("population", flat=True)) >= 800
        assert max(rural.values_list("population", flat=True)) <= 4000

    def test_it_gives_the_urban_branch_groups_home_villages_in_the_county(self, db, built):
        branch = OrgUnit.objects.get(category=Category.URBAN_BRANCH)
        groups = OrgUnit.objects.filter(parent=branch).select_related("home_village")
        assert 6 <= len(groups) <= 10
        for group in groups:
            assert group.level == Level.GROUP
            assert group.home_village.category == Category.VILLAGE
            assert group.home_village.county_id == branch.county_id
            assert group.name == f"{group.home_village.name}进城小组"

    def test_it_builds_a_smaller_second_county_in_the_same_city(self, db, built):
        main = OrgUnit.objects.get(division_code=demo.MAIN_COUNTY[1])
        second = OrgUnit.objects.get(division_code=demo.SECOND_COUNTY[1])
        assert second.parent_id == main.parent_id
        assert OrgUnit.objects.filter(parent=second).count() == 4
        villages = OrgUnit.objects.filter(county=second, level=Level.VILLAGE).count()
        assert 30 <= villages <= 50
        assert OrgUnit.objects.filter(county=second, level=Level.GROUP).count() >= 8 * villages

    def test_it_nests_division_codes_and_sums_populations(self, db, built):
        for unit in OrgUnit.objects.filter(level__gte=Level.TOWNSHIP).select_related("parent"):
            if unit.level == Level.GROUP or unit.category in (
                Category.URBAN_BRANCH,
                Category.ENTERPRISE,
            ):
                assert unit.division_code is None
            else:
                expected = 9 if unit.level == Level.TOWNSHIP else 12
                assert len(unit.division_code) == expected
                assert unit.division_code.startswith(unit.parent.division_code)
        for township in OrgUnit.objects.filter(level=Level.TOWNSHIP).exclude(
            category=Category.URBAN_BRANCH
        ):
            places = OrgUnit.objects.filter(parent=township).exclude(category=Category.ENTERPRISE)
            assert township.population == sum(p.population for p in places)
            assert township.households == sum(p.households for p in places)
        for county in OrgUnit.objects.filter(level=Level.COUNTY):
            townships = OrgUnit.objects.filter(parent=county)
            assert county.population == sum(t.population or 0 for t in townships) > 0
            assert county.households < county.population

    def test_it_sets_the_ancestor_columns_as_a_walk_up_the_parents_does(self, db, built):
        by_id = OrgUnit.objects.in_bulk()
        children = defaultdict(list)
        for unit in by_id.values():
            actual = {column: getattr(unit, f"{column}_id") for column in LEVEL_COLUMNS.values()}
            assert actual == _expected_ancestor_columns(unit, by_id), unit
            children[unit.parent_id].append(unit.pk)

        def subtree_size(pk):
            return 1 + sum(subtree_size(child) for child in children[pk])

        for unit in by_id.values():
            if unit.level <= Level.TOWNSHIP or unit.pk % 10 == 0:
                assert OrgUnit.objects.subtree_of(unit).count() == subtree_size(unit.pk), unit

    def test_it_matches_what_the_service_writes(self, db, built):
        village = OrgUnit.objects.filter(level=Level.VILLAGE, category=Category.VILLAGE).first()
        bulk_group = OrgUnit.objects.filter(parent=village).first()
        service_group = do_create_unit(None, parent=village, name="新建小组", level=Level.GROUP)
        columns = [f"{column}_id" for column in LEVEL_COLUMNS.values()]
        assert [getattr(bulk_group, c) for c in columns] == [
            getattr(service_group, c) for c in columns
        ]
        service_village = do_create_unit(
            None,
            parent=village.parent,
            name="新建村",
            level=Level.VILLAGE,
            category=Category.VILLAGE,
            division_code=village.parent.division_code + "399",
        )
        above = columns[: LEVEL_COLUMNS_ORDER.index("village")]
        assert [getattr(service_village, c) for c in above] == [getattr(village, c) for c in above]
        assert village.village_id == village.pk and service_village.village_id == service_village.pk

    def test_it_builds_units_that_pass_full_clean(self, db, built):
        units = OrgUnit.objects.select_related("parent", "home_village")
        sample = [
            *units.filter(level__lte=Level.TOWNSHIP),
            *units.filter(level=Level.VILLAGE).order_by("id")[::7],
            *units.filter(level=Level.GROUP, parent__level=Level.VILLAGE).order_by("id")[::100],
            *units.filter(level=Level.GROUP, parent__category=Category.URBAN_BRANCH),
        ]
        for unit in sample:
            unit.full_clean()

    def test_it_records_one_bulk_load_event(self, db, built):
        event = AuditEvent.objects.get(action=BULK_LOAD_ACTION)
        assert event.after["units"]["total"] == OrgUnit.objects.count()
        assert event.unit_id == OrgUnit.objects.get(level=Level.PROVINCE).pk
        assert event.after["command"] == "demo" and event.after["seed"] == demo.DEFAULT_SEED
        assert not AuditEvent.objects.filter(action="orgs.unit.create").exists()

    def test_it_names_the_units_the_accounts_hang_on(self, db, built):
        assert built.county.division_code == demo.MAIN_COUNTY[1]
        assert built.second_county.division_code == demo.SECOND_COUNTY[1]
        assert built.township1 != built.township2
        for township in (built.township1, built.township2):
            assert township.parent == built.county
            assert township.category in (Category.TOWN, Category.TOWNSHIP)
        assert built.village1.parent == built.township1
        assert built.village1.category == Category.VILLAGE
        assert built.counts[Level.VILLAGE] == OrgUnit.objects.filter(level=Level.VILLAGE).count()
