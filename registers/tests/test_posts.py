"""Posts: terms, one current holder where the plan wants one, group leaders on their groups, the
gaps, their audit events and their pages."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from registers.models import Post, PostKind
from registers.services import do_appoint_post, do_end_post, post_gaps


def _errors(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        call(*args, **kwargs)
    return caught.value.message_dict


def test_it_appoints_a_president_and_records_the_event(tree, members):
    post = do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2023, 1, 1), members.wang)
    assert post.holder_name == "王建国" and post.is_current
    event = AuditEvent.objects.get(action="registers.post.appoint", object_id=str(post.pk))
    assert event.after["kind"] == "president" and event.unit_id == tree.village_1.pk


def test_it_refuses_a_second_president_naming_the_current_one(tree, members):
    do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2023, 1, 1), members.wang)
    errors = _errors(
        do_appoint_post, None, tree.village_1, PostKind.PRESIDENT, date(2024, 1, 1), members.li
    )
    assert errors["kind"] == [
        "“王建国” is the current President since 2023-01-01; end that term first."
    ]


def test_it_lets_a_person_hold_several_posts(tree, members):
    do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2023, 1, 1), members.wang)
    do_appoint_post(None, tree.village_1, PostKind.COUNCIL_MEMBER, date(2023, 1, 1), members.wang)
    do_appoint_post(None, tree.group_1, PostKind.GROUP_LEADER, date(2023, 1, 1), members.wang)
    assert Post.objects.filter(member=members.wang, end_date__isnull=True).count() == 3


def test_it_refuses_the_same_council_member_twice(tree, members):
    do_appoint_post(None, tree.village_1, PostKind.COUNCIL_MEMBER, date(2023, 1, 1), members.wang)
    errors = _errors(
        do_appoint_post,
        None,
        tree.village_1,
        PostKind.COUNCIL_MEMBER,
        date(2023, 2, 1),
        members.wang,
    )
    assert errors["member"] == ["“王建国” already holds this post."]


def test_it_accepts_a_holder_who_is_not_on_the_register(tree):
    post = do_appoint_post(
        None, tree.village_1, PostKind.STAFF, date(2023, 1, 1), holder_name=" 陈 专职 "
    )
    assert post.member is None and post.holder_name == "陈 专职"


def test_it_puts_a_group_leader_on_the_group_only(tree, members):
    errors = _errors(
        do_appoint_post, None, tree.village_1, PostKind.GROUP_LEADER, date(2023, 1, 1), members.wang
    )
    assert errors["unit"] == ["A group leader is appointed on an association group."]
    errors = _errors(
        do_appoint_post, None, tree.group_1, PostKind.PRESIDENT, date(2023, 1, 1), members.wang
    )
    assert errors["unit"] == ["An association group has only a group leader."]


def test_it_wants_a_group_leader_from_the_groups_village(tree, members):
    errors = _errors(
        do_appoint_post, None, tree.group_1, PostKind.GROUP_LEADER, date(2023, 1, 1), members.zhang
    )
    assert errors["member"] == ["“张伟” is not a member of “李家村”."]
    errors = _errors(
        do_appoint_post,
        None,
        tree.group_1,
        PostKind.GROUP_LEADER,
        date(2023, 1, 1),
        holder_name="外人",
    )
    assert errors["member"] == ["Choose the group leader from the village's members."]


def test_it_refuses_a_holder_who_left_the_register(tree, members):
    from registers.services import do_change_member_status

    do_change_member_status(None, members.li, "deceased", date(2022, 1, 1))
    errors = _errors(
        do_appoint_post, None, tree.village_1, PostKind.STAFF, date(2023, 1, 1), members.li
    )
    assert errors["member"] == ["“李秀英” is not on the register."]


def test_it_ends_the_current_group_leader_the_day_before_the_new_one(tree, members):
    old = do_appoint_post(None, tree.group_1, PostKind.GROUP_LEADER, date(2023, 1, 1), members.wang)
    new = do_appoint_post(None, tree.group_1, PostKind.GROUP_LEADER, date(2024, 3, 1), members.zhao)
    old.refresh_from_db()
    assert old.end_date == date(2024, 2, 29) and new.is_current
    assert AuditEvent.objects.filter(action="registers.post.end", object_id=str(old.pk)).exists()


def test_it_refuses_a_new_group_leader_starting_before_the_current_one(tree, members):
    do_appoint_post(None, tree.group_1, PostKind.GROUP_LEADER, date(2023, 1, 1), members.wang)
    errors = _errors(
        do_appoint_post, None, tree.group_1, PostKind.GROUP_LEADER, date(2023, 1, 1), members.zhao
    )
    assert errors["start_date"] == ["The new term must start after the current one (2023-01-01)."]


def test_it_refuses_future_dates_and_an_end_before_the_start(tree, members):
    tomorrow = timezone.localdate() + timedelta(days=1)
    errors = _errors(do_appoint_post, None, tree.village_1, PostKind.STAFF, tomorrow, members.wang)
    assert errors["start_date"] == ["The date is in the future."]
    post = do_appoint_post(None, tree.village_1, PostKind.STAFF, date(2023, 5, 1), members.wang)
    errors = _errors(do_end_post, None, post, date(2023, 4, 30))
    assert errors["end_date"] == ["A term cannot end before it started (2023-05-01)."]
    errors = _errors(do_end_post, None, post, tomorrow)
    assert errors["end_date"] == ["The date is in the future."]


def test_it_ends_a_term_once(tree, members):
    post = do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2023, 1, 1), members.wang)
    do_end_post(None, post, date(2023, 1, 1))
    errors = _errors(do_end_post, None, post, date(2023, 2, 1))
    assert errors["end_date"] == ["This term has already ended."]
    # The post is free again.
    do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2023, 1, 2), members.li)


def test_it_lists_the_required_posts_that_are_empty(tree, members):
    def gaps():
        return [(g.unit.name, g.kind) for g in post_gaps(tree.village_1)]

    assert gaps() == [
        ("李家村", "president"),
        ("李家村", "secretary_general"),
        ("李家村", "council_member"),
        ("第一小组", "group_leader"),
        ("第二小组", "group_leader"),
    ]
    do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2023, 1, 1), members.wang)
    do_appoint_post(None, tree.group_2, PostKind.GROUP_LEADER, date(2023, 1, 1), members.li)
    assert gaps() == [
        ("李家村", "secretary_general"),
        ("李家村", "council_member"),
        ("第一小组", "group_leader"),
    ]
    assert post_gaps(tree.township_1) == []


def test_it_counts_an_ended_term_as_a_gap(tree, members):
    post = do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2023, 1, 1), members.wang)
    do_end_post(None, post, date(2024, 1, 1))
    assert ("president" in {g.kind for g in post_gaps(tree.village_1)}) is True


# Pages


def test_it_appoints_a_group_leader_from_the_page(login, village_operator, tree, members):
    response = login(village_operator).post(
        reverse("registers:post_create", args=[tree.village_1.pk]),
        {
            "kind": "group_leader",
            "group": tree.group_1.pk,
            "member": members.wang.pk,
            "start_date": "2024-01-01",
        },
    )
    assert response.status_code == 302
    assert Post.objects.get(unit=tree.group_1).member == members.wang


def test_it_shows_the_rule_next_to_the_field_on_the_page(login, village_operator, tree, members):
    response = login(village_operator).post(
        reverse("registers:post_create", args=[tree.village_1.pk]),
        {"kind": "group_leader", "member": members.wang.pk, "start_date": "2024-01-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["group"]


def test_it_ends_a_term_from_the_page_and_shows_past_holders(
    login, village_operator, tree, members
):
    post = do_appoint_post(None, tree.village_1, PostKind.PRESIDENT, date(2023, 1, 1), members.wang)
    client = login(village_operator)
    response = client.post(reverse("registers:post_end", args=[post.pk]), {"end_date": "2024-1-1"})
    assert response.status_code == 302
    page = client.get(reverse("registers:unit_register", args=[tree.village_1.pk]))
    assert [p.pk for p in page.context["summary"].past_posts] == [post.pk]
    assert "president" in {g.kind for g in page.context["summary"].gaps}


def test_it_hides_posts_of_another_village(login, village_operator, tree, members):
    post = do_appoint_post(
        None, tree.village_3, PostKind.PRESIDENT, date(2023, 1, 1), members.zhang
    )
    client = login(village_operator)
    assert client.get(reverse("registers:post_end", args=[post.pk])).status_code == 404
    assert client.get(reverse("registers:post_create", args=[tree.village_3.pk])).status_code == 404


def test_it_lets_a_leader_read_posts_but_not_appoint(login, leader, tree):
    client = login(leader)
    assert (
        client.get(reverse("registers:unit_register", args=[tree.village_1.pk])).status_code == 200
    )
    response = client.get(reverse("registers:post_create", args=[tree.village_1.pk]))
    assert response.status_code == 403


def test_it_appoints_a_township_president_from_a_village_member(
    login, township_officer, tree, members
):
    client = login(township_officer)
    page = client.get(reverse("registers:unit_register", args=[tree.township_1.pk]))
    assert page.context["can_appoint"]
    response = client.post(
        reverse("registers:post_create", args=[tree.township_1.pk]),
        {"kind": "president", "member": members.li.pk, "start_date": "2024-01-01"},
    )
    assert response.status_code == 302
    assert Post.objects.get(unit=tree.township_1).member == members.li


def test_a_large_register_is_searched_not_listed_on_the_post_page(
    login, township_officer, tree, members, monkeypatch
):
    """Above a village the register runs to tens of thousands: the county's post page listed
    every member (2.8 MB, 25 s). Beyond the limit the list holds only the search's matches, and
    a posted member is still accepted."""
    from registers import forms_members

    monkeypatch.setattr(forms_members, "MEMBER_LIST_LIMIT", 2)
    client = login(township_officer)
    url = reverse("registers:post_create", args=[tree.township_1.pk])
    page = client.get(url).content.decode()
    assert 'id="member-search-form"' in page
    assert "王建国" not in page and "李秀英" not in page
    found = client.get(url, {"member_q": "李秀"}).content.decode()
    assert f'<option value="{members.li.pk}">李秀英 · {tree.village_1.name}</option>' in found
    assert "王建国" not in found
    response = client.post(
        url + "?member_q=李秀",
        {"kind": "president", "member": members.wang.pk, "start_date": "2024-01-01"},
    )
    assert response.status_code == 302
    assert Post.objects.get(unit=tree.township_1).member == members.wang


def test_a_small_register_is_listed_whole_on_the_post_page(login, village_operator, tree, members):
    page = (
        login(village_operator)
        .get(reverse("registers:post_create", args=[tree.village_1.pk]))
        .content.decode()
    )
    assert 'id="member-search-form"' not in page
    assert "王建国" in page and "李秀英" in page
