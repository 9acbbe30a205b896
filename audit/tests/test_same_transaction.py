"""Every write and its audit event share one transaction: when the event cannot be written, the
write leaves no trace in any table (security.md, Audit). The failure is forced in the chain's head
lock, which every event goes through."""

from datetime import date

import pytest
from django.apps import apps

from accounts.models import Role, RoleKind
from accounts.services import (
    do_create_token,
    do_create_user,
    do_grant_role,
    do_revoke_role,
)
from audit import services as audit_services
from orgs.models import Category, Level
from orgs.services import (
    do_create_unit,
    do_delete_unit,
    do_move_unit,
    do_retire_unit,
    do_update_unit,
)
from registers.imports import run_import
from registers.models import Carrier
from registers.services import do_create_activity, do_create_member, do_update_member
from registers.tests.import_files import member_row, members_csv
from standards.models import Standard
from standards.services import do_copy_standard

ID_NUMBER = "430121196003050017"


class AuditDown(Exception):
    pass


def _fingerprint() -> dict:
    """Every row of every table."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def _member(t, p):
    return do_create_member(None, t.village_1, name="王建国", id_number=ID_NUMBER)


WRITES = {
    "create a unit": lambda t, p: do_create_unit(
        p,
        parent=t.township_1,
        name="新村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100299",
    ),
    "update a unit": lambda t, p: do_update_unit(p, t.village_1, population=5000),
    "move a unit": lambda t, p: do_move_unit(p, t.village_2, t.township_2),
    "retire a unit": lambda t, p: do_retire_unit(p, t.village_2, "合并"),
    "delete a unit": lambda t, p: do_delete_unit(p, t.group_2),
    "create a user": lambda t, p: do_create_user(p, username="new_user", password=None),
    "grant a role": lambda t, p: do_grant_role(p, p, t.township_2, RoleKind.TOWNSHIP_OFFICER),
    "revoke a role": lambda t, p: do_revoke_role(p, Role.objects.get(user=p)),
    "create a token": lambda t, p: do_create_token(p, p, "script"),
    "register a member": _member,
    "edit a member": "edit",
    "record an activity": lambda t, p: do_create_activity(
        p,
        t.village_1,
        date=date(2025, 4, 1),
        carrier=Carrier.objects.get(name="生育关怀"),
        needs=["three_lives"],
        title="义诊",
        people_served=12,
    ),
    "import members": "import",
    "copy a standard": lambda t, p: do_copy_standard(
        p, Standard.objects.filter(version=0).first(), unit=t.county_a
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_write_whose_audit_event_fails_leaves_no_trace(
    write, tree, county_officer, monkeypatch, tmp_path
):
    action = WRITES[write]
    if action == "edit":
        member = _member(tree, county_officer)

        def action(t, p):
            return do_update_member(p, member, phone="13812345678")
    elif action == "import":
        path = tmp_path / "members.csv"
        path.write_bytes(members_csv([member_row(1), member_row(2)]))

        def action(t, p):
            return run_import("members", path, filename="members.csv", actor=None)

    before = _fingerprint()

    def fail():
        raise AuditDown

    monkeypatch.setattr(audit_services, "_locked_head", fail)
    with pytest.raises(AuditDown):
        action(tree, county_officer)
    monkeypatch.undo()
    assert _fingerprint() == before
