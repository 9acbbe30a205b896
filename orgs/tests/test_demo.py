import hashlib
import io
import stat
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from accounts.models import Role, RoleKind
from audit.models import AuditEvent
from audit.services import verify_chain
from orgs.bulk import BULK_LOAD_ACTION
from orgs.management.commands import demo
from orgs.models import LEVEL_COLUMNS, Category, Level, OrgUnit
from orgs.services import do_create_unit

PASSWORD = "demo-password-for-tests"
LEVEL_COLUMNS_ORDER = list(LEVEL_COLUMNS.values())


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    # The accounts' hashing is not what these tests are about; Argon2 costs ~0.3 s a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path


def _run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo built once for a class of read-only tests, inside a transaction rolled back at
    the end of the class (each test still runs in its own savepoint); returns its output."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=hashers),
        override_settings(VAR_DIR=tmp_path_factory.mktemp("var")),
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        monkeypatch.setenv(demo.PASSWORD_ENV, PASSWORD)
        output = _run_demo()
        yield output
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

    def test_it_creates_the_accounts_with_their_roles(self, db, built):
        main = OrgUnit.objects.get(division_code=demo.MAIN_COUNTY[1])
        expected = {
            "admin": (RoleKind.ADMINISTRATOR, Level.PROVINCE),
            "city": (RoleKind.CITY_REVIEWER, Level.CITY),
            "county": (RoleKind.COUNTY_OFFICER, Level.COUNTY),
            "township1": (RoleKind.TOWNSHIP_OFFICER, Level.TOWNSHIP),
            "township2": (RoleKind.TOWNSHIP_OFFICER, Level.TOWNSHIP),
            "village1": (RoleKind.VILLAGE_OPERATOR, Level.VILLAGE),
            "leader": (RoleKind.LEADER, Level.COUNTY),
        }
        roles = {
            role.user.username: role for role in Role.objects.select_related("user", "unit").all()
        }
        assert {name: (r.kind, r.unit.level) for name, r in roles.items()} == expected
        assert roles["county"].unit == main == roles["leader"].unit
        townships = [roles["township1"].unit, roles["township2"].unit]
        assert townships[0] != townships[1]
        for township in townships:
            assert township.parent == main
            assert township.category in (Category.TOWN, Category.TOWNSHIP)
        assert roles["village1"].unit.parent == townships[0]
        assert roles["village1"].unit.category == Category.VILLAGE
        admin = roles["admin"].user
        assert admin.is_staff and admin.is_superuser
        assert not any(r.user.is_staff for name, r in roles.items() if name != "admin")
        assert all(r.user.first_name for r in roles.values())

    def test_it_lets_every_account_log_in_with_the_environment_password(self, db, built, client):
        for username in demo.DEMO_USERNAMES:
            response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
            assert response.status_code == 302, username
            client.logout()

    def test_it_prints_the_accounts_and_the_password(self, db, built):
        for username in demo.DEMO_USERNAMES:
            assert username in built
        assert PASSWORD in built

    def test_it_records_one_bulk_load_event(self, db, built):
        event = AuditEvent.objects.get(action=BULK_LOAD_ACTION)
        assert event.after["units"]["total"] == OrgUnit.objects.count()
        assert event.unit_id == OrgUnit.objects.get(level=Level.PROVINCE).pk
        assert not AuditEvent.objects.filter(action="orgs.unit.create").exists()
        assert AuditEvent.objects.filter(action="accounts.user.create").count() == 7
        assert verify_chain().ok

    def test_it_changes_nothing_on_a_second_run(self, db, built):
        User = get_user_model()
        before = (OrgUnit.objects.count(), User.objects.count(), Role.objects.count(), _digest())
        last_event = AuditEvent.objects.order_by("-seq").first().seq
        output = _run_demo()
        assert (OrgUnit.objects.count(), User.objects.count(), Role.objects.count(), _digest()) == (
            before
        )
        assert AuditEvent.objects.order_by("-seq").first().seq == last_event
        assert "township1" in output and PASSWORD in output


def test_it_generates_a_password_and_keeps_it_private(db, var_dir, monkeypatch):
    monkeypatch.delenv(demo.PASSWORD_ENV, raising=False)
    output = _run_demo()
    path = var_dir / demo.CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = demo.saved_password()
    assert len(password) >= 12 and password in output
    assert get_user_model().objects.get(username="village1").check_password(password)
    assert password in _run_demo()


def test_it_leaves_an_existing_tree_alone(tree, var_dir):
    before = OrgUnit.objects.count()
    _run_demo()
    assert OrgUnit.objects.count() == before
    assert not get_user_model().objects.filter(username__in=demo.DEMO_USERNAMES).exists()


def test_it_leaves_nothing_behind_when_the_build_fails(db, var_dir, monkeypatch):
    def fail(tree, password):
        raise RuntimeError("accounts failed")

    monkeypatch.setattr(demo, "create_demo_accounts", fail)
    with pytest.raises(RuntimeError):
        _run_demo()
    assert not OrgUnit.objects.exists()
    assert not AuditEvent.objects.filter(action=BULK_LOAD_ACTION).exists()


def test_it_refuses_when_a_demo_username_is_taken(db, var_dir):
    get_user_model().objects.create_user("leader", password=None)
    with pytest.raises(CommandError):
        _run_demo()
    assert not OrgUnit.objects.exists()
