"""`sanlian backup` and `sanlian restore`, and the restore drill security.md asks for: restore,
check integrity, check the audit chain, compare the dashboard figures."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from audit.models import AuditEvent
from audit.services import current_head, verify_chain
from campaigns import rollups
from registers.models import Member
from registers.services import do_create_member
from sanlian.backup import database_integrity

# Valid, fictional ID numbers (checksums right).
ID_WANG = "430121196003050017"
ID_LI = "430121197507120028"
ID_ZHAO = "43012119881111003X"
YEAR = 2024


def _member(tree, name, id_number, group):
    return do_create_member(
        None,
        tree.village_1,
        name=name,
        id_number=id_number,
        group=group,
        join_date=date(2020, 3, 1),
    )


def _dashboard(tree):
    """What the county's dashboard shows: its figures and its children's league table."""
    county = rollups.figures(tree.county_a, YEAR)
    league = [
        (f.unit.pk, f.active_members, f.villages)
        for f in rollups.children_figures(tree.county_a, YEAR)
    ]
    return county.active_members, county.villages, county.groups, league


@pytest.fixture
def backed_up(live_seeded, tree, county_officer, tmp_path, settings):
    """Two members in 李家村, then a backup."""
    settings.MEDIA_ROOT = tmp_path / "media"  # a restore puts the backed-up uploads in place
    _member(tree, "王建国", ID_WANG, tree.group_1)
    _member(tree, "李秀英", ID_LI, tree.group_2)
    figures = _dashboard(tree)
    head = current_head()
    path = tmp_path / "backups" / "sanlian.backup"
    call_command("backup", str(path))
    return path, figures, head


@pytest.mark.django_db(transaction=True)
def test_a_restore_drill_brings_back_the_data_the_chain_and_the_figures(backed_up, tree):
    path, figures, head = backed_up
    assert figures[0] == 2
    # Work after the backup: it is lost by the restore, and nothing of it is half there.
    _member(tree, "赵磊", ID_ZHAO, tree.group_1)
    assert _dashboard(tree) != figures

    call_command("restore", str(path), yes=True)

    assert database_integrity() == "ok"
    report = verify_chain()
    assert report.ok, report.reason
    assert _dashboard(tree) == figures
    assert sorted(Member.objects.values_list("name", flat=True)) == ["李秀英", "王建国"]
    # The restored chain goes on: the restore is the event after the backed-up head.
    restore_event = AuditEvent.objects.get(action="system.restore")
    assert (restore_event.seq, restore_event.prev_hash) == (head[0] + 1, head[1])
    assert restore_event.after["chain_ok"] is True


@pytest.mark.django_db(transaction=True)
def test_it_records_the_backup_in_the_audit_log(backed_up):
    path, _figures, head = backed_up
    event = AuditEvent.objects.get(action="system.backup")
    assert event.seq == head[0] + 1
    assert event.after == {"file": path.name, "bytes": path.stat().st_size, "media_files": 0}


@pytest.mark.django_db(transaction=True)
def test_it_restores_only_when_confirmed(backed_up, tree):
    path, _figures, _head = backed_up
    _member(tree, "赵磊", ID_ZHAO, tree.group_1)
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))
    assert Member.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_damaged_backup_and_keeps_the_database(backed_up, tree):
    path, _figures, _head = backed_up
    data = bytearray(path.read_bytes())
    data[: len(data) // 2] = b"\0" * (len(data) // 2)
    path.write_bytes(bytes(data))
    _member(tree, "赵磊", ID_ZHAO, tree.group_1)
    with pytest.raises(CommandError):
        call_command("restore", str(path), yes=True)
    assert Member.objects.count() == 3
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_it_fails_a_restore_whose_audit_chain_is_broken(live_seeded, tree, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    member = _member(tree, "王建国", ID_WANG, tree.group_1)
    _member(tree, "李秀英", ID_LI, tree.group_2)
    edited = AuditEvent.objects.filter(object_id=str(member.pk)).order_by("seq").first()
    AuditEvent.objects.filter(pk=edited.pk).update(action="registers.member.edited")
    path = tmp_path / "tampered.backup"
    call_command("backup", str(path))
    with translation.override("en"), pytest.raises(CommandError, match=f"event {edited.seq}:"):
        call_command("restore", str(path), yes=True)
