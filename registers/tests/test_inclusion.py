"""三纳入四同时: a checklist of seven items per township and year, kept by the township and those
above it, read by the subtree's viewers, and a county overview of every township."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from registers.models import Evidence, InclusionItem, InclusionRecord
from registers.services import do_save_inclusion

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
YEAR = 2025


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _post_data(version=0, **items):
    """Form data: `agenda=(True, "2025-03-01", "note")` and so on; other items left blank;
    `version`: the checklist's version as read (0 before the first save)."""
    data = {"year": YEAR, "version": version}
    for item, (achieved, when, note) in items.items():
        if achieved:
            data[f"{item}-achieved"] = "on"
        data[f"{item}-date"] = when
        data[f"{item}-note"] = note
    return data


def test_it_saves_the_checklist_and_records_one_event(login, township_officer, tree):
    client = login(township_officer)
    url = reverse("registers:inclusion_checklist", args=[tree.township_1.pk])
    response = client.post(
        url,
        _post_data(
            agenda=(True, "2025-03-01", "镇党委书记亲自抓"),
            deployed=(True, "2025-02-10", ""),
            commended=(False, "", "年底表彰"),
        ),
    )
    assert response.status_code == 302 and response.url == f"{url}?year={YEAR}"
    records = {r.item: r for r in InclusionRecord.objects.filter(township=tree.township_1)}
    assert len(records) == 7
    assert records["agenda"].achieved and records["agenda"].date == date(2025, 3, 1)
    assert records["agenda"].note == "镇党委书记亲自抓"
    assert not records["commended"].achieved and records["commended"].note == "年底表彰"
    event = AuditEvent.objects.get(action="registers.inclusion.save")
    assert event.unit_id == tree.township_1.pk
    assert set(event.after) == set(InclusionItem.values)
    page = client.get(url, {"year": YEAR})
    assert page.context["achieved_count"] == 2


def test_it_writes_no_event_when_nothing_changed(tree):
    entries = {"agenda": {"achieved": True, "date": date(2025, 3, 1), "note": ""}}
    do_save_inclusion(None, tree.township_1, YEAR, entries)
    do_save_inclusion(None, tree.township_1, YEAR, entries)
    assert AuditEvent.objects.filter(action="registers.inclusion.save").count() == 1


def test_it_refuses_a_future_date_and_a_future_year(tree):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        do_save_inclusion(
            None, tree.township_1, tomorrow.year, {"agenda": {"achieved": True, "date": tomorrow}}
        )
    assert caught.value.message_dict == {"agenda.date": ["The date is in the future."]}
    with pytest.raises(ValidationError) as caught:
        do_save_inclusion(None, tree.township_1, timezone.localdate().year + 1, {})
    assert list(caught.value.message_dict) == ["year"]


def test_it_is_kept_for_townships_only(login, county_officer, tree):
    client = login(county_officer)
    for unit in (tree.village_1, tree.urban_branch, tree.county_a):
        url = reverse("registers:inclusion_checklist", args=[unit.pk])
        assert client.get(url).status_code == 404
    with pytest.raises(ValidationError):
        do_save_inclusion(None, tree.urban_branch, YEAR, {})


def test_it_lets_the_county_edit_and_a_leader_only_read(login, county_officer, leader, tree):
    url = reverse("registers:inclusion_checklist", args=[tree.township_1.pk])
    data = _post_data(agenda=(True, "2025-03-01", ""))
    assert login(county_officer).post(url, data).status_code == 302
    client = login(leader)
    page = client.get(url, {"year": YEAR})
    assert page.status_code == 200 and not page.context["can_edit"]
    assert client.post(url, _post_data(agenda=(False, "", ""))).status_code == 403
    assert InclusionRecord.objects.get(item="agenda").achieved


def test_it_hides_a_township_from_a_village_operator_and_an_outsider(
    login, village_operator, outsider, tree
):
    url = reverse("registers:inclusion_checklist", args=[tree.township_1.pk])
    assert login(village_operator).get(url).status_code == 404
    assert login(outsider).post(url, _post_data(agenda=(True, "", ""))).status_code == 404
    assert not InclusionRecord.objects.exists()


def test_it_forbids_another_township_to_edit(login, other_township_officer, tree):
    url = reverse("registers:inclusion_checklist", args=[tree.township_1.pk])
    response = login(other_township_officer).post(url, _post_data(agenda=(True, "", "")))
    assert response.status_code == 404


def test_it_attaches_evidence_to_an_item(login, township_officer, tree):
    client = login(township_officer)
    url = reverse("registers:inclusion_evidence_upload", args=[tree.township_1.pk, YEAR, "agenda"])
    response = client.post(url, {"file": SimpleUploadedFile("会议纪要.pdf", PDF_BYTES)})
    assert response.url.endswith(f"?year={YEAR}")
    evidence = Evidence.objects.get()
    record = InclusionRecord.objects.get(township=tree.township_1, year=YEAR, item="agenda")
    assert evidence.record == record and evidence.slot == "agenda"
    assert evidence.unit_id == tree.township_1.pk
    page = client.get(reverse("registers:inclusion_checklist", args=[tree.township_1.pk]))
    assert "会议纪要.pdf" in page.content.decode()


def test_it_refuses_evidence_for_an_unknown_item(login, township_officer, tree):
    client = login(township_officer)
    url = reverse("registers:inclusion_evidence_upload", args=[tree.township_1.pk, YEAR, "party"])
    client.post(url, {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert not Evidence.objects.exists() and not InclusionRecord.objects.exists()


def test_it_gives_the_county_an_overview_of_every_township(login, county_officer, tree):
    do_save_inclusion(
        None,
        tree.township_1,
        YEAR,
        {item: {"achieved": True} for item in InclusionItem.values},
    )
    do_save_inclusion(None, tree.township_2, YEAR, {"agenda": {"achieved": True}})
    do_save_inclusion(None, tree.township_b, YEAR, {"agenda": {"achieved": True}})
    response = login(county_officer).get(
        reverse("registers:inclusion_overview", args=[tree.county_a.pk]), {"year": YEAR}
    )
    rows = {t.name: (marks, count) for t, marks, count in response.context["rows"]}
    # The urban branch is no township; the other county's township is not listed.
    assert set(rows) == {"青山镇", "河口乡"}
    assert rows["青山镇"] == ([True] * 7, 7)
    assert rows["河口乡"] == ([True] + [False] * 6, 1)
    assert response.context["complete"] == 1


def test_it_answers_404_to_an_outsider_for_the_overview(login, outsider, tree):
    url = reverse("registers:inclusion_overview", args=[tree.county_a.pk])
    assert login(outsider).get(url).status_code == 404


@pytest.mark.parametrize("year", ["abc", "1800", "99999", ""])
def test_it_falls_back_to_a_valid_year(login, township_officer, tree, year):
    client = login(township_officer)
    for name in ("inclusion_checklist", "inclusion_overview"):
        unit = tree.township_1
        response = client.get(reverse(f"registers:{name}", args=[unit.pk]), {"year": year})
        assert response.status_code == 200
        assert 2000 <= response.context["year"] <= timezone.localdate().year
