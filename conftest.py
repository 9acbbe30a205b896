"""The base fixture: one small city with two counties, and the named personas.

county_a (the county the personas work in)
  township_1 (青山镇)  -> village_1 (李家村) -> groups; village_2 (王庄村)
  township_2 (河口乡)  -> village_3 (张湾村)
  urban_branch (城关分会) -> branch_group (home village: village_1)
county_b (the outsider's county) -> township_b -> village_b
"""

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import RoleKind
from accounts.services import do_create_token, do_create_user, do_grant_role
from orgs.models import Category, Level
from orgs.services import do_create_unit
from registers.defaults import ensure_default_lists
from registers.models import Carrier, RecruitmentCategory

PASSWORD = "correct-horse-battery-staple"


def restore_migration_data() -> None:
    """Put back what the migrations wrote: a transactional test (the browser's) ends by emptying
    every table, and later tests in the same process read these rows."""
    from django.apps import apps

    from audit.models import ChainHead
    from standards.defaults import install_default_standards
    from standards.models import Standard

    ChainHead.objects.get_or_create(pk=1)
    ensure_default_lists(RecruitmentCategory, Carrier)
    if not Standard.objects.filter(version=0).exists():
        # As the migration does it: the historical install writes no audit event, so a test that
        # counts events sees the same database whatever ran before it.
        install_default_standards(models=apps)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    return (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request through the test client leaves the
    language it negotiated active in the thread, which the next test would inherit."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Before each test that reads the database, the rows the migrations wrote are there."""
    uses_db = "db" in request.fixturenames or request.node.get_closest_marker("django_db")
    if uses_db and not _is_transactional(request):
        request.getfixturevalue("_django_db_helper")
        restore_migration_data()


class Tree:
    """Named units of the base fixture, reachable as attributes."""


def _unit(parent, name, level, **fields):
    return do_create_unit(None, parent=parent, name=name, level=level, **fields)


@pytest.fixture
def tree(db):
    # Transactional tests (the browser's live server) flush the database, seeded lists included.
    ensure_default_lists(RecruitmentCategory, Carrier)
    t = Tree()
    t.province = _unit(None, "湖南省", Level.PROVINCE, division_code="430000")
    t.city = _unit(t.province, "长沙市", Level.CITY, division_code="430100")
    t.county_a = _unit(t.city, "长沙县", Level.COUNTY, division_code="430121", population=800000)
    t.county_b = _unit(t.city, "宁乡县", Level.COUNTY, division_code="430124")
    t.township_1 = _unit(
        t.county_a,
        "青山镇",
        Level.TOWNSHIP,
        category=Category.TOWN,
        division_code="430121100",
        population=42000,
        households=12000,
    )
    t.township_2 = _unit(
        t.county_a, "河口乡", Level.TOWNSHIP, category=Category.TOWNSHIP, division_code="430121200"
    )
    t.urban_branch = _unit(t.county_a, "城关分会", Level.TOWNSHIP, category=Category.URBAN_BRANCH)
    t.village_1 = _unit(
        t.township_1,
        "李家村",
        Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100201",
        population=2400,
        households=700,
        is_key_village=True,
    )
    t.village_2 = _unit(
        t.township_1,
        "王庄村",
        Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100202",
        population=1800,
    )
    t.village_3 = _unit(
        t.township_2,
        "张湾村",
        Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121200201",
    )
    t.group_1 = _unit(t.village_1, "第一小组", Level.GROUP)
    t.group_2 = _unit(t.village_1, "第二小组", Level.GROUP)
    t.group_3 = _unit(t.village_3, "第一小组", Level.GROUP)
    t.branch_group = _unit(t.urban_branch, "李家村进城小组", Level.GROUP, home_village=t.village_1)
    t.township_b = _unit(
        t.county_b, "双江镇", Level.TOWNSHIP, category=Category.TOWN, division_code="430124100"
    )
    t.village_b = _unit(
        t.township_b,
        "刘家村",
        Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430124100201",
    )
    t.group_b = _unit(t.village_b, "第一小组", Level.GROUP)
    return t


def _persona(username, unit, kind, **extra):
    user = do_create_user(None, username=username, password=PASSWORD, **extra)
    do_grant_role(None, user, unit, kind)
    return user


@pytest.fixture
def county_officer(tree):
    return _persona("county_a", tree.county_a, RoleKind.COUNTY_OFFICER, full_name="县协会干事")


@pytest.fixture
def township_officer(tree):
    return _persona("township_1", tree.township_1, RoleKind.TOWNSHIP_OFFICER)


@pytest.fixture
def other_township_officer(tree):
    return _persona("township_2", tree.township_2, RoleKind.TOWNSHIP_OFFICER)


@pytest.fixture
def village_operator(tree):
    return _persona("village_1", tree.village_1, RoleKind.VILLAGE_OPERATOR)


@pytest.fixture
def outsider(tree):
    """A county officer of the other county."""
    return _persona("county_b", tree.county_b, RoleKind.COUNTY_OFFICER)


@pytest.fixture
def city_reviewer(tree):
    return _persona("city", tree.city, RoleKind.CITY_REVIEWER)


@pytest.fixture
def leader(tree):
    return _persona("leader", tree.county_a, RoleKind.LEADER)


@pytest.fixture
def administrator(tree):
    return _persona(
        "admin", tree.province, RoleKind.ADMINISTRATOR, is_staff=True, is_superuser=True
    )


@pytest.fixture
def as_user():
    """An API client that sends `user`'s token with every request: `as_user(county_officer)`."""

    def _as_user(user, language="en"):
        _, raw = do_create_token(None, user, "tests")
        return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": language})

    return _as_user


@pytest.fixture
def login(client):
    """Log a persona in on the test client: `login(county_officer)`."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


# Browser tests (Playwright on Debian's Chromium against the live server).


@pytest.fixture(scope="module")
def browser(django_db_setup, django_db_blocker):
    """One headless Chromium per test module.

    Playwright's sync API keeps an event loop in this thread, so the ORM calls of the fixtures
    must be allowed from it. A transactional test ends by emptying every table, the audit chain's
    head row and the seeded lists included: the module puts them back for the tests after it.
    """
    from playwright.sync_api import sync_playwright

    from sanlian.tests.browser import chromium_available, launch

    if not chromium_available():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = launch(playwright)
            yield chromium
            chromium.close()
        with django_db_blocker.unblock():
            restore_migration_data()


@pytest.fixture
def live_seeded(transactional_db):
    """What migrations put in the tables, which every transactional test empties at its end."""
    restore_migration_data()
