"""The `sanlian demo` command: tree, accounts and registers in one transaction.

The class below runs the whole command once (75,000 members); every other test builds the tree and
the accounts only (`--no-registers`). The registers builder itself is tested on small trees in
registers/tests/test_demo_registers.py.
"""

import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.urls import reverse

from accounts.models import Role, RoleKind
from assessments.models import AwardedTitle, TitleStatus
from assessments.selectors import waiting_for
from audit.models import AuditEvent
from audit.services import verify_chain
from conftest import restore_migration_data
from orgs.bulk import BULK_LOAD_ACTION
from orgs.models import Category, Level, OrgUnit
from registers.models import AssociationProfile, Member, MemberStatus, Post, PostKind
from sanlian.demo import register_parts as register_demo
from sanlian.management.commands import demo

PASSWORD = "demo-password-for-tests"


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


def _check_deferred_constraints():
    """Check PostgreSQL's deferred foreign keys of the class's rows now, once: otherwise every
    test's teardown checks them all again inside its savepoint (seconds a test)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture(scope="class")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole demo built once for a class of read-only tests, inside a transaction rolled back
    at the end of the class (each test still runs in its own savepoint); returns its output."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=hashers),
        override_settings(VAR_DIR=tmp_path_factory.mktemp("var")),
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        monkeypatch.setenv(demo.PASSWORD_ENV, PASSWORD)
        restore_migration_data()  # (a transactional test run before may have emptied them)
        output = _run_demo()
        _check_deferred_constraints()
        yield output
        transaction.set_rollback(True)


@pytest.mark.usefixtures("built")
class TestTheWholeDemo:
    def test_it_selects_townships_against_places_and_the_city_issues_their_titles(self, db, built):
        """评先 (issue 12): 2024's selection has three places, three 入选 and one 未入选 with its
        reason, confirmed by the city with its document number as the issuer of the titles;
        2026's is under way. The 双创 titles carried in are there too."""
        from assessments.models import Selection

        past = Selection.objects.get(round__year=2024)
        marks = list(past.marks.values_list("selected", flat=True))
        assert (past.places, sorted(marks)) == (3, [False, True, True, True])
        assert past.confirmed_document and past.confirmed_at
        assert "名额" in past.marks.get(selected=False).reason
        issued = AwardedTitle.objects.filter(
            title="advanced_township", assessment__round__year=2024
        )
        assert issued.count() == 3
        assert {t.issuer for t in issued} == {f"{past.round.organiser.city.name}计划生育协会"}
        assert Selection.objects.get(round__year=2026).marks.filter(selected=True).count() == 2
        assert AwardedTitle.objects.filter(
            carried_in=True, issuer__contains="计划生育协会"
        ).exists()

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

    def test_it_prints_the_accounts_the_password_and_the_counts(self, db, built):
        for username in demo.DEMO_USERNAMES:
            assert username in built
        assert PASSWORD in built
        counts = [OrgUnit.objects.filter(level=Level.GROUP).count()]
        for code in (demo.MAIN_COUNTY[1], demo.SECOND_COUNTY[1]):
            counts.append(Member.objects.filter(unit__county__division_code=code).count())
        assert all(str(n) in built for n in counts)

    def test_it_fills_every_register_of_both_counties(self, db, built):
        main = OrgUnit.objects.get(division_code=demo.MAIN_COUNTY[1])
        second = OrgUnit.objects.get(division_code=demo.SECOND_COUNTY[1])
        for county, least in ((main, 300), (second, 40)):
            holders = OrgUnit.objects.filter(county=county).filter(
                Q(level=Level.VILLAGE) | Q(category=Category.URBAN_BRANCH)
            )
            sizes = dict(holders.annotate(n=Count("members")).values_list("id", "n"))
            assert len(sizes) >= least
            assert min(sizes.values()) >= 100 and max(sizes.values()) <= 400
        assert 60_000 <= Member.objects.filter(unit__county=main).count() <= 90_000
        assert Member.objects.filter(unit__county=second).count() < 15_000

    def test_it_leaves_gaps_as_real_registers_have(self, db, built):
        villages = OrgUnit.objects.filter(
            county__division_code=demo.MAIN_COUNTY[1], level=Level.VILLAGE
        )
        current = Post.objects.filter(end_date=None)
        with_secretary = current.filter(kind=PostKind.SECRETARY_GENERAL).values("unit")
        without = villages.exclude(pk__in=with_secretary).count()
        assert 0 < without < 0.2 * villages.count()
        groups = OrgUnit.objects.filter(parent__in=villages, level=Level.GROUP)
        led = current.filter(kind=PostKind.GROUP_LEADER).values("unit")
        leaderless = groups.exclude(pk__in=led).count()
        assert 0 < leaderless < 0.25 * groups.count()
        assert Post.objects.exclude(end_date=None).filter(kind=PostKind.PRESIDENT).exists()
        profiles = AssociationProfile.objects.all()
        assert profiles.filter(has_venue=False).exists() and profiles.filter(has_venue=True)
        statuses = set(Member.objects.values_list("status", flat=True).distinct())
        assert statuses == set(MemberStatus.values)

    def test_it_records_one_bulk_load_event_per_loader(self, db, built):
        event = AuditEvent.objects.get(action=BULK_LOAD_ACTION)
        assert event.after["units"]["total"] == OrgUnit.objects.count()
        for code in (demo.MAIN_COUNTY[1], demo.SECOND_COUNTY[1]):
            county = OrgUnit.objects.get(division_code=code)
            registers = AuditEvent.objects.get(
                action=register_demo.BULK_LOAD_ACTION, unit_id=county.pk
            )
            members = Member.objects.filter(unit__county=county).count()
            assert registers.after["registers"]["members"] == members
        assert not AuditEvent.objects.filter(action__startswith="registers.member").exists()
        assert AuditEvent.objects.filter(action="accounts.user.create").count() == 7
        assert verify_chain().ok

    def test_it_changes_nothing_on_a_second_run(self, db, built):
        User = get_user_model()

        def state():
            return (
                OrgUnit.objects.count(),
                User.objects.count(),
                Role.objects.count(),
                Member.objects.count(),
                Post.objects.count(),
            )

        before = state()
        last_event = AuditEvent.objects.order_by("-seq").first().seq
        output = _run_demo()
        assert state() == before
        assert AuditEvent.objects.order_by("-seq").first().seq == last_event
        assert "township1" in output and PASSWORD in output

    def test_it_builds_the_campaign_with_work_waiting_for_every_acting_account(self, db, built):
        """Decided rounds with revoked titles, and the current round waiting at every stage."""
        users = {u.username: u for u in get_user_model().objects.all()}
        idle = [
            name
            for name in ("county", "city", "township1", "township2", "village1")
            if not waiting_for(users[name])
        ]
        assert idle == []
        assert AwardedTitle.objects.filter(status=TitleStatus.REVOKED).count() >= 2
        assert verify_chain().ok

    def test_it_shows_each_standing_case_and_its_roll_ups_verify(self, db, built):
        """A village lapsing after failing its yearly rating, revoked titles that stop counting,
        groups five-good in villages not yet qualified; `sanlian rollups verify` passes."""
        from assessments import standing
        from assessments.models import Assessment
        from campaigns import rollups

        # A carried-in 双创 village whose 2024 re-rating failed lapses from 2024 (the round is
        # closed), whatever the draws: the carried-in villages are re-rated apart from them.
        carried = AwardedTitle.objects.filter(carried_in=True, year=2023)
        failed_rerating = Assessment.objects.filter(
            round__year=2024,
            title="qualified_village",
            unit_id__in=carried.values("unit_id"),
            state__in=["withdrawn", "not_awarded"],
        )
        assert failed_rerating.exists()
        for rating in failed_rerating.select_related("unit"):
            events = {(e.year, e.event) for e in standing.timeline(rating.unit, 2026)}
            assert (2024, standing.LAPSED) in events
            assert not carried.filter(unit=rating.unit).held_in(2024).exists()
        # Groups five-good in 2024 that 2025's rating did not keep stop counting in 2025.
        failed = Assessment.objects.filter(
            round__year=2025, title="five_good_group", state="not_awarded"
        ).values("unit_id")
        held_2024 = AwardedTitle.objects.filter(unit_id__in=failed, year=2024)
        assert held_2024.exists()
        assert not AwardedTitle.objects.filter(unit_id__in=failed).held_in(2025).exists()
        assert standing.LAPSED in {e.event for e in standing.timeline(held_2024.first().unit, 2026)}
        for revoked in AwardedTitle.objects.filter(status=TitleStatus.REVOKED):
            same = AwardedTitle.objects.filter(unit=revoked.unit, title=revoked.title)
            assert not same.held_in(revoked.year).exists()
        five_good = AwardedTitle.objects.filter(title="five_good_group").held_in(2025)
        qualified = set(
            AwardedTitle.objects.filter(title__in=["qualified_village", "first_class_village"])
            .held_in(2025)
            .values_list("unit_id", flat=True)
        )
        homes = {
            t.unit.home_village_id or t.unit.parent_id for t in five_good.select_related("unit")
        }
        assert homes - qualified
        assert rollups.verify() == []


def test_it_builds_empty_registers_with_no_registers(db, var_dir, monkeypatch):
    monkeypatch.setenv(demo.PASSWORD_ENV, PASSWORD)
    output = _run_demo("--no-registers")
    assert OrgUnit.objects.filter(level=Level.VILLAGE).count() > 300
    assert not Member.objects.exists() and not Post.objects.exists()
    assert not AuditEvent.objects.filter(action=register_demo.BULK_LOAD_ACTION).exists()
    assert "township1" in output and PASSWORD in output


def test_it_generates_a_password_and_keeps_it_private(db, var_dir, monkeypatch):
    monkeypatch.delenv(demo.PASSWORD_ENV, raising=False)
    output = _run_demo("--no-registers")
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
    assert not Member.objects.exists()


def test_it_leaves_nothing_behind_when_the_accounts_fail(db, var_dir, monkeypatch):
    def fail(tree, password):
        raise RuntimeError("accounts failed")

    monkeypatch.setattr(demo, "create_demo_accounts", fail)
    with pytest.raises(RuntimeError):
        _run_demo()
    assert not OrgUnit.objects.exists()
    assert not AuditEvent.objects.filter(action=BULK_LOAD_ACTION).exists()


def test_it_leaves_nothing_behind_when_the_registers_fail(db, var_dir, monkeypatch):
    def fail(county, **options):
        Member.objects.create(unit=OrgUnit.objects.filter(level=Level.VILLAGE).first(), name="甲")
        raise RuntimeError("registers failed")

    monkeypatch.setattr(demo, "build_demo_registers", fail)
    with pytest.raises(RuntimeError):
        _run_demo()
    assert not OrgUnit.objects.exists() and not Member.objects.exists()
    assert not get_user_model().objects.filter(username__in=demo.DEMO_USERNAMES).exists()


def test_it_refuses_when_a_demo_username_is_taken(db, var_dir):
    get_user_model().objects.create_user("leader", password=None)
    with pytest.raises(CommandError):
        _run_demo()
    assert not OrgUnit.objects.exists()
