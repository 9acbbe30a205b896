import io
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum

from audit.models import AuditEvent, Result
from audit.services import verify_chain
from orgs import bulk
from orgs.bulk import BULK_LOAD_ACTION, GenerateOptions, generate_tree
from orgs.models import LEVEL_COLUMNS, Level, OrgUnit


def _generate(**options) -> str:
    out = io.StringIO()
    call_command("generate", stdout=out, **options)
    return out.getvalue()


def _level_counts(root=None) -> dict[int, int]:
    units = OrgUnit.objects.subtree_of(root) if root else OrgUnit.objects.all()
    return dict(Counter(units.values_list("level", flat=True)))


def test_it_generates_exactly_the_requested_shape(db):
    _generate(townships=5, villages_per_township=4, groups_per_village=3, counties=2, seed=1)
    assert _level_counts() == {
        Level.PROVINCE: 1,
        Level.CITY: 1,
        Level.COUNTY: 2,
        Level.TOWNSHIP: 5,
        Level.VILLAGE: 20,
        Level.GROUP: 60,
    }
    per_township = OrgUnit.objects.filter(level=Level.TOWNSHIP).annotate(n=Count("children"))
    assert {t.n for t in per_township} == {4}
    per_village = OrgUnit.objects.filter(level=Level.VILLAGE).annotate(n=Count("children"))
    assert {v.n for v in per_village} == {3}
    per_county = OrgUnit.objects.filter(level=Level.COUNTY).annotate(n=Count("children"))
    assert sorted(c.n for c in per_county) == [2, 3]


def test_it_spreads_counties_over_cities(db):
    _generate(townships=7, villages_per_township=1, groups_per_village=0, counties=5, cities=2)
    cities = OrgUnit.objects.filter(level=Level.CITY).annotate(n=Count("children"))
    assert sorted(c.n for c in cities) == [2, 3]
    assert _level_counts()[Level.TOWNSHIP] == 7
    assert Level.GROUP not in _level_counts()


def test_it_sets_the_ancestor_columns_exactly(db):
    _generate(townships=4, villages_per_township=3, groups_per_village=2, counties=2, cities=2)
    by_id = OrgUnit.objects.in_bulk()
    below = defaultdict(int)
    for unit in by_id.values():
        expected = dict.fromkeys(LEVEL_COLUMNS.values())
        node = unit
        while node is not None:
            if node.level in LEVEL_COLUMNS:
                expected[LEVEL_COLUMNS[node.level]] = node.pk
                below[node.pk] += 1
            node = by_id.get(node.parent_id)
        assert {c: getattr(unit, f"{c}_id") for c in LEVEL_COLUMNS.values()} == expected
    for pk, count in below.items():
        assert OrgUnit.objects.subtree_of(by_id[pk]).count() == count


def test_it_builds_units_that_pass_full_clean(db):
    _generate(townships=6, villages_per_township=10, groups_per_village=2, seed=3)
    units = OrgUnit.objects.select_related("parent").order_by("id")
    for unit in [*units.exclude(level=Level.GROUP), *units.filter(level=Level.GROUP)[::13]]:
        unit.full_clean()


def test_it_keeps_division_codes_unique_when_run_twice(db):
    for _run in range(2):
        _generate(townships=3, villages_per_township=5, groups_per_village=1, seed=4)
    provinces = list(OrgUnit.objects.filter(level=Level.PROVINCE))
    assert len(provinces) == 2
    assert provinces[0].division_code != provinces[1].division_code
    assert provinces[0].name != provinces[1].name
    for province in provinces:
        codes = OrgUnit.objects.subtree_of(province).exclude(division_code=None)
        assert all(
            code.startswith(province.division_code[:2])
            for code in codes.values_list("division_code", flat=True)
        )
    codes = list(
        OrgUnit.objects.exclude(division_code=None).values_list("division_code", flat=True)
    )
    assert len(codes) == len(set(codes))


def test_it_puts_counties_under_an_existing_city(tree):
    _generate(
        townships=3, villages_per_township=2, groups_per_village=1, counties=2, parent_code="430100"
    )
    new_counties = OrgUnit.objects.filter(parent=tree.city).exclude(
        pk__in=[tree.county_a.pk, tree.county_b.pk]
    )
    assert len(new_counties) == 2
    for county in new_counties:
        assert county.division_code.startswith("4301")
        assert county.province_id == tree.province.pk and county.city_id == tree.city.pk
    assert OrgUnit.objects.filter(level=Level.PROVINCE).count() == 1
    assert _level_counts(tree.city)[Level.TOWNSHIP] == 4 + 3  # the fixture's 4 and the new 3
    event = AuditEvent.objects.get(action=BULK_LOAD_ACTION)
    assert event.unit_id == tree.city.pk


def test_it_refuses_what_it_cannot_build(db):
    with pytest.raises(CommandError):
        _generate(townships=1000, villages_per_township=1)
    with pytest.raises(CommandError):
        _generate(townships=1, villages_per_township=1, parent_code="999900")
    with pytest.raises(CommandError):
        _generate(townships=1, villages_per_township=1, cities=2, parent_code="999900")
    assert not OrgUnit.objects.exists()


def test_it_rolls_up_populations(db):
    _generate(townships=6, villages_per_township=5, groups_per_village=0, counties=2, cities=2)
    for level in (Level.TOWNSHIP, Level.COUNTY, Level.CITY):
        for unit in OrgUnit.objects.filter(level=level - 1):
            children = OrgUnit.objects.filter(parent=unit).exclude(
                category="enterprise_association"
            )
            assert unit.population == children.aggregate(n=Sum("population"))["n"]
            assert unit.households == children.aggregate(n=Sum("households"))["n"]


def test_it_records_one_event_per_run(db):
    output = _generate(townships=2, villages_per_township=3, groups_per_village=4)
    event = AuditEvent.objects.get(action=BULK_LOAD_ACTION)
    assert event.result == Result.OK
    assert event.after["units"] == {
        "province": 1,
        "city": 1,
        "county": 1,
        "township": 2,
        "village": 6,
        "group": 24,
        "total": 35,
    }
    assert not AuditEvent.objects.exclude(action=BULK_LOAD_ACTION).exists()
    assert verify_chain().ok
    assert "35" in output


def test_it_inserts_in_batches_no_larger_than_the_batch_size(db, monkeypatch):
    """The loader never hands the database (or holds) more than one batch of new rows."""
    sizes = []
    original = OrgUnit.objects.bulk_create

    def spy(objs, *args, **kwargs):
        sizes.append(len(objs))
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(OrgUnit.objects, "bulk_create", spy)
    result = generate_tree(
        GenerateOptions(townships=4, villages_per_township=6, groups_per_village=5, batch_size=8)
    )
    assert max(sizes) <= 8
    assert sum(sizes) == 1 + 1 + 1 + 4 + 24 + 120
    # One transaction for the upper levels, one per township (a township is 31 rows > 8), one
    # for the roll-ups and the event.
    assert result.transactions == 1 + 4 + 1


def test_it_keeps_the_committed_batches_and_records_a_failed_run(db, monkeypatch):
    original = bulk._Generator._township_batch
    calls = []

    def fail_on_the_second_batch(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, *args)

    monkeypatch.setattr(bulk._Generator, "_township_batch", fail_on_the_second_batch)
    with pytest.raises(RuntimeError):
        generate_tree(
            GenerateOptions(
                townships=3, villages_per_township=2, groups_per_village=1, batch_size=3
            )
        )
    assert _level_counts()[Level.TOWNSHIP] == 1
    event = AuditEvent.objects.get(action=BULK_LOAD_ACTION)
    assert event.result == Result.FAILED
    assert event.after["units"]["township"] == 1 and event.after["error"] == "disk full"


def test_it_generates_the_same_names_from_the_same_seed(db):
    def names(seed):
        with transaction.atomic():
            generate_tree(GenerateOptions(townships=3, villages_per_township=4, seed=seed))
            rows = list(OrgUnit.objects.order_by("id").values_list("name", "division_code"))
            transaction.set_rollback(True)
        return rows

    assert names(11) == names(11)
    assert names(11) != names(12)
