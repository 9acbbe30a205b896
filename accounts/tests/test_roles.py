"""Granting and revoking roles takes effect at once, and is audited."""

from accounts.access import Action, can
from accounts.models import RoleKind
from accounts.services import do_grant_role, do_revoke_role
from audit.models import AuditEvent


def test_it_lets_a_new_role_take_effect_on_the_same_user_object(township_officer, tree):
    assert not can(township_officer, Action.VIEW, tree.village_3)
    role = do_grant_role(None, township_officer, tree.township_2, RoleKind.TOWNSHIP_OFFICER)
    assert can(township_officer, Action.VIEW, tree.village_3)
    do_revoke_role(None, role)
    assert not can(township_officer, Action.VIEW, tree.village_3)
    actions = list(
        AuditEvent.objects.filter(object_type="accounts.role")
        .values_list("action", flat=True)
        .order_by("seq")
    )
    assert actions[-2:] == ["accounts.role.grant", "accounts.role.revoke"]


def test_it_refuses_a_role_on_a_unit_of_the_wrong_level(township_officer, tree):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        do_grant_role(None, township_officer, tree.village_1, RoleKind.COUNTY_OFFICER)
