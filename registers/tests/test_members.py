"""Member services: validation messages, encryption at rest, lookup by blind index, the optimistic
version, the status lifecycle and transfers, each with its history."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from audit.models import AuditEvent
from registers import selectors
from registers.models import Member, MemberStatus, Post
from registers.services import (
    ConflictError,
    do_appoint_post,
    do_change_member_status,
    do_create_member,
    do_transfer_member,
    do_update_member,
)
from registers.tests.conftest import ID_LI, ID_SPARE, ID_WANG, PHONE_WANG


def _errors(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


def test_it_refuses_a_wrong_id_checksum_with_the_reason(tree):
    errors = _errors(
        do_create_member, None, tree.village_1, name="甲", id_number="430121195502020054"
    )
    assert "校验位" in errors["id_number"][0]


def test_it_names_the_village_where_the_person_is_already_registered(tree, members):
    errors = _errors(do_create_member, None, tree.village_2, name="王建国", id_number=ID_WANG)
    assert errors["id_number"] == ["此人已在“李家村”登记为会员。"]


def test_it_refuses_a_group_of_another_village(tree):
    errors = _errors(do_create_member, None, tree.village_1, name="甲", group=tree.group_3)
    assert errors["group"] == ["小组“第一小组”不属于“李家村”。"]


def test_it_refuses_dates_in_the_future(tree):
    tomorrow = timezone.localdate() + timedelta(days=1)
    errors = _errors(
        do_create_member, None, tree.village_1, name="甲", join_date=tomorrow, birth_date=tomorrow
    )
    assert errors["join_date"] == ["日期不能晚于今天。"]
    assert errors["birth_date"] == ["日期不能晚于今天。"]


def test_it_refuses_a_birth_date_that_contradicts_the_id_number(tree):
    errors = _errors(
        do_create_member,
        None,
        tree.village_1,
        name="甲",
        id_number=ID_SPARE,
        birth_date=date(1956, 1, 1),
    )
    assert "birth_date" in errors


def test_it_refuses_a_member_on_a_township(tree):
    errors = _errors(do_create_member, None, tree.township_1, name="甲")
    assert "unit" in errors


def test_it_registers_members_of_an_urban_branch_group(tree):
    member = do_create_member(None, tree.urban_branch, name="进城甲", group=tree.branch_group)
    assert member.group == tree.branch_group


def test_it_stores_id_numbers_and_phones_encrypted_with_nothing_plain_in_the_row(tree, members):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registers_member")
        rows = cursor.fetchall()
        cursor.execute("SELECT before, after FROM audit_auditevent")
        events = cursor.fetchall()
    raw = repr(rows) + repr(events)
    assert len(rows) == 4
    for plain in (ID_WANG, ID_LI, PHONE_WANG, ID_WANG[6:14] + ID_WANG[14:]):
        assert plain not in raw
    assert "430***************" in raw  # the masked form is what is kept beside it


def test_it_derives_sex_and_birth_date_from_the_id_number(members):
    assert members.wang.sex == "male" and members.wang.birth_date == date(1960, 3, 5)
    assert members.li.sex == "female"


@pytest.mark.parametrize("typed", [ID_WANG, f" {ID_WANG[:6]} {ID_WANG[6:14]} {ID_WANG[14:]} "])
def test_it_finds_a_member_by_the_exact_id_number_however_typed(
    county_officer, grant_unmask, tree, members, typed
):
    grant_unmask(county_officer)  # a full-number search needs it (test_reidentification.py)
    found = selectors.members_for(county_officer, tree.county_a, selectors.MemberFilters(q=typed))
    assert list(found) == [members.wang]


def test_it_finds_a_member_by_phone_and_not_by_part_of_it(
    county_officer, grant_unmask, tree, members
):
    grant_unmask(county_officer)

    def find(text):
        filters = selectors.MemberFilters(q=text)
        return list(selectors.members_for(county_officer, tree.county_a, filters))

    assert find("138-1234-5678") == [members.wang]
    assert find("1381234") == []


def test_it_refuses_to_list_a_unit_the_user_cannot_see(village_operator, tree, members):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.members_for(village_operator, tree.village_3)


def test_it_saves_with_the_version_read_and_refuses_a_stale_one(members):
    first = do_update_member(None, members.wang, expected_version=1, occupation="农民")
    assert first.version == 2
    with pytest.raises(ConflictError):
        do_update_member(None, members.wang, expected_version=1, occupation="教师")
    assert Member.objects.get(pk=members.wang.pk).occupation == "农民"


def test_it_keeps_the_version_when_nothing_changed(members):
    same = do_update_member(None, members.wang, expected_version=1, name="王建国")
    assert same.version == 1
    assert not AuditEvent.objects.filter(action="registers.member.update").exists()


def test_it_records_before_and_after_of_a_change_masked(members):
    do_update_member(None, members.wang, phone="13900001111")
    event = AuditEvent.objects.get(action="registers.member.update")
    assert event.before == {"phone": "138****5678"}
    assert event.after == {"phone": "139****1111"}


def test_it_needs_a_reason_to_withdraw_a_member(members):
    errors = _errors(
        do_change_member_status, None, members.wang, MemberStatus.WITHDRAWN, date(2024, 5, 1)
    )
    assert errors["status_reason"] == ["请填写劝退原因。"]


def test_it_needs_a_date_to_take_a_member_off_the_register(members):
    errors = _errors(do_change_member_status, None, members.wang, MemberStatus.DECEASED, None)
    assert "status_date" in errors


def test_it_walks_the_status_lifecycle_and_keeps_each_step(members):
    member = do_change_member_status(
        None, members.wang, MemberStatus.WITHDRAWN, date(2024, 5, 1), reason="长期不参加活动"
    )
    assert (member.status, member.status_reason) == ("withdrawn", "长期不参加活动")
    member = do_change_member_status(None, member, MemberStatus.ACTIVE, None)
    assert member.status == "active" and member.status_date is None
    member = do_change_member_status(None, member, MemberStatus.MOVED, date(2025, 1, 2))
    steps = [
        (e.before["status"], e.after["status"])
        for e in selectors.member_history(member).filter(action="registers.member.status")
    ]
    assert steps == [("active", "moved"), ("withdrawn", "active"), ("active", "withdrawn")]


def test_it_refuses_a_stale_status_change(members):
    do_update_member(None, members.wang, occupation="农民")
    with pytest.raises(ConflictError):
        do_change_member_status(
            None, members.wang, MemberStatus.DECEASED, date(2024, 1, 1), expected_version=1
        )


def test_it_ends_the_posts_of_a_member_who_leaves(tree, members):
    post = do_appoint_post(None, tree.village_1, "president", date(2023, 1, 1), member=members.wang)
    do_change_member_status(None, members.wang, MemberStatus.DECEASED, date(2024, 2, 1))
    post.refresh_from_db()
    assert post.end_date == date(2024, 2, 1)


def test_it_transfers_a_member_with_their_history(tree, members):
    member = do_transfer_member(None, members.zhao, tree.village_2)
    assert member.unit == tree.village_2 and member.group is None
    actions = [e.action for e in selectors.member_history(member)]
    assert actions == ["registers.member.transfer", "registers.member.create"]


def test_it_refuses_to_transfer_to_a_township(tree, members):
    errors = _errors(do_transfer_member, None, members.zhao, tree.township_1)
    assert "unit" in errors


def test_it_ends_posts_in_the_old_association_on_transfer(tree, members):
    do_appoint_post(None, tree.group_1, "group_leader", date(2023, 1, 1), member=members.wang)
    do_transfer_member(None, members.wang, tree.village_2)
    assert not Post.objects.filter(member=members.wang, end_date__isnull=True).exists()


def test_it_explains_in_english_too(tree):
    with translation.override("en"):
        errors = _errors(do_create_member, None, tree.village_1, name="甲", group=tree.group_3)
    assert errors["group"] == ["The group “第一小组” does not belong to “李家村”."]
