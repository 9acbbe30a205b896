"""Entering a member whose ID number is registered outside the user's subtree names no unit of
it (issue 16: the refusal named "李家村" to the other county). One person has one register, so
the refusal itself cannot be hidden; it is audited under the association that holds the person,
and a user who meets it five times in a day has every further ID number refused until the day
is over, so that guessing numbers through the form stays slow and visible."""

import json

from django.urls import reverse

from audit.models import AuditEvent
from registers.identity import id_check_char
from registers.services.members import HIDDEN_DUPLICATES_PER_DAY, REFUSED_ELSEWHERE
from registers.tests.conftest import ID_WANG

REVEALING = ("李家村", "青山镇", "长沙县", "王建国")


def _valid_id(sequence: int) -> str:
    first17 = f"43012419800101{sequence:03d}"
    return first17 + id_check_char(first17)


def _create(client, unit, id_number, name="新会员"):
    body = json.dumps({"name": name, "id_number": id_number})
    return client.post(
        f"/api/v1/members/units/{unit.pk}/members", body, content_type="application/json"
    )


def test_it_names_no_unit_to_a_user_outside_the_persons_subtree(as_user, outsider, tree, members):
    response = _create(as_user(outsider, "zh-hans"), tree.village_b, ID_WANG)
    assert response.status_code == 422
    message = " ".join(response.json()["errors"]["id_number"])
    assert "无法在此登记" in message
    assert not any(word in response.content.decode() for word in REVEALING)


def test_it_audits_the_refusal_under_the_association_that_holds_the_person(
    as_user, outsider, tree, members
):
    _create(as_user(outsider), tree.village_b, ID_WANG)
    event = AuditEvent.objects.get(action=REFUSED_ELSEWHERE)
    assert event.actor == outsider and event.unit_id == tree.village_1.pk
    assert ID_WANG not in json.dumps(event.after)


def test_it_still_names_the_unit_to_a_user_who_sees_it(as_user, county_officer, tree, members):
    response = _create(as_user(county_officer), tree.village_2, ID_WANG)
    assert response.json()["errors"]["id_number"] == [
        "This person is already registered in “李家村”."
    ]
    assert not AuditEvent.objects.filter(action=REFUSED_ELSEWHERE).exists()


def test_the_page_and_its_live_check_name_no_unit_either(login, outsider, tree, members):
    client = login(outsider)
    data = {"name": "新会员", "id_number": ID_WANG, "sex": "", "education": ""}
    page = client.post(reverse("registers:member_create", args=[tree.village_b.pk]), data)
    check = client.post(reverse("registers:member_validate", args=[tree.village_b.pk]), data)
    for response in (page, check):
        assert response.status_code in (200, 422)
        assert not any(word in response.content.decode() for word in REVEALING)


def test_after_the_daily_limit_every_id_number_is_refused_alike(as_user, outsider, tree, members):
    client = as_user(outsider)
    assert _create(client, tree.village_b, _valid_id(124)).status_code == 201
    for _ in range(HIDDEN_DUPLICATES_PER_DAY):
        assert _create(client, tree.village_b, ID_WANG).status_code == 422
    # A number registered nowhere is now refused too: the answer tells nothing.
    fresh = _create(client, tree.village_b, _valid_id(123))
    assert fresh.status_code == 422
    assert "Too many ID numbers" in fresh.json()["errors"]["id_number"][0]
