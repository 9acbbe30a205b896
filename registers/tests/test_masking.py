"""Personal information is masked on every page, in every API answer and in the audit log; it is
shown in full only to a user with the unmask permission on the unit, and every time is audited."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import do_create_token
from audit.models import AuditEvent
from registers.services import do_change_member_status, do_update_member
from registers.tests.conftest import ID_LI, ID_WANG, PHONE_LI, PHONE_WANG

PLAIN = (ID_WANG, ID_LI, PHONE_WANG, PHONE_LI)


def _api(user):
    _, raw = do_create_token(None, user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def _assert_masked(text: str):
    for plain in PLAIN:
        assert plain not in text
        assert plain.lower() not in text


def test_it_masks_personal_information_on_every_page(login, county_officer, tree, members):
    client = login(county_officer)
    pages = [
        reverse("registers:member_list", args=[tree.village_1.pk]),
        reverse("registers:member_list", args=[tree.county_a.pk]),
        reverse("registers:unit_register", args=[tree.village_1.pk]),
        reverse("registers:member_detail", args=[members.wang.pk]),
        reverse("registers:member_edit", args=[members.wang.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_masked(response.content.decode())
    detail = client.get(reverse("registers:member_detail", args=[members.wang.pk])).content
    assert "430***************" in detail.decode() and "138****5678" in detail.decode()


def test_it_masks_what_a_failed_form_sends_back_only_as_typed(login, county_officer, tree, members):
    # A form re-shown after an error holds what the user typed, not what is stored.
    response = login(county_officer).post(
        reverse("registers:member_edit", args=[members.wang.pk]),
        {"name": "", "version": 1},
    )
    _assert_masked(response.content.decode())


def test_it_masks_every_api_answer(county_officer, tree, members):
    client = _api(county_officer)
    answers = [
        client.get(f"/api/v1/members/units/{tree.county_a.pk}/members"),
        client.get(f"/api/v1/members/{members.wang.pk}"),
        client.patch(
            f"/api/v1/members/{members.wang.pk}",
            json.dumps({"version": 1, "occupation": "农民"}),
            content_type="application/json",
        ),
        client.post(
            f"/api/v1/members/{members.li.pk}/status",
            json.dumps({"status": "moved", "date": "2024-01-01"}),
            content_type="application/json",
        ),
    ]
    for response in answers:
        assert response.status_code == 200, response.content
        _assert_masked(response.content.decode())
    assert answers[1].json()["id_number"] == "430***************"


def test_it_keeps_personal_information_out_of_the_audit_log(tree, members):
    do_update_member(None, members.wang, phone="13900001111", id_number=ID_WANG)
    do_change_member_status(None, members.li, "deceased", members.li.join_date)
    text = json.dumps(
        list(AuditEvent.objects.values("before", "after", "object_label")), ensure_ascii=False
    )
    _assert_masked(text)
    assert "13900001111" not in text


def test_it_refuses_to_unmask_without_the_permission(login, county_officer, tree, members):
    url = reverse("registers:member_reveal", args=[members.wang.pk])
    assert login(county_officer).post(url).status_code == 403
    assert _api(county_officer).post(f"/api/v1/members/{members.wang.pk}/unmask").status_code == 403
    denied = AuditEvent.objects.filter(action="access.denied", after__requested="unmask")
    assert denied.count() == 2
    assert not AuditEvent.objects.filter(action="registers.member.unmask").exists()


def test_it_hides_the_show_in_full_button_without_the_permission(
    login, county_officer, grant_unmask, tree, members
):
    url = reverse("registers:member_detail", args=[members.wang.pk])
    assert "member_reveal" not in str(login(county_officer).get(url).content)
    html = login(county_officer).get(url).content.decode()
    assert reverse("registers:member_reveal", args=[members.wang.pk]) not in html
    grant_unmask(county_officer)
    html = login(county_officer).get(url).content.decode()
    assert reverse("registers:member_reveal", args=[members.wang.pk]) in html


def test_it_shows_in_full_with_the_permission_and_audits_it(
    login, county_officer, grant_unmask, tree, members
):
    grant_unmask(county_officer)
    response = login(county_officer).post(
        reverse("registers:member_reveal", args=[members.wang.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert ID_WANG in html and PHONE_WANG in html
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="registers.member.unmask")
    assert event.object_id == str(members.wang.pk) and event.actor == county_officer
    assert event.after == {"id_number": "430***************", "phone": "138****5678"}


def test_it_unmasks_over_the_api_with_the_permission_and_audits_it(
    county_officer, grant_unmask, tree, members
):
    grant_unmask(county_officer)
    response = _api(county_officer).post(f"/api/v1/members/{members.li.pk}/unmask")
    assert response.json() == {"id_number": ID_LI, "phone": PHONE_LI}
    assert AuditEvent.objects.filter(
        action="registers.member.unmask", object_id=str(members.li.pk)
    ).exists()


@pytest.mark.parametrize("how", ["page", "api"])
def test_it_answers_404_to_an_unmask_outside_the_subtree(
    login, outsider, grant_unmask, tree, members, how
):
    grant_unmask(outsider)
    if how == "page":
        response = login(outsider).post(reverse("registers:member_reveal", args=[members.wang.pk]))
    else:
        response = _api(outsider).post(f"/api/v1/members/{members.wang.pk}/unmask")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="registers.member.unmask").exists()


def test_it_masks_members_in_the_admin_and_keeps_them_read_only(
    login, administrator, tree, members
):
    client = login(administrator)
    for url in (
        reverse("admin:registers_member_changelist"),
        reverse("admin:registers_member_change", args=[members.wang.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        _assert_masked(html)
        assert "id_number_encrypted" not in html and "id_number_hash" not in html
    assert client.get(reverse("admin:registers_member_add")).status_code == 403


def test_it_audits_a_recruitment_category_edited_in_the_admin(login, administrator, tree):
    response = login(administrator).post(
        reverse("admin:registers_recruitmentcategory_add"),
        {"code": "returnee", "name": "返乡创业人员", "sort_order": 9, "is_active": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="registers.recruitmentcategory.create")
    assert event.after["name"] == "返乡创业人员"


def test_it_keeps_personal_information_out_of_the_application_log(
    caplog, county_officer, outsider, tree, members, tmp_path
):
    """Whatever the app logs while members are created, refused, unmasked without the
    permission, looked at by an outsider and imported with bad rows holds no plain number."""
    from registers.imports import run_import
    from registers.tests.import_files import id_number, member_row, members_csv

    new_id, bad_id, new_phone = id_number(50), "430121196003050018", "13700002222"
    caplog.set_level("DEBUG")
    client = _api(county_officer)
    client.raise_request_exception = False
    create = f"/api/v1/members/units/{tree.village_2.pk}/members"
    sent = [
        {"name": "新会员", "id_number": new_id, "phone": new_phone, "join_date": "2024-01-01"},
        {"name": "重复", "id_number": ID_WANG, "phone": PHONE_WANG, "join_date": "2024-01-01"},
        {"name": "错号", "id_number": bad_id, "phone": "1380000", "join_date": "2024-01-01"},
    ]
    statuses = [
        client.post(create, json.dumps(body), content_type="application/json").status_code
        for body in sent
    ]
    assert statuses[0] == 201 and all(400 <= status < 500 for status in statuses[1:])
    assert client.post(f"/api/v1/members/{members.li.pk}/unmask").status_code == 403
    assert _api(outsider).get(f"/api/v1/members/{members.wang.pk}").status_code == 404
    path = tmp_path / "members.csv"
    path.write_bytes(
        members_csv([member_row(1, 身份证号码=ID_LI), member_row(2, 身份证号码=bad_id)])
    )
    assert run_import("members", path, filename="members.csv", actor=None).errors

    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    assert caplog.records  # the refusals above were logged
    _assert_masked(logged)
    for plain in (new_id, bad_id, new_phone):
        assert plain not in logged
