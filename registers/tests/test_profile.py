"""The association's profile per unit and year: venue, funds, remuneration, the 八有 checklist with
evidence per item, and optimistic locking so that a concurrent save is a conflict, not a loss."""

import importlib
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from registers.models import AssociationProfile, Evidence, ProfileItem
from registers.services import ConflictError, do_save_profile

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
YEAR = 2025


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _form(version=0, **changes):
    data = {
        "year": YEAR,
        "version": version,
        "has_venue": "on",
        "venue_area": "60",
        "venue_address": "李家村村部二楼",
        "funds_village_committee": "3000",
        "funds_township": "1000",
        "funds_county": "0",
        "funds_donations": "500",
        "funds_happiness_project": "0",
        "spending": "2800",
        "president_paid": "on",
        "item-roster-present": "on",
        "item-charter-present": "on",
        "item-charter-note": "2024年修订",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _url(unit):
    return reverse("registers:profile_page", args=[unit.pk])


def test_it_saves_a_profile_and_records_the_event(login, village_operator, tree):
    client = login(village_operator)
    response = client.post(_url(tree.village_1), _form())
    assert response.status_code == 302
    profile = AssociationProfile.objects.get(unit=tree.village_1, year=YEAR)
    assert profile.version == 1
    assert profile.has_venue and profile.venue_area == Decimal("60")
    assert profile.funds_village_committee == Decimal("3000") and profile.spending == 2800
    assert profile.president_paid and not profile.leaders_paid
    assert profile.checklist["charter"] == {"present": True, "note": "2024年修订"}
    assert profile.checklist["sign"] == {"present": False, "note": ""}
    assert set(profile.checklist) == set(ProfileItem.values)
    event = AuditEvent.objects.get(action="registers.profile.save")
    assert event.before is None and event.after["venue_address"] == "李家村村部二楼"


def test_it_refuses_negative_funds(tree):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        do_save_profile(None, tree.village_1, YEAR, 0, funds_donations="-1")
    assert caught.value.message_dict == {
        "funds_donations": ["Funds cannot be negative or above 9,999,999,999.99 yuan."]
    }
    assert not AssociationProfile.objects.exists()


def test_it_gives_the_second_concurrent_save_a_conflict_and_keeps_its_entries(
    login, village_operator, county_officer, tree
):
    first = login(village_operator)
    assert first.post(_url(tree.village_1), _form()).status_code == 302
    # Both open version 1; the county saves first.
    from django.test import Client

    county = Client()
    county.force_login(county_officer)
    assert county.post(_url(tree.village_1), _form(version=1, spending="9999")).status_code == 302
    response = first.post(
        _url(tree.village_1),
        _form(version=1, venue_address="新村部", **{"item-sign-present": "on"}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "Someone else saved this profile" in form.non_field_errors()[0]
    # The loser's entries are still in the form; the winner's save is intact.
    assert form["venue_address"].value() == "新村部" and form["item-sign-present"].value()
    profile = AssociationProfile.objects.get()
    assert profile.version == 2 and profile.spending == Decimal("9999")
    assert profile.venue_address == "李家村村部二楼"
    assert ("Spending (yuan)", "9999.00") in response.context["saved"]
    assert AuditEvent.objects.filter(action="registers.profile.save").count() == 2


def test_it_conflicts_when_two_first_saves_race(tree):
    do_save_profile(None, tree.village_1, YEAR, 0, spending="1")
    with pytest.raises(ConflictError):
        do_save_profile(None, tree.village_1, YEAR, 0, spending="2")
    assert AssociationProfile.objects.get().spending == 1


def test_it_writes_nothing_when_nothing_changed(tree):
    profile = do_save_profile(None, tree.village_1, YEAR, 0, spending="1")
    again = do_save_profile(None, tree.village_1, YEAR, profile.version, spending="1")
    assert again.version == 1
    assert AuditEvent.objects.filter(action="registers.profile.save").count() == 1


def test_it_attaches_documents_to_checklist_items(login, village_operator, tree):
    client = login(village_operator)
    url = reverse("registers:profile_evidence_upload", args=[tree.village_1.pk, YEAR, "charter"])
    client.post(url, {"file": SimpleUploadedFile("章程.png", PNG_BYTES)})
    evidence = Evidence.objects.get()
    profile = AssociationProfile.objects.get()
    assert evidence.record == profile and evidence.slot == "charter"
    # A form opened before the upload still saves: the blank profile keeps version 0.
    assert profile.version == 0
    assert client.post(_url(tree.village_1), _form(version=0)).status_code == 302
    page = client.get(_url(tree.village_1), {"year": YEAR})
    rows = {item.value: files for item, _p, _n, files in page.context["rows"]}
    assert [e.original_name for e in rows["charter"]] == ["章程.png"]
    assert rows["rules"] == []


def test_it_refuses_an_unknown_checklist_slot(login, village_operator, tree):
    url = reverse("registers:profile_evidence_upload", args=[tree.village_1.pk, YEAR, "seal"])
    response = login(village_operator).post(url, {"file": SimpleUploadedFile("a.png", PNG_BYTES)})
    assert response.status_code == 404
    assert not Evidence.objects.exists()


def test_it_keeps_profiles_for_townships_and_villages_only(login, county_officer, tree):
    client = login(county_officer)
    assert client.get(_url(tree.township_1)).status_code == 200
    assert client.get(_url(tree.urban_branch)).status_code == 200
    assert client.get(_url(tree.group_1)).status_code == 404
    assert client.get(_url(tree.county_a)).status_code == 404


def test_it_lets_a_leader_read_but_not_save(login, leader, tree):
    do_save_profile(None, tree.village_1, YEAR, 0, venue_address="村部")
    client = login(leader)
    page = client.get(_url(tree.village_1), {"year": YEAR})
    assert page.status_code == 200 and "村部" in page.content.decode()
    assert client.post(_url(tree.village_1), _form(version=1)).status_code == 403
    assert AssociationProfile.objects.get().venue_address == "村部"


def test_it_answers_404_to_another_village(login, village_operator, tree):
    client = login(village_operator)
    assert client.get(_url(tree.village_2)).status_code == 404
    assert client.post(_url(tree.village_2), _form()).status_code == 404
    assert not AssociationProfile.objects.exists()


def test_a_checklist_of_bare_true_false_items_is_migrated_to_entries_and_shown(
    login, village_operator, tree
):
    # The demo wrote such checklists before 2026-12; the page failed on them with a 500.
    from django.apps import apps

    migration = importlib.import_module("registers.migrations.0004_profile_checklist_entries")
    bare = {item: item == ProfileItem.CHARTER for item in ProfileItem.values}
    profile = AssociationProfile.objects.create(
        unit=tree.village_1, year=YEAR, checklist={**bare, "roster": {"present": True}}
    )
    migration.normalise_checklists(apps, None)
    profile.refresh_from_db()
    assert profile.checklist["charter"] == {"present": True, "note": ""}
    assert profile.checklist["sign"] == {"present": False, "note": ""}
    assert profile.checklist["roster"] == {"present": True, "note": ""}
    response = login(village_operator).get(_url(tree.village_1), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input[^>]*name="item-charter-present"[^>]*checked', html)
    assert not re.search(r'<input[^>]*name="item-sign-present"[^>]*checked', html)
