"""Member pages: the list over a subtree with search, filters, sorting and totals; the forms with
their messages and the version conflict; status and transfer; access on every page."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from registers.models import Member
from registers.services import do_create_member, do_update_member
from registers.tests.conftest import ID_SPARE, ID_WANG, category


def _list(client, unit, **query):
    return client.get(reverse("registers:member_list", args=[unit.pk]), query)


def _names(response):
    return [m.name for m in response.context["page"]]


def test_it_lists_a_townships_members_across_its_villages(login, township_officer, tree, members):
    response = _list(login(township_officer), tree.township_1)
    assert response.status_code == 200
    assert _names(response) == ["李秀英", "王建国", "赵磊"]  # 张伟 is in the other township


def test_it_links_the_navigation_to_the_members_of_the_users_unit(login, village_operator, tree):
    client = login(village_operator)
    home = client.get(reverse("home"))
    assert reverse("registers:members_home") in home.content.decode()
    response = client.get(reverse("registers:members_home"))
    assert response.url == reverse("registers:member_list", args=[tree.village_1.pk])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "建"}, ["王建国"]),
        ({"q": ID_WANG.lower()}, ["王建国"]),
        ({"q": "138 1234 5678"}, ["王建国"]),
        ({"category": "wealth_creator"}, ["李秀英"]),
        ({"status": "withdrawn"}, []),
        ({"sort": "-join_date"}, ["赵磊", "李秀英", "王建国"]),
        ({"sort": "nonsense", "status": "nonsense"}, ["李秀英", "王建国", "赵磊"]),
    ],
)
def test_it_searches_filters_and_sorts(
    login, village_operator, grant_unmask, tree, members, query, expected
):
    grant_unmask(village_operator)  # for the full-number searches (test_reidentification.py)
    assert _names(_list(login(village_operator), tree.village_1, **query)) == expected


def test_it_filters_by_group_and_post_held(login, village_operator, tree, members):
    from registers.services import do_appoint_post

    do_appoint_post(None, tree.village_1, "council_member", date(2023, 1, 1), members.zhao)
    client = login(village_operator)
    assert _names(_list(client, tree.village_1, group=tree.group_2.pk)) == ["李秀英"]
    assert _names(_list(client, tree.village_1, post="council_member")) == ["赵磊"]


def test_it_shows_totals_by_status(login, village_operator, tree, members):
    from registers.services import do_change_member_status

    do_change_member_status(None, members.zhao, "moved", date(2024, 1, 1))
    totals = _list(login(village_operator), tree.village_1).context["totals"]
    assert {value: count for value, _label, count in totals} == {
        "active": 2,
        "withdrawn": 0,
        "resigned": 0,
        "moved": 1,
        "deceased": 0,
    }


def test_it_pages_by_fifty_and_keeps_the_filters_in_the_links(login, village_operator, tree):
    Member.objects.bulk_create(
        [Member(unit=tree.village_1, name=f"会员{n:03d}") for n in range(51)]
    )
    response = _list(login(village_operator), tree.village_1, q="会员", page=2)
    assert _names(response) == ["会员050"]
    assert "q=%E4%BC%9A%E5%91%98&amp;page=1" in response.content.decode()


def test_it_answers_htmx_with_the_results_alone(login, village_operator, tree, members):
    response = login(village_operator).get(
        reverse("registers:member_list", args=[tree.village_1.pk]),
        {"q": "李"},
        headers={"HX-Request": "true"},
    )
    assert response.templates[0].name == "registers/member_list_results.html"


def test_it_reads_the_list_in_the_same_number_of_queries_however_many_members(
    login, village_operator, tree, members, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(village_operator)
    with CaptureQueriesContext(connection) as few:
        _list(client, tree.village_1)
    for n in range(5):
        do_create_member(None, tree.village_1, name=f"新{n}", categories=[category("five_elders")])
    with CaptureQueriesContext(connection) as more:
        _list(client, tree.village_1)
    assert len(more) == len(few)


# Access


def test_it_hides_another_villages_members(login, village_operator, tree, members):
    client = login(village_operator)
    assert _list(client, tree.village_3).status_code == 404
    for name in ("member_detail", "member_edit"):
        assert client.get(reverse(f"registers:{name}", args=[members.zhang.pk])).status_code == 404
    response = client.post(
        reverse("registers:member_status", args=[members.zhang.pk]),
        {"status": "deceased", "status_date": "2024-01-01"},
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied").exists()


def test_it_answers_404_for_a_member_that_does_not_exist(login, county_officer, tree):
    response = login(county_officer).get(reverse("registers:member_detail", args=[999999]))
    assert response.status_code == 404


def test_it_lets_a_leader_read_but_not_edit(login, leader, tree, members):
    client = login(leader)
    assert client.get(reverse("registers:member_detail", args=[members.wang.pk])).status_code == 200
    assert client.get(reverse("registers:member_edit", args=[members.wang.pk])).status_code == 403
    assert (
        client.get(reverse("registers:member_create", args=[tree.village_1.pk])).status_code == 403
    )
    response = client.post(
        reverse("registers:member_status", args=[members.wang.pk]),
        {"status": "deceased", "status_date": "2024-01-01"},
    )
    assert response.status_code == 403


def test_it_offers_no_register_form_on_a_township(login, township_officer, tree):
    response = login(township_officer).get(
        reverse("registers:member_create", args=[tree.township_1.pk])
    )
    assert response.status_code == 404


# Forms


def test_it_registers_a_member_from_the_form(login, village_operator, tree):
    response = login(village_operator).post(
        reverse("registers:member_create", args=[tree.village_1.pk]),
        {
            "name": "孙丽",
            "id_number": ID_SPARE,
            "phone": "0731-8888 1234",
            "group": tree.group_1.pk,
            "join_date": "2024-03-01",
            "categories": [category("young_educated").pk],
        },
    )
    member = Member.objects.get(name="孙丽")
    assert response.url == reverse("registers:member_detail", args=[member.pk])
    assert member.phone_masked == "0731-****1234"
    assert [c.code for c in member.categories.all()] == ["young_educated"]


def test_it_shows_each_error_next_to_its_field_in_chinese(login, village_operator, tree, members):
    response = login(village_operator).post(
        reverse("registers:member_create", args=[tree.village_1.pk]),
        {"name": "王建国", "id_number": ID_WANG, "phone": "12345", "join_date": "2999-01-01"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["id_number"] == ["此人已在“李家村”登记为会员。"]
    assert "phone" in errors and errors["join_date"] == ["日期不能晚于今天。"]
    html = response.content.decode()
    assert 'id="errors-id_number"' in html and "此人已在“李家村”登记为会员。" in html


def test_it_validates_as_you_type(login, village_operator, tree, members):
    response = login(village_operator).post(
        reverse("registers:member_validate", args=[tree.village_1.pk]),
        {"name": "", "id_number": "430121195502020054"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "id_number"},
    )
    html = response.content.decode()
    assert 'id="errors-id_number" aria-live="polite" hx-swap-oob="true"' in html
    assert "校验位" in html
    assert 'id="errors-name"' not in html  # untouched fields stay quiet


def test_it_keeps_the_stored_id_number_when_the_box_is_left_empty(
    login, village_operator, tree, members
):
    response = login(village_operator).post(
        reverse("registers:member_edit", args=[members.wang.pk]),
        {"name": "王建国", "group": tree.group_2.pk, "version": 1, "id_number": "", "phone": ""},
    )
    assert response.status_code == 302
    members.wang.refresh_from_db()
    assert members.wang.id_number_masked == "430***************"
    assert members.wang.phone_masked == "138****5678"
    assert members.wang.group == tree.group_2


def test_it_tells_the_second_of_two_editors_and_keeps_their_input(
    login, village_operator, tree, members
):
    do_update_member(None, members.wang, expected_version=1, occupation="农民")  # the first save
    response = login(village_operator).post(
        reverse("registers:member_edit", args=[members.wang.pk]),
        {"name": "王建国", "occupation": "教师", "version": 1},
    )
    assert response.status_code == 200
    assert response.context["conflict"]
    form = response.context["form"]
    assert "在您打开后，已有其他人修改了此会员信息。请刷新后重新修改。" in form.non_field_errors()
    assert form["occupation"].value() == "教师"
    assert form["version"].value() == "2"
    assert Member.objects.get(pk=members.wang.pk).occupation == "农民"


# Status and transfer


def test_it_withdraws_a_member_and_shows_it_in_the_history(login, village_operator, members):
    client = login(village_operator)
    response = client.post(
        reverse("registers:member_status", args=[members.wang.pk]),
        {"status": "withdrawn", "status_date": "2024-05-01", "status_reason": "不起模范作用"},
    )
    assert response.status_code == 302
    page = client.get(reverse("registers:member_detail", args=[members.wang.pk]))
    labels = [row["label"] for row in page.context["history"]]
    assert len(labels) == 2  # registered, then withdrawn
    assert "不起模范作用" in page.content.decode()


def test_it_asks_for_the_reason_of_a_withdrawal(login, village_operator, members):
    response = login(village_operator).post(
        reverse("registers:member_status", args=[members.wang.pk]),
        {"status": "withdrawn", "status_date": "2024-05-01"},
    )
    assert response.status_code == 422
    assert response.context["status_form"].errors["status_reason"] == ["请填写劝退原因。"]


def test_it_moves_a_member_within_the_officers_township(login, township_officer, tree, members):
    client = login(township_officer)
    page = client.get(reverse("registers:member_detail", args=[members.zhao.pk]))
    choices = list(page.context["transfer_form"].fields["to_unit"].queryset)
    assert choices == [tree.village_2]
    response = client.post(
        reverse("registers:member_transfer", args=[members.zhao.pk]),
        {"to_unit": tree.village_2.pk, "version": 1},
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=members.zhao.pk).unit == tree.village_2


def test_it_refuses_a_move_outside_the_subtree(login, township_officer, tree, members):
    response = login(township_officer).post(
        reverse("registers:member_transfer", args=[members.zhao.pk]),
        {"to_unit": tree.village_3.pk, "version": 1},
    )
    assert response.status_code == 422
    assert Member.objects.get(pk=members.zhao.pk).unit == tree.village_1


def test_it_summarises_a_register_by_status_category_and_posts(
    login, county_officer, tree, members
):
    response = login(county_officer).get(
        reverse("registers:unit_register", args=[tree.county_a.pk])
    )
    summary = response.context["summary"]
    assert summary.members == 4
    assert dict((c.code, n) for c, n in summary.categories)["five_elders"] == 1
    assert summary.trainings == 0 and summary.activities == 0


def test_it_works_on_a_phone_screen(login, village_operator, tree, members):
    html = _list(login(village_operator), tree.village_1).content.decode()
    assert 'name="viewport" content="width=device-width' in html
    assert 'class="hide-narrow"' in html  # secondary columns fold away under 600 px
