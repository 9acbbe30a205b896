"""Members leave by 退会 for one of the plan's reasons (劝退, 自愿退会, 迁出, 死亡), so the 劝退
count holds only the members asked to leave; old 劝退 rows whose reason says they left of their
own will are moved to 自愿退会 by the migration."""

import importlib
from datetime import date

from django.apps import apps
from django.utils import translation

from registers import selectors
from registers.models import Member, MemberStatus
from registers.services import do_change_member_status

migration = importlib.import_module("registers.migrations.0007_member_leaves_by_reason")


def _totals(unit) -> dict:
    members = Member.objects.filter(unit=unit)
    return {value: count for value, _label, count in selectors.status_totals(members)}


def test_a_voluntary_leave_is_not_counted_as_withdrawal_by_persuasion(tree, members):
    do_change_member_status(None, members.wang, MemberStatus.RESIGNED, date(2024, 5, 1))
    totals = _totals(tree.village_1)
    assert (totals["resigned"], totals["withdrawn"]) == (1, 0)


def test_the_leave_reasons_read_as_officers_say_them():
    with translation.override("zh-hans"):
        labels = [str(label) for value, label in MemberStatus.choices if value != "active"]
    assert labels == ["劝退", "自愿退会", "迁出", "死亡"]


def test_the_migration_moves_old_voluntary_leaves_out_of_withdrawal(tree, members):
    Member.objects.filter(pk=members.wang.pk).update(
        status="withdrawn", status_reason="年老体弱，本人申请退会"
    )
    Member.objects.filter(pk=members.li.pk).update(
        status="withdrawn", status_reason="长期不参加活动，经理事会研究劝退"
    )
    migration.split_voluntary_leaves(apps, None)
    statuses = dict(Member.objects.values_list("name", "status"))
    assert statuses[members.wang.name] == "resigned"
    assert statuses[members.li.name] == "withdrawn"
