"""The access helper against an independent oracle, over random (persona, unit, action) triples.

The oracle finds a unit's ancestors by walking parent links one row at a time; the helper reads the
denormalised ancestor columns. Before each check the tree may be reshaped (random moves, a random
retirement) and the persona may be a random user holding random roles, so the columns, the role
filtering and the queryset paths are all exercised. Each example runs in a savepoint that is rolled
back, so examples do not leak into each other.
"""

import contextlib

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.test import RequestFactory
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.access import (
    Action,
    audit_units,
    can,
    get_unit_for_user,
    root_units,
    visible_units,
)
from accounts.models import ROLE_LEVELS, Role, RoleKind
from accounts.services import do_create_user, do_grant_role
from audit.models import AuditEvent, Result
from orgs.models import OrgUnit, Status
from orgs.services import do_move_unit, do_retire_unit
from orgs.validation import allowed_parent_levels

PERSONAS = [
    "county_officer",
    "township_officer",
    "other_township_officer",
    "village_operator",
    "outsider",
    "city_reviewer",
    "leader",
]
MANAGERS = {
    RoleKind.VILLAGE_OPERATOR,
    RoleKind.TOWNSHIP_OFFICER,
    RoleKind.COUNTY_OFFICER,
    RoleKind.ADMINISTRATOR,
}
AUDIT_READERS = {RoleKind.COUNTY_OFFICER, RoleKind.CITY_REVIEWER, RoleKind.ADMINISTRATOR}
READ_ONLY = {RoleKind.LEADER, RoleKind.CITY_REVIEWER}

PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# The oracle: parent links and role rows, read afresh, nothing from accounts.access.


def _ancestors_or_self(unit_id: int) -> list[int]:
    chain = []
    while unit_id is not None:
        chain.append(unit_id)
        unit_id = OrgUnit.objects.filter(pk=unit_id).values_list("parent_id", flat=True).get()
    return chain


def _live_roles_covering(user, unit: OrgUnit) -> list[Role]:
    """The user's roles whose unit is the unit or one of its ancestors, on units not retired."""
    chain = set(_ancestors_or_self(unit.pk))
    return [
        role
        for role in Role.objects.filter(user=user).select_related("unit")
        if role.unit.status == Status.ACTIVE and role.unit_id in chain
    ]


def oracle(user, action: Action, unit: OrgUnit) -> bool:
    roles = _live_roles_covering(user, unit)
    if action == Action.VIEW:
        return bool(roles)
    if action == Action.VIEW_AUDIT:
        return any(r.kind in AUDIT_READERS for r in roles)
    if action in (Action.ADD_CHILD, Action.EDIT_RECORDS):
        # Registers, like new children, are kept by the unit itself and those above it.
        return unit.status == Status.ACTIVE and any(r.kind in MANAGERS for r in roles)
    if action == Action.UNMASK:
        return bool(roles) and user.has_perm("registers.unmask_personal_info")
    # CHANGE: a unit's own record is kept by the level above.
    return any(r.kind in MANAGERS and r.unit_id != unit.pk for r in roles)


# Reshaping the tree and making users, each step only if the rules allow it.


def _try_move(unit_pk: int, parent_pk: int) -> None:
    unit, parent = OrgUnit.objects.get(pk=unit_pk), OrgUnit.objects.get(pk=parent_pk)
    with contextlib.suppress(ValidationError):  # a move the rules refuse leaves the tree as is
        do_move_unit(None, unit, parent)
        event("a unit moved")


def _user_with_roles(grants: list[tuple[str, int]]):
    user = do_create_user(None, username=f"random{get_user_model().objects.count()}", password=None)
    for kind, unit_pk in grants:
        unit = OrgUnit.objects.get(pk=unit_pk)
        level = ROLE_LEVELS[RoleKind(kind)]
        if (level is None or level == unit.level) and not Role.objects.filter(
            user=user, unit=unit, kind=kind
        ).exists():
            do_grant_role(None, user, unit, kind)
    return user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Seven personas' argon2 hashes would cost more than the examples; this file tests access.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(request, tree):
    """The base tree, every persona, and the ids the strategies draw from."""
    users = {name: request.getfixturevalue(name).pk for name in PERSONAS}
    levels = dict(OrgUnit.objects.values_list("pk", "level"))
    return users, levels


def _scenario(levels: dict[int, int]):
    """What to reshape, who asks, about which unit, for what."""
    unit = st.sampled_from(sorted(levels))
    # Moves to a parent of the right level (the rules may still refuse some; those are skipped).
    moves = [
        (moved, parent)
        for moved in levels
        for parent in levels
        if levels[parent] in allowed_parent_levels(levels[moved])
    ]
    grants = st.lists(
        st.tuples(st.sampled_from(list(RoleKind.values)), unit), min_size=1, max_size=3
    )
    return st.fixed_dictionaries(
        {
            "persona": st.one_of(st.sampled_from(PERSONAS), grants),
            "moves": st.lists(st.sampled_from(moves), max_size=2),
            "retire": st.one_of(st.none(), unit),
            "unit": unit,
            "action": st.sampled_from(list(Action)),
        }
    )


def _set_up(users: dict, scenario: dict):
    for unit_pk, parent_pk in scenario["moves"]:
        _try_move(unit_pk, parent_pk)
    if scenario["retire"] is not None:
        retiring = OrgUnit.objects.get(pk=scenario["retire"])
        if retiring.status == Status.ACTIVE:
            do_retire_unit(None, retiring, "property test")
    persona = scenario["persona"]
    if isinstance(persona, str):
        # A fresh object each time: the helper caches roles on the user object.
        return get_user_model().objects.get(pk=users[persona])
    return _user_with_roles(persona)


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _check_helper_answers(user, unit: OrgUnit, action: Action) -> None:
    """get_unit_for_user: the unit, or 404 when unseen, or 403 when seen but not allowed; each
    denial recorded once."""
    request = RequestFactory().get(f"/units/{unit.pk}/")
    request.user = user
    seq = _last_seq()
    if not oracle(user, Action.VIEW, unit):
        expected, reason = Http404, "not_found"
    elif not oracle(user, action, unit):
        expected, reason = PermissionDenied, "forbidden"
    else:
        assert get_unit_for_user(request, unit.pk, action) == unit
        assert _last_seq() == seq
        return
    with pytest.raises(expected) as raised:
        get_unit_for_user(request, unit.pk, action)
    if expected is PermissionDenied:  # in the user's language (Chinese by default)
        assert str(raised.value) == "您的角色无权执行此操作。"
    [event] = AuditEvent.objects.filter(seq__gt=seq)
    assert (event.action, event.result) == ("access.denied", Result.DENIED)
    assert (event.actor_id, event.after["reason"]) == (user.pk, reason)


@PROPERTY_SETTINGS
@given(data=st.data())
def test_it_allows_exactly_what_an_independent_oracle_allows(world, data):
    users, levels = world
    scenario = data.draw(_scenario(levels))
    with transaction.atomic():
        user = _set_up(users, scenario)
        unit = OrgUnit.objects.get(pk=scenario["unit"])
        action = scenario["action"]
        allowed = can(user, action, unit)

        assert allowed == oracle(user, action, unit)
        sees = can(user, Action.VIEW, unit)
        assert sees == bool(_live_roles_covering(user, unit))
        assert visible_units(user).filter(pk=unit.pk).exists() == sees
        assert audit_units(user).filter(pk=unit.pk).exists() == can(user, Action.VIEW_AUDIT, unit)
        if allowed:
            assert sees, "allowed on a unit it cannot see"
        _check_helper_answers(user, unit, action)
        transaction.set_rollback(True)


@hypothesis_settings(PROPERTY_SETTINGS, max_examples=100)
@given(data=st.data())
def test_it_never_lets_an_outsider_or_a_reader_change_a_unit(world, data):
    users, levels = world
    scenario = data.draw(_scenario(levels))
    with transaction.atomic():
        user = _set_up(users, scenario)
        unit = OrgUnit.objects.get(pk=scenario["unit"])
        roles = _live_roles_covering(user, unit)
        if can(user, Action.CHANGE, unit):
            assert roles, "changed from outside its subtrees"
            assert {r.kind for r in roles} - READ_ONLY, "changed by a read-only role"
            assert any(r.unit_id != unit.pk for r in roles), "changed its own record"
        if can(user, Action.ADD_CHILD, unit):
            assert unit.status == Status.ACTIVE, "added to a retired unit"
        transaction.set_rollback(True)


@hypothesis_settings(PROPERTY_SETTINGS, max_examples=50)
@given(data=st.data())
def test_it_gives_top_units_that_cover_every_visible_unit_without_nesting(world, data):
    users, levels = world
    scenario = data.draw(_scenario(levels))
    with transaction.atomic():
        user = _set_up(users, scenario)
        root_ids = {root.pk for root in root_units(user)}
        for root_id in root_ids:
            assert not set(_ancestors_or_self(root_id)[1:]) & root_ids, "a top unit is nested"
        for pk in visible_units(user).values_list("pk", flat=True):
            assert set(_ancestors_or_self(pk)) & root_ids, "a visible unit under no top unit"
        transaction.set_rollback(True)
