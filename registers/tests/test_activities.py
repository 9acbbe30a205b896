"""Service activities: validation, carriers (local ones labelled as examples), the list's filters
and totals, and who may see and change them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from registers.models import Carrier, Evidence, ServiceActivity
from registers.services import (
    do_add_evidence,
    do_create_activity,
    do_update_activity,
)

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def carrier(name="生育关怀"):
    return Carrier.objects.get(name=name)


def _valid(**changes):
    fields = {
        "date": date(2025, 4, 1),
        "carrier": carrier(),
        "needs": ["three_lives"],
        "title": "走访慰问计生特殊家庭",
        "description": "走访 12 户。\n送去慰问金。",
        "people_served": 12,
        "funds": "2400.50",
    }
    fields.update(changes)
    return fields


def _errors(unit, **changes):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        do_create_activity(None, unit, **_valid(**changes))
    return caught.value.message_dict


def _form(**changes):
    data = {
        "date": "2025-04-01",
        "carrier": carrier().pk,
        "needs": ["three_goods", "reproductive_health"],
        "title": "优生优育讲座",
        "description": "",
        "people_served": "40",
        "funds": "300",
    }
    data.update(changes)
    return data


def test_it_creates_an_activity_and_records_the_event(login, village_operator, tree):
    response = login(village_operator).post(
        reverse("registers:activity_create", args=[tree.village_1.pk]), _form()
    )
    activity = ServiceActivity.objects.get()
    assert response.url == reverse("registers:activity_detail", args=[activity.pk])
    assert activity.needs == ["three_goods", "reproductive_health"]
    assert activity.funds == Decimal("300") and activity.people_served == 40
    event = AuditEvent.objects.get(action="registers.activity.create")
    assert event.after["title"] == "优生优育讲座" and event.unit_id == tree.village_1.pk


def test_it_keeps_the_descriptions_line_breaks(tree):
    activity = do_create_activity(None, tree.village_1, **_valid())
    assert activity.description == "走访 12 户。\n送去慰问金。"


def test_it_refuses_negative_people_and_funds(tree):
    errors = _errors(tree.village_1, people_served=-1, funds="-0.01")
    assert errors == {
        "people_served": ["The number of people served cannot be negative."],
        "funds": ["Funds cannot be negative or above 9,999,999,999.99 yuan."],
    }


def test_it_refuses_a_future_date_a_missing_title_and_an_unknown_need(tree):
    errors = _errors(
        tree.village_1,
        date=timezone.localdate() + timedelta(days=1),
        title="",
        needs=["fun"],
    )
    assert errors == {
        "date": ["The date is in the future."],
        "title": ["Enter the title."],
        "needs": ["Choose the needs from the list."],
    }


def test_it_refuses_a_carrier_no_longer_in_use(tree):
    retired = Carrier.objects.create(name="旧项目", is_active=False)
    assert _errors(tree.village_1, carrier=retired) == {
        "carrier": ["This carrier is no longer in use."]
    }


def test_it_keeps_a_retired_carrier_on_an_existing_activity(tree):
    old = Carrier.objects.create(name="旧项目")
    activity = do_create_activity(None, tree.village_1, **_valid(carrier=old))
    old.is_active = False
    old.save()
    do_update_activity(None, activity, carrier=old, title="新标题")
    activity.refresh_from_db()
    assert activity.title == "新标题" and activity.carrier == old


def test_it_labels_local_carriers_as_examples_in_the_form(login, village_operator, tree):
    client = login(village_operator)
    response = client.get(
        reverse("registers:activity_create", args=[tree.village_1.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    labels = [label for _, label in response.context["form"].fields["carrier"].choices]
    assert "三演（Example, to be confirmed locally）" in labels
    assert "生育关怀" in labels


def test_it_lists_with_filters_and_totals(login, township_officer, tree):
    do_create_activity(None, tree.village_1, **_valid(people_served=10, funds="100"))
    do_create_activity(
        None,
        tree.village_2,
        **_valid(
            title="幸福工程帮扶",
            carrier=carrier("幸福工程"),
            needs=["reproductive_health"],
            people_served=5,
            funds="1000.25",
            date=date(2024, 6, 1),
        ),
    )
    do_create_activity(None, tree.village_3, **_valid(title="别的乡镇"))
    client = login(township_officer)
    url = reverse("registers:activity_list", args=[tree.township_1.pk])

    def listed(**params):
        response = client.get(url, params)
        titles = sorted(a.title for a, _ in response.context["rows"])
        return titles, response.context["total_people"], response.context["total_funds"]

    assert listed() == (["幸福工程帮扶", "走访慰问计生特殊家庭"], 15, Decimal("1100.25"))
    assert listed(year=2024)[0] == ["幸福工程帮扶"]
    assert listed(carrier=carrier("幸福工程").pk)[0] == ["幸福工程帮扶"]
    assert listed(need="three_lives") == (["走访慰问计生特殊家庭"], 10, Decimal("100"))


def test_it_pages_the_list(login, village_operator, tree):
    for number in range(55):
        do_create_activity(None, tree.village_1, **_valid(title=f"活动{number}"))
    client = login(village_operator)
    url = reverse("registers:activity_list", args=[tree.village_1.pk])
    first = client.get(url)
    assert len(first.context["rows"]) == 50 and first.context["total_people"] == 55 * 12
    assert len(client.get(url, {"page": 2}).context["rows"]) == 5


def test_it_answers_404_to_a_village_operator_for_another_villages_activity(
    login, village_operator, tree
):
    activity = do_create_activity(None, tree.village_2, **_valid())
    client = login(village_operator)
    for name in ("activity_detail", "activity_edit", "activity_delete"):
        assert client.get(reverse(f"registers:{name}", args=[activity.pk])).status_code == 404
    assert (
        client.post(reverse("registers:activity_edit", args=[activity.pk]), _form()).status_code
        == 404
    )
    upload = reverse("registers:activity_evidence_upload", args=[activity.pk])
    sent = client.post(upload, {"file": SimpleUploadedFile("a.png", PNG_BYTES)})
    assert sent.status_code == 404
    assert client.post(reverse("registers:activity_delete", args=[activity.pk])).status_code == 404
    assert ServiceActivity.objects.get(pk=activity.pk).title == "走访慰问计生特殊家庭"
    assert not Evidence.objects.exists()
    assert (
        client.post(
            reverse("registers:activity_create", args=[tree.village_2.pk]), _form()
        ).status_code
        == 404
    )


def test_it_lets_a_leader_read_but_not_write(login, leader, tree):
    activity = do_create_activity(None, tree.village_1, **_valid())
    client = login(leader)
    assert client.get(reverse("registers:activity_detail", args=[activity.pk])).status_code == 200
    assert client.get(reverse("registers:activity_edit", args=[activity.pk])).status_code == 403
    assert client.post(reverse("registers:activity_delete", args=[activity.pk])).status_code == 403
    upload = reverse("registers:activity_evidence_upload", args=[activity.pk])
    sent = client.post(upload, {"file": SimpleUploadedFile("a.png", PNG_BYTES)})
    assert sent.status_code == 403
    assert ServiceActivity.objects.exists() and not Evidence.objects.exists()


def test_it_deletes_an_activity_with_its_evidence(
    login, village_operator, tree, media, django_capture_on_commit_callbacks
):
    activity = do_create_activity(None, tree.village_1, **_valid())
    evidence = do_add_evidence(None, activity, SimpleUploadedFile("a.png", PNG_BYTES))
    stored = media / evidence.file.name
    client = login(village_operator)
    url = reverse("registers:activity_delete", args=[activity.pk])
    assert "1" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.url == reverse("registers:activity_list", args=[tree.village_1.pk])
    assert not ServiceActivity.objects.exists() and not Evidence.objects.exists()
    assert not stored.exists()
    event = AuditEvent.objects.get(action="registers.activity.delete")
    assert event.before["evidence"] == ["a.png"]


def test_it_edits_an_activity_and_records_only_the_change(login, village_operator, tree):
    activity = do_create_activity(None, tree.village_1, **_valid())
    response = login(village_operator).post(
        reverse("registers:activity_edit", args=[activity.pk]),
        _form(
            title="走访慰问计生特殊家庭",
            needs=["three_lives"],
            people_served="12",
            funds="2400.50",
            description="走访 12 户。\n送去慰问金。",
            carrier=carrier().pk,
            date="2025-04-02",
        ),
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="registers.activity.update")
    assert event.before == {"date": "2025-04-01"} and event.after == {"date": "2025-04-02"}


def test_it_lists_activities_in_the_same_number_of_queries_however_many(
    login, village_operator, tree
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(village_operator)
    url = reverse("registers:activity_list", args=[tree.village_1.pk])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    do_create_activity(None, tree.village_1, **_valid())
    count()  # the first request fills Django's per-process content-type cache (evidence counts)
    few = count()
    for _number in range(5):
        do_create_activity(None, tree.village_1, **_valid(carrier=carrier("幸福工程")))
    assert count() == few


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "1800"},
        {"carrier": "999999"},
        {"carrier": "x"},
        {"need": "fun"},
        {"q": "\x00"},
        {"page": "x"},
        {"page": "99999"},
    ],
)
def test_it_ignores_junk_filters_instead_of_failing(login, village_operator, tree, params):
    do_create_activity(None, tree.village_1, **_valid())
    client = login(village_operator)
    for name in ("activity_list", "training_list"):
        response = client.get(reverse(f"registers:{name}", args=[tree.village_1.pk]), params)
        assert response.status_code == 200
