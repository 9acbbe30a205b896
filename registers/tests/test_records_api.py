"""/api/v1/records/: trainings, activities, 三纳入四同时, profiles and evidence through the access
helper, with the API's one error shape."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEvent
from registers.models import AssociationProfile, Carrier, Evidence, ServiceActivity, Training
from registers.services import do_create_activity, do_create_member, do_create_training

API = "/api/v1/records"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE_BYTES = b"MZ\x90\x00" + b"\x00" * 40
YEAR = 2025


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _send(client, method, path, data):
    return getattr(client, method)(path, json.dumps(data), content_type="application/json")


def _carrier():
    return Carrier.objects.get(name="生育关怀")


def _activity(unit, **changes):
    fields = {"date": date(2025, 4, 1), "carrier": _carrier(), "title": "走访慰问"}
    fields.update(changes)
    return do_create_activity(None, unit, **fields)


def _training(unit, **changes):
    fields = {
        "date": date(2025, 3, 5),
        "title": "会长培训",
        "audiences": ["presidents"],
        "hours": "3",
    }
    fields.update(changes)
    return do_create_training(None, unit, **fields)


def test_it_creates_and_reads_a_training(as_user, village_operator, tree):
    member = do_create_member(None, tree.village_1, name="王建国")
    client = as_user(village_operator)
    response = _send(
        client,
        "post",
        f"{API}/trainings",
        {
            "organiser_id": tree.village_1.pk,
            "date": "2025-03-05",
            "title": "小组长培训",
            "audiences": ["group_leaders"],
            "hours": "2.5",
            "attendee_ids": [member.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["attendee_ids"] == [member.pk] and body["hours"] == "2.5"
    assert AuditEvent.objects.filter(action="registers.training.create").exists()
    got = client.get(f"{API}/trainings/{body['id']}").json()
    assert got["title"] == "小组长培训" and got["organiser_name"] == "李家村"
    listed = client.get(f"{API}/trainings", {"unit_id": tree.village_1.pk}).json()
    assert listed["count"] == 1


def test_it_answers_422_with_field_messages_for_a_bad_training(as_user, village_operator, tree):
    stranger = do_create_member(None, tree.village_3, name="张伟")
    response = _send(
        as_user(village_operator),
        "post",
        f"{API}/trainings",
        {
            "organiser_id": tree.village_1.pk,
            "date": "2025-03-05",
            "title": "培训",
            "audiences": ["presidents"],
            "hours": "1",
            "attendee_ids": [stranger.pk],
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "The data is not valid.",
        "errors": {
            "attendees": ["“张伟” is not an active member of an association under “李家村”."]
        },
    }
    too_long = _send(
        as_user(village_operator),
        "post",
        f"{API}/trainings",
        {
            "organiser_id": tree.village_1.pk,
            "date": "2025-03-05",
            "title": "培训",
            "audiences": ["presidents"],
            "hours": "101",
        },
    )
    assert too_long.status_code == 422 and list(too_long.json()["errors"]) == ["hours"]


def test_it_hides_another_villages_records_with_404(as_user, village_operator, tree):
    activity = _activity(tree.village_2)
    training = _training(tree.village_2)
    client = as_user(village_operator)
    assert client.get(f"{API}/activities/{activity.pk}").status_code == 404
    assert client.get(f"{API}/trainings/{training.pk}").status_code == 404
    assert client.get(f"{API}/activities", {"unit_id": tree.village_2.pk}).status_code == 404
    sent = client.post(
        f"{API}/activities/{activity.pk}/evidence",
        {"file": SimpleUploadedFile("a.png", PNG_BYTES)},
    )
    assert sent.status_code == 404 and sent.json() == {"detail": "Not found."}
    created = _send(
        client,
        "post",
        f"{API}/activities",
        {
            "unit_id": tree.village_2.pk,
            "date": "2025-04-01",
            "carrier_id": _carrier().pk,
            "title": "x",
        },
    )
    assert created.status_code == 404
    assert ServiceActivity.objects.count() == 1 and not Evidence.objects.exists()


def test_it_answers_403_to_a_leader_writing(as_user, leader, tree):
    client = as_user(leader)
    response = _send(
        client,
        "post",
        f"{API}/activities",
        {
            "unit_id": tree.village_1.pk,
            "date": "2025-04-01",
            "carrier_id": _carrier().pk,
            "title": "x",
        },
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Not allowed for your role."}
    put = _send(client, "put", f"{API}/profiles/{tree.village_1.pk}/{YEAR}", {"version": 0})
    assert put.status_code == 403
    assert not ServiceActivity.objects.exists() and not AssociationProfile.objects.exists()


def test_it_creates_lists_and_totals_activities(as_user, township_officer, tree):
    client = as_user(township_officer)
    response = _send(
        client,
        "post",
        f"{API}/activities",
        {
            "unit_id": tree.village_1.pk,
            "date": "2025-04-01",
            "carrier_id": _carrier().pk,
            "needs": ["three_lives"],
            "title": "走访",
            "people_served": 12,
            "funds": "100.50",
        },
    )
    assert response.status_code == 201, response.content
    _activity(tree.village_2, people_served=3, funds="1")
    _activity(tree.village_3, people_served=100)
    listed = client.get(f"{API}/activities", {"unit_id": tree.township_1.pk}).json()
    assert listed["count"] == 2
    assert listed["total_people_served"] == 15 and listed["total_funds"] == "101.50"
    by_need = client.get(
        f"{API}/activities", {"unit_id": tree.township_1.pk, "need": "three_lives"}
    ).json()
    assert [a["title"] for a in by_need["items"]] == ["走访"]
    negative = _send(
        client,
        "post",
        f"{API}/activities",
        {
            "unit_id": tree.village_1.pk,
            "date": "2025-04-01",
            "carrier_id": _carrier().pk,
            "title": "x",
            "people_served": -1,
        },
    )
    assert negative.status_code == 422 and list(negative.json()["errors"]) == ["people_served"]


def test_it_uploads_and_downloads_evidence(as_user, village_operator, outsider, tree):
    activity = _activity(tree.village_1)
    client = as_user(village_operator)
    response = client.post(
        f"{API}/activities/{activity.pk}/evidence",
        {"file": SimpleUploadedFile("照片.pdf", PNG_BYTES, content_type="application/pdf")},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mime_type"] == "image/png" and body["download_name"] == "照片.png"
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PNG_BYTES
    assert as_user(outsider).get(body["download_url"]).status_code == 404
    assert as_user(outsider).get(f"{API}/evidence/{body['id']}").status_code == 404


def test_it_refuses_an_executable_upload_with_422(as_user, village_operator, tree):
    activity = _activity(tree.village_1)
    response = as_user(village_operator).post(
        f"{API}/activities/{activity.pk}/evidence",
        {"file": SimpleUploadedFile("a.jpg", EXE_BYTES, content_type="image/jpeg")},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "file": ["Only JPEG, PNG or WebP images and PDF documents can be uploaded."]
    }


def test_it_gets_and_puts_the_inclusion_checklist(as_user, township_officer, leader, tree):
    client = as_user(township_officer)
    url = f"{API}/inclusion/{tree.township_1.pk}/{YEAR}"
    empty = client.get(url).json()
    assert [i["achieved"] for i in empty["items"]] == [False] * 7
    response = _send(
        client,
        "put",
        url,
        {
            "version": 0,
            "items": {"agenda": {"achieved": True, "date": "2025-03-01", "note": "书记抓"}},
        },
    )
    assert response.status_code == 200, response.content
    items = {i["item"]: i for i in response.json()["items"]}
    assert items["agenda"]["achieved"] and items["agenda"]["note"] == "书记抓"
    assert not items["commended"]["achieved"]
    assert _send(as_user(leader), "put", url, {"version": 1, "items": {}}).status_code == 403
    bad = _send(client, "put", url, {"version": 1, "items": {"party": {"achieved": True}}})
    assert bad.status_code == 422
    assert client.get(f"{API}/inclusion/{tree.village_1.pk}/{YEAR}").status_code == 404
    uploaded = client.post(
        f"{url}/agenda/evidence", {"file": SimpleUploadedFile("纪要.png", PNG_BYTES)}
    )
    assert uploaded.status_code == 201
    assert len(client.get(url).json()["items"][0]["evidence"]) == 1


def test_it_puts_a_profile_with_optimistic_locking(as_user, village_operator, tree):
    client = as_user(village_operator)
    url = f"{API}/profiles/{tree.village_1.pk}/{YEAR}"
    assert client.get(url).json()["version"] == 0
    first = _send(
        client,
        "put",
        url,
        {
            "version": 0,
            "has_venue": True,
            "venue_area": "50",
            "funds_township": "800",
            "checklist": {"charter": {"present": True, "note": "已修订"}},
        },
    )
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["version"] == 1 and body["checklist"]["charter"]["present"]
    assert body["funds_township"] == "800.00"
    stale = _send(client, "put", url, {"version": 0, "spending": "5"})
    assert stale.status_code == 409
    assert "Someone else saved this profile" in stale.json()["detail"]
    assert AssociationProfile.objects.get().spending == 0
    negative = _send(client, "put", url, {"version": 1, "spending": "-5"})
    assert negative.status_code == 422 and list(negative.json()["errors"]) == ["spending"]
    uploaded = client.post(
        f"{url}/rules/evidence", {"file": SimpleUploadedFile("制度.png", PNG_BYTES)}
    )
    assert uploaded.status_code == 201 and uploaded.json()["slot"] == "rules"
    assert len(client.get(url).json()["checklist"]["rules"]["evidence"]) == 1


def test_it_deletes_evidence_with_audit(as_user, village_operator, leader, tree):
    activity = _activity(tree.village_1)
    client = as_user(village_operator)
    evidence_id = client.post(
        f"{API}/activities/{activity.pk}/evidence",
        {"file": SimpleUploadedFile("a.png", PNG_BYTES)},
    ).json()["id"]
    assert as_user(leader).delete(f"{API}/evidence/{evidence_id}").status_code == 403
    assert client.delete(f"{API}/evidence/{evidence_id}").status_code == 204
    assert not Evidence.objects.exists()
    assert AuditEvent.objects.filter(action="registers.evidence.delete").exists()


def test_it_answers_401_without_credentials(tree):
    assert Client().get(f"{API}/trainings", {"unit_id": tree.village_1.pk}).status_code == 401


def test_it_searches_trainings_by_title_across_the_subtree(as_user, county_officer, tree):
    _training(tree.village_1)
    _training(tree.village_3, title="别处")
    listed = as_user(county_officer).get(
        f"{API}/trainings", {"unit_id": tree.county_a.pk, "q": "别处"}
    )
    assert listed.json()["count"] == 1
    assert Training.objects.count() == 2


JUNK = [None, True, 0, -1, 2**31, 2**63, 10**30, 1.5, "", "x", "\x00", "四" * 1000, [], {}, [None]]
JUNK_IDS = ["1", "0", "-1", str(2**63), "x", "1.5", "2025"]


def _junk_requests(schema):
    """Requests to the records endpoints built from the OpenAPI schema: junk in every path and
    query parameter and every JSON body field."""
    components = schema["components"]["schemas"]
    for template, operations in schema["paths"].items():
        if not template.startswith(f"{API}/"):
            continue
        for method, operation in operations.items():
            query_params = [
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            ]
            for junk_id in JUNK_IDS:
                path = template
                for name in ("unit_id", "training_id", "activity_id", "evidence_id", "year"):
                    path = path.replace("{" + name + "}", junk_id)
                path = path.replace("{item}", "agenda").replace("{slot}", "charter")
                yield method, path, {}, None
                for name in query_params:
                    for junk in JUNK:
                        yield method, path, {name: junk if junk is not None else ""}, None
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            ref = content["application/json"]["schema"]["$ref"].split("/")[-1]
            path = template.replace("{unit_id}", "1").replace("{year}", "2025")
            for name in components[ref]["properties"]:
                for junk in JUNK:
                    yield method, path, {}, {name: junk}
            for whole in ["", "{", "null", "[]", '{"items": {"agenda": {"date": "x"}}}']:
                yield method, path, {}, whole


def test_it_never_answers_500_to_junk_built_from_its_own_schema(as_user, county_officer, tree):
    from urllib.parse import urlencode

    client = as_user(county_officer)
    client.raise_request_exception = False
    schema = Client().get("/api/v1/openapi.json").json()
    seen = 0
    for method, path, query, body in _junk_requests(schema):
        if query:
            path = f"{path}?{urlencode(query, doseq=True)}"
        data = body if isinstance(body, str) or body is None else json.dumps(body)
        send = getattr(client, method)
        response = send(path, data, content_type="application/json") if data else send(path)
        seen += 1
        assert response.status_code < 500, (method, path, body, response.content[:200])
    assert seen > 300
