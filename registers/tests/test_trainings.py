"""Trainings: who may record them, what a valid one is, whom it may list as attendees, and the
pages that list, show, change and delete them."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from registers.models import Training
from registers.services import (
    do_change_member_status,
    do_create_member,
    do_create_training,
    do_update_training,
)


@pytest.fixture
def people(tree):
    """Two members of 李家村, one of 王庄村, one of 张湾村 (another township)."""
    return {
        "wang": do_create_member(None, tree.village_1, name="王建国"),
        "li": do_create_member(None, tree.village_1, name="李秀英"),
        "zhou": do_create_member(None, tree.village_2, name="周平"),
        "zhang": do_create_member(None, tree.village_3, name="张伟"),
    }


def _valid(**changes):
    fields = {
        "date": date(2025, 3, 5),
        "title": "会长培训班",
        "audiences": ["presidents", "secretaries"],
        "hours": "4",
    }
    fields.update(changes)
    return fields


def _errors(organiser, **changes):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        do_create_training(None, organiser, **_valid(**changes))
    return caught.value.message_dict


def _form(**changes):
    data = {
        "date": "2025-03-05",
        "title": "小组长培训",
        "audiences": ["group_leaders"],
        "hours": "2.5",
        "location": "村部",
        "note": "",
    }
    data.update(changes)
    return data


def test_it_creates_a_training_with_attendees_and_records_the_event(
    login, village_operator, tree, people
):
    client = login(village_operator)
    response = client.post(
        reverse("registers:training_create", args=[tree.village_1.pk]),
        _form(attendees=[people["wang"].pk, people["li"].pk]),
    )
    training = Training.objects.get()
    assert response.url == reverse("registers:training_detail", args=[training.pk])
    assert training.organiser == tree.village_1
    assert set(training.attendees.all()) == {people["wang"], people["li"]}
    event = AuditEvent.objects.get(action="registers.training.create")
    assert event.after["attendees"] == sorted([people["wang"].pk, people["li"].pk])
    page = client.get(response.url)
    assert "王建国" in page.content.decode() and "李秀英" in page.content.decode()


def test_it_refuses_a_date_in_the_future(tree):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert _errors(tree.village_1, date=tomorrow) == {"date": ["The date is in the future."]}


@pytest.mark.parametrize("hours", ["0", "-1", "100.5", "abc"])
def test_it_refuses_hours_outside_zero_to_a_hundred(tree, hours):
    errors = _errors(tree.village_1, hours=hours)
    assert list(errors) == ["hours"]


def test_it_accepts_a_hundred_hours(tree):
    training = do_create_training(None, tree.village_1, **_valid(hours="100"))
    assert training.hours == 100


def test_it_refuses_a_training_without_title_or_audience(tree):
    errors = _errors(tree.village_1, title="  ", audiences=[])
    assert errors == {
        "title": ["Enter the title."],
        "audiences": ["Choose at least one audience."],
    }


def test_it_refuses_an_unknown_audience(tree):
    assert _errors(tree.village_1, audiences=["mayors"]) == {
        "audiences": ["Choose the audience from the list."]
    }


def test_it_refuses_an_attendee_from_outside_the_organisers_subtree(tree, people):
    errors = _errors(tree.village_1, attendees=[people["wang"], people["zhou"]])
    assert errors == {
        "attendees": ["“周平” is not an active member of an association under “李家村”."]
    }


def test_it_refuses_a_withdrawn_member_as_attendee(tree, people):
    do_change_member_status(None, people["li"], "withdrawn", date(2025, 1, 1), reason="不起作用")
    assert list(_errors(tree.village_1, attendees=[people["li"]])) == ["attendees"]


def test_it_lets_a_township_train_members_of_all_its_villages(tree, people):
    training = do_create_training(
        None, tree.township_1, **_valid(attendees=[people["wang"], people["zhou"]])
    )
    assert training.attendees.count() == 2
    assert list(_errors(tree.township_1, attendees=[people["zhang"]])) == ["attendees"]


def test_it_records_only_the_changed_fields_on_update(tree, people):
    training = do_create_training(None, tree.village_1, **_valid())
    do_update_training(None, training, title="会长培训（第二期）", attendees=[people["wang"]])
    event = AuditEvent.objects.get(action="registers.training.update")
    assert event.before == {"title": "会长培训班", "attendees": []}
    assert event.after == {"title": "会长培训(第二期)", "attendees": [people["wang"].pk]}


def test_it_shows_field_errors_on_the_form(login, village_operator, tree):
    response = login(village_operator).post(
        reverse("registers:training_create", args=[tree.village_1.pk]),
        _form(hours="0", title=""),
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"hours", "title"}
    assert not Training.objects.exists()


def test_it_lists_the_subtrees_trainings_with_filters(login, township_officer, tree):
    do_create_training(None, tree.village_1, **_valid(title="会长培训", date=date(2024, 5, 1)))
    do_create_training(
        None, tree.village_2, **_valid(title="小组长培训", audiences=["group_leaders"])
    )
    do_create_training(None, tree.village_3, **_valid(title="别的乡镇的培训"))
    client = login(township_officer)
    url = reverse("registers:training_list", args=[tree.township_1.pk])

    def titles(**params):
        response = client.get(url, params)
        return sorted(t.title for t, _ in response.context["rows"])

    assert titles() == ["会长培训", "小组长培训"]
    assert titles(year=2024) == ["会长培训"]
    assert titles(audience="group_leaders") == ["小组长培训"]
    assert titles(q="小组") == ["小组长培训"]


def test_it_answers_404_to_a_village_operator_for_another_villages_training(
    login, village_operator, tree
):
    training = do_create_training(None, tree.village_2, **_valid())
    client = login(village_operator)
    for name in ("training_detail", "training_edit", "training_delete"):
        assert client.get(reverse(f"registers:{name}", args=[training.pk])).status_code == 404
    assert client.post(reverse("registers:training_delete", args=[training.pk])).status_code == 404
    assert Training.objects.filter(pk=training.pk).exists()
    assert (
        client.get(reverse("registers:training_list", args=[tree.village_2.pk])).status_code == 404
    )


def test_it_lets_a_leader_read_but_not_write(login, leader, tree):
    training = do_create_training(None, tree.village_1, **_valid())
    client = login(leader)
    assert client.get(reverse("registers:training_detail", args=[training.pk])).status_code == 200
    assert client.get(reverse("registers:training_edit", args=[training.pk])).status_code == 403
    response = client.post(reverse("registers:training_create", args=[tree.village_1.pk]), _form())
    assert response.status_code == 403
    assert Training.objects.count() == 1


def test_it_deletes_a_training_after_confirmation(login, village_operator, tree):
    training = do_create_training(None, tree.village_1, **_valid())
    client = login(village_operator)
    url = reverse("registers:training_delete", args=[training.pk])
    assert client.get(url).status_code == 200
    assert Training.objects.exists()
    response = client.post(url)
    assert response.url == reverse("registers:training_list", args=[tree.village_1.pk])
    assert not Training.objects.exists()
    event = AuditEvent.objects.get(action="registers.training.delete")
    assert event.before["title"] == "会长培训班"


def test_it_edits_a_training(login, village_operator, tree, people):
    training = do_create_training(None, tree.village_1, **_valid())
    response = login(village_operator).post(
        reverse("registers:training_edit", args=[training.pk]),
        _form(title="改过的标题", attendees=[people["li"].pk]),
    )
    assert response.status_code == 302
    training.refresh_from_db()
    assert training.title == "改过的标题"
    assert list(training.attendees.all()) == [people["li"]]


def test_it_takes_the_navigation_item_to_the_users_unit(login, village_operator, tree):
    response = login(village_operator).get(reverse("registers:records_home"))
    assert response.url == reverse("registers:training_list", args=[tree.village_1.pk])


def test_it_lets_a_user_with_several_units_choose(login, village_operator, tree):
    from accounts.models import RoleKind
    from accounts.services import do_grant_role

    do_grant_role(None, village_operator, tree.village_3, RoleKind.VILLAGE_OPERATOR)
    response = login(village_operator).get(reverse("registers:records_home"))
    assert response.status_code == 200
    assert {u.pk for u in response.context["roots"]} == {tree.village_1.pk, tree.village_3.pk}


def test_it_offers_only_active_members_of_the_subtree_on_the_form(
    login, village_operator, tree, people
):
    do_change_member_status(None, people["li"], "withdrawn", date(2025, 1, 1), reason="不起作用")
    response = login(village_operator).get(
        reverse("registers:training_create", args=[tree.village_1.pk])
    )
    offered = {label for _, label in response.context["form"].fields["attendees"].widget.choices}
    assert offered == {"李家村 · 王建国"}


def test_it_offers_a_township_the_post_holders_of_its_villages(
    login, township_officer, tree, people
):
    from registers.models import Post

    Post.objects.create(
        unit=tree.village_2,
        kind="president",
        member=people["zhou"],
        holder_name="周平",
        start_date=date(2024, 1, 1),
    )
    Post.objects.create(
        unit=tree.village_1,
        kind="secretary_general",
        member=people["li"],
        holder_name="李秀英",
        start_date=date(2020, 1, 1),
        end_date=date(2023, 1, 1),
    )
    client = login(township_officer)
    url = reverse("registers:training_create", args=[tree.township_1.pk])
    form = client.get(url).context["form"]
    offered = {label for _, label in form.fields["attendees"].widget.choices}
    assert offered == {"王庄村 · 周平"}
    # Anyone active in the subtree may still be chosen, and stays offered once chosen.
    response = client.post(url, _form(attendees=[people["wang"].pk], hours="0"))
    offered = {label for _, label in response.context["form"].fields["attendees"].widget.choices}
    assert offered == {"王庄村 · 周平", "李家村 · 王建国"}
    client.post(url, _form(attendees=[people["wang"].pk]))
    assert list(Training.objects.get().attendees.all()) == [people["wang"]]


def test_it_lists_trainings_in_the_same_number_of_queries_however_many(
    login, village_operator, tree, people
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(village_operator)
    url = reverse("registers:training_list", args=[tree.village_1.pk])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    do_create_training(None, tree.village_1, **_valid(attendees=[people["wang"]]))
    few = count()
    for number in range(5):
        do_create_training(None, tree.village_1, **_valid(title=f"培训{number}"))
    assert count() == few
