"""Register fixtures: a few members in 李家村 (village_1) and one in 张湾村 (village_3), and a
fast password hasher so that the personas log in quickly.

ID numbers here are valid (their check characters are right) and fictional.
"""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from registers.models import Carrier, RecruitmentCategory
from registers.services import do_create_activity, do_create_member

# Valid, fictional ID numbers (checksums right); born 1960, 1975, 1988, 1990, 1955.
ID_WANG = "430121196003050017"
ID_LI = "430121197507120028"
ID_ZHAO = "43012119881111003X"
ID_ZHANG = "43012119900101004X"
ID_SPARE = "430121195502020053"
PHONE_WANG = "13812345678"
PHONE_LI = "13987654321"


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language(settings):
    """Each test starts and ends in the default language: a request sent in English activates
    English in the thread, and would otherwise leak into the next test's messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def category(code):
    return RecruitmentCategory.objects.get(code=code)


class Members:
    """Named members of the fixture, reachable as attributes."""


@pytest.fixture
def members(tree):
    """王建国 (group 1, 五老, phone), 李秀英 (group 2, 致富能手), 赵磊 (no group) in 李家村;
    张伟 in 张湾村."""
    m = Members()
    m.wang = do_create_member(
        None,
        tree.village_1,
        name="王建国",
        id_number=ID_WANG,
        phone=PHONE_WANG,
        group=tree.group_1,
        join_date=date(2020, 3, 1),
        categories=[category("five_elders")],
    )
    m.li = do_create_member(
        None,
        tree.village_1,
        name="李秀英",
        id_number=ID_LI,
        phone=PHONE_LI,
        group=tree.group_2,
        join_date=date(2021, 6, 1),
        categories=[category("wealth_creator")],
    )
    m.zhao = do_create_member(
        None, tree.village_1, name="赵磊", id_number=ID_ZHAO, join_date=date(2022, 1, 15)
    )
    m.zhang = do_create_member(
        None,
        tree.village_3,
        name="张伟",
        id_number=ID_ZHANG,
        group=tree.group_3,
        join_date=date(2019, 9, 1),
    )
    return m


@pytest.fixture
def grant_unmask():
    """Give a user the permission to see ID numbers and phones in full: `grant_unmask(user)`."""

    def _grant(user):
        user.user_permissions.add(Permission.objects.get(codename="unmask_personal_info"))
        for attr in ("_perm_cache", "_user_perm_cache", "_sanlian_roles"):
            if hasattr(user, attr):
                delattr(user, attr)
        return user

    return _grant


@pytest.fixture
def activity(tree):
    """A service activity of 李家村 (生育关怀, 2025-04-01)."""
    return do_create_activity(
        None,
        tree.village_1,
        date=date(2025, 4, 1),
        carrier=Carrier.objects.get(name="生育关怀"),
        title="走访慰问",
    )
