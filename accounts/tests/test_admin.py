"""The administrators' tools. The Django admin: every write goes through a service or records
its audit event in the same transaction; the audit log itself is read-only. And `sanlian token`."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from accounts.models import ApiToken, Role, RoleKind
from accounts.services import do_create_token, do_create_user, do_grant_role, user_for_token
from audit.models import AuditEvent
from audit.services import record_event, verify_chain
from audit.tests.actions import SampleAction
from orgs.models import OrgUnit, Status
from orgs.services import do_retire_unit

NEW_PASSWORD = "a-longer-passphrase-for-tests"


@pytest.fixture
def staff(login, administrator):
    return login(administrator)


def _url(name, *args):
    return reverse(f"admin:{name}", args=args)


def _form_data(response) -> dict:
    """What the admin's change form would post back unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


def _action_names(response) -> set[str]:
    form = response.context["action_form"]  # None when a list has no actions at all
    return {name for name, _label in form.fields["action"].choices} if form else set()


def _events(action, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("seq"))


def test_it_keeps_the_admin_from_officers(login, county_officer):
    response = login(county_officer).get(_url("orgs_orgunit_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(_url("login"))


def test_it_creates_a_unit_through_the_service(staff, administrator, tree):
    response = staff.post(
        _url("orgs_orgunit_add"),
        {
            "name": " 新 村 ",
            "level": "5",
            "category": "village",
            "parent": tree.township_1.pk,
            "division_code": "430121100203",
            "population": "900",
        },
    )
    unit = OrgUnit.objects.get(division_code="430121100203")
    assert response.status_code == 302
    assert unit.name == "新 村"
    assert (unit.county_id, unit.township_id, unit.village_id) == (
        tree.county_a.pk,
        tree.township_1.pk,
        unit.pk,
    )
    [event] = _events("orgs.unit.create", object_id=str(unit.pk))
    assert event.actor == administrator and event.unit_id == unit.pk
    assert verify_chain().ok


def test_it_refuses_an_invalid_unit_and_records_nothing(staff, tree):
    before = AuditEvent.objects.count()
    response = staff.post(
        _url("orgs_orgunit_add"),
        {"name": "错位村", "level": "5", "category": "village", "parent": tree.county_a.pk},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not OrgUnit.objects.filter(name="错位村").exists()
    assert AuditEvent.objects.count() == before


def test_it_updates_a_unit_through_the_service(staff, administrator, tree):
    url = _url("orgs_orgunit_change", tree.village_2.pk)
    data = {**_form_data(staff.get(url)), "population": "1900", "name": "王庄村 "}
    response = staff.post(url, data)
    assert response.status_code == 302
    [event] = _events("orgs.unit.update", object_id=str(tree.village_2.pk))
    assert (event.before, event.after) == ({"population": 1800}, {"population": 1900})
    assert event.actor == administrator
    assert OrgUnit.objects.get(pk=tree.village_2.pk).name == "王庄村"


def test_it_keeps_level_parent_and_ancestor_columns_read_only(staff, tree):
    url = _url("orgs_orgunit_change", tree.village_2.pk)
    response = staff.get(url)
    fields = set(response.context["adminform"].form.fields)
    assert fields.isdisjoint({"level", "parent", "province", "city", "county", "township"})
    data = {
        **_form_data(response),
        "parent": tree.township_2.pk,
        "county": tree.county_b.pk,
        "level": "6",
        "status": Status.RETIRED,
    }
    assert staff.post(url, data).status_code == 302
    unit = OrgUnit.objects.get(pk=tree.village_2.pk)
    assert (unit.parent_id, unit.county_id, unit.level, unit.status) == (
        tree.township_1.pk,
        tree.county_a.pk,
        5,
        Status.ACTIVE,
    )
    assert not _events("orgs.unit.update", object_id=str(unit.pk))


def test_it_lists_units_searchably_and_without_bulk_delete(staff, tree):
    response = staff.get(_url("orgs_orgunit_changelist"), {"q": "430121100"})
    names = {unit.name for unit in response.context["cl"].result_list}
    assert names == {"青山镇", "李家村", "王庄村"}
    assert "delete_selected" not in _action_names(response)
    assert "reinstate" in _action_names(response)


def test_it_deletes_a_leaf_unit_through_the_service(staff, administrator, tree):
    response = staff.post(_url("orgs_orgunit_delete", tree.group_2.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not OrgUnit.objects.filter(pk=tree.group_2.pk).exists()
    [event] = _events("orgs.unit.delete", object_id=str(tree.group_2.pk))
    assert event.actor == administrator and event.before["name"] == "第二小组"


def test_it_reinstates_retired_units_through_the_service(staff, tree):
    do_retire_unit(None, tree.village_2, "并村")
    response = staff.post(
        _url("orgs_orgunit_changelist"),
        {"action": "reinstate", "_selected_action": [tree.village_2.pk, tree.village_1.pk]},
    )
    assert response.status_code == 302
    assert OrgUnit.objects.get(pk=tree.village_2.pk).status == Status.ACTIVE
    assert len(_events("orgs.unit.reinstate")) == 1


def test_it_grants_a_role_through_the_service(staff, administrator, outsider, tree):
    response = staff.post(
        _url("accounts_role_add"),
        {"user": outsider.pk, "unit": tree.county_a.pk, "kind": RoleKind.LEADER},
    )
    assert response.status_code == 302
    role = Role.objects.get(user=outsider, unit=tree.county_a)
    [event] = _events("accounts.role.grant", object_id=str(role.pk))
    assert event.actor == administrator and event.after["kind"] == RoleKind.LEADER


def test_it_refuses_a_role_on_the_wrong_level(staff, outsider, tree):
    response = staff.post(
        _url("accounts_role_add"),
        {"user": outsider.pk, "unit": tree.village_1.pk, "kind": RoleKind.COUNTY_OFFICER},
    )
    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not Role.objects.filter(user=outsider, unit=tree.village_1).exists()


def test_it_revokes_roles_in_bulk_through_the_service(
    staff, administrator, township_officer, village_operator
):
    roles = list(Role.objects.filter(user__in=[township_officer, village_operator]))
    response = staff.post(
        _url("accounts_role_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in roles], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Role.objects.filter(pk__in=[r.pk for r in roles]).exists()
    events = _events("accounts.role.revoke", actor=administrator)
    assert {e.object_id for e in events} == {str(r.pk) for r in roles}
    assert verify_chain().ok


def test_it_never_edits_a_role_in_place(staff, township_officer, tree):
    role = Role.objects.get(user=township_officer)
    url = _url("accounts_role_change", role.pk)
    response = staff.post(url, {"user": township_officer.pk, "unit": tree.township_2.pk})
    assert response.status_code == 403
    assert Role.objects.get(pk=role.pk).unit_id == tree.township_1.pk


def test_it_keeps_the_audit_log_read_only(staff, tree):
    event = AuditEvent.objects.order_by("seq").first()
    assert staff.get(_url("audit_auditevent_add")).status_code == 403
    change = _url("audit_auditevent_change", event.pk)
    assert staff.get(change).status_code == 200
    assert staff.post(change, {"action": "forged"}).status_code == 403
    assert staff.post(_url("audit_auditevent_delete", event.pk), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == event.action
    assert "delete_selected" not in _action_names(staff.get(_url("audit_auditevent_changelist")))
    assert verify_chain().ok


def test_it_searches_and_filters_the_audit_log(staff, township_officer, tree):
    record_event(actor=township_officer, action=SampleAction.SEARCH)
    response = staff.get(_url("audit_auditevent_changelist"), {"q": "township_1"})
    found = response.context["cl"].result_list
    assert found and all("township_1" in (e.actor_name + e.object_label).lower() for e in found)
    response = staff.get(_url("audit_auditevent_changelist"), {"action": "orgs.unit.create"})
    actions = {e.action for e in response.context["cl"].result_list}
    assert actions == {"orgs.unit.create"}
    response = staff.get(_url("audit_auditevent_changelist"), {"result": "denied"})
    assert list(response.context["cl"].result_list) == []


def test_it_revokes_tokens_through_the_service(staff, administrator, county_officer):
    token, _raw = do_create_token(None, county_officer, "报表")
    assert staff.get(_url("accounts_apitoken_add")).status_code == 403
    response = staff.post(
        _url("accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    [event] = _events("accounts.token.revoke", object_id=str(token.pk))
    assert event.actor == administrator


def test_it_records_a_user_created_in_the_admin(staff, administrator):
    response = staff.post(
        _url("auth_user_add"),
        {
            "username": "new_operator",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    [event] = _events("accounts.user.create", actor=administrator)
    assert event.after["username"] == "new_operator"
    assert event.after["password"] == "set"
    assert "argon2" not in str(event.after)


def test_it_records_a_user_changed_in_the_admin(staff, administrator, county_officer):
    data = {
        "username": county_officer.username,
        "first_name": county_officer.first_name,
        "email": "county@example.org",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
    }  # is_active left out: the box is cleared
    response = staff.post(_url("auth_user_change", county_officer.pk), data)
    assert response.status_code == 302
    [event] = _events("accounts.user.update", object_id=str(county_officer.pk))
    assert event.actor == administrator
    assert event.before == {"email": "", "is_active": True}
    assert event.after == {"email": "county@example.org", "is_active": False}


def test_it_records_a_password_set_in_the_admin(staff, administrator, county_officer):
    response = staff.post(
        _url("auth_user_password_change", county_officer.pk),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    county_officer.refresh_from_db()
    assert county_officer.check_password(NEW_PASSWORD)
    [event] = _events("accounts.user.password", object_id=str(county_officer.pk))
    assert event.actor == administrator and event.after == {"password": "set"}


@pytest.mark.parametrize("weak", ["short1!", "password123", "9081726354019", "county_a_x"])
def test_it_refuses_a_weak_password_set_in_the_admin(staff, county_officer, weak):
    """The password policy holds where passwords are set, not only in validate_password."""
    response = staff.post(
        _url("auth_user_password_change", county_officer.pk),
        {"password1": weak, "password2": weak, "usable_password": "true"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    county_officer.refresh_from_db()
    assert not county_officer.check_password(weak)
    assert not _events("accounts.user.password", object_id=str(county_officer.pk))


def test_it_deletes_a_user_who_acted_without_rewriting_their_events(staff, county_officer):
    event = record_event(actor=county_officer, action=SampleAction.ACTED)
    response = staff.post(_url("auth_user_delete", county_officer.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not type(county_officer).objects.filter(pk=county_officer.pk).exists()
    event.refresh_from_db()
    assert event.actor_id == county_officer.pk and event.actor_name == "county_a"
    assert verify_chain().ok


def test_it_deletes_a_user_who_never_acted_with_its_events(staff, administrator, tree):
    user = do_create_user(None, username="temporary", password=None)
    role = do_grant_role(None, user, tree.village_2, RoleKind.VILLAGE_OPERATOR)
    response = staff.post(_url("auth_user_delete", user.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()
    assert [e.object_id for e in _events("accounts.role.revoke")] == [str(role.pk)]
    [event] = _events("accounts.user.delete", actor=administrator)
    assert event.before["username"] == "temporary"
    assert verify_chain().ok


def test_it_offers_no_bulk_delete_of_users(staff):
    assert "delete_selected" not in _action_names(staff.get(_url("auth_user_changelist")))


def test_it_records_group_changes(staff, administrator):
    permission = Permission.objects.get(codename="view_auditevent")
    response = staff.post(
        _url("auth_group_add"), {"name": "审计员", "permissions": [permission.pk]}
    )
    assert response.status_code == 302
    group = Group.objects.get(name="审计员")
    [event] = _events("accounts.group.create", object_id=str(group.pk))
    assert event.after == {"name": "审计员", "permissions": ["audit.view_auditevent"]}
    assert event.actor == administrator


# `sanlian token`: the administrators' other tool for API tokens.


def _token(*argv) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("token", *argv, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_creates_a_token_and_prints_it_once(county_officer):
    out, err = _token("create", "county_a", "--name", "报表")
    raw = out.strip()
    assert user_for_token(raw) == county_officer
    token = ApiToken.objects.get(user=county_officer)
    assert token.name == "报表" and raw.startswith(token.key_prefix)
    assert raw not in err and "not shown again" in err
    assert raw not in str(list(AuditEvent.objects.values_list("after", flat=True)))
    assert _events("accounts.token.create", object_id=str(token.pk))


def test_it_lists_a_users_tokens_without_their_keys(county_officer):
    raw = _token("create", "county_a")[0].strip()
    out, _err = _token("list", "county_a")
    assert raw[:10] in out and raw not in out
    assert "api" in out


def test_it_revokes_a_token_by_its_prefix(county_officer):
    raw = _token("create", "county_a")[0].strip()
    out, _err = _token("revoke", raw[:10])
    assert "Revoked" in out
    assert user_for_token(raw) is None
    assert _events("accounts.token.revoke")
    with pytest.raises(CommandError, match="already revoked"):
        _token("revoke", raw)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("create", "nobody"), "No user named"),
        (("list", "nobody"), "No user named"),
        (("revoke", "sl_missing"), "No token starts with"),
    ],
)
def test_it_explains_what_the_token_command_cannot_find(db, argv, message):
    with pytest.raises(CommandError, match=message):
        _token(*argv)


def test_it_creates_no_token_for_an_inactive_account(county_officer):
    type(county_officer).objects.filter(pk=county_officer.pk).update(is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        _token("create", "county_a")
    assert not ApiToken.objects.exists()
