"""The six causes of the 500s an integrator found (issue 16) each answer a 4xx, or work."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registers.models import Carrier, Evidence
from registers.services import do_create_activity

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _post_json(client, path, raw: str):
    return client.post(path, raw, content_type="application/json")


def test_it_refuses_an_attendee_id_beyond_a_bigint(as_user, village_operator, tree):
    body = {
        "organiser_id": tree.village_1.pk,
        "date": "2025-03-05",
        "title": "会长培训",
        "audiences": ["presidents"],
        "hours": "2",
        "attendee_ids": [2**63],
    }
    response = _post_json(as_user(village_operator), "/api/v1/records/trainings", json.dumps(body))
    assert response.status_code == 422
    assert "attendee_ids.0" in response.json()["errors"]


@pytest.mark.parametrize("name", ["\\ud800王", "王\\u0007", "\\udfff"])
def test_it_refuses_a_lone_surrogate_or_control_character_in_a_name(
    as_user, village_operator, tree, name
):
    raw = '{"kind": "president", "start_date": "2025-01-01", "holder_name": "NAME"}'
    raw = raw.replace("NAME", name)  # the escape reaches the server as sent
    response = _post_json(
        as_user(village_operator, "zh-hans"),
        f"/api/v1/members/units/{tree.village_1.pk}/posts",
        raw,
    )
    assert response.status_code == 422
    assert response.json()["errors"]["holder_name"] == ["不允许使用控制字符和不成对的代理字符。"]


def test_it_cuts_a_long_upload_name_on_every_evidence_endpoint(as_user, village_operator, tree):
    activity = do_create_activity(
        None,
        tree.village_1,
        date=date(2025, 4, 1),
        carrier=Carrier.objects.get(name="生育关怀"),
        title="走访慰问",
    )
    client = as_user(village_operator)
    paths = [
        f"/api/v1/records/activities/{activity.pk}/evidence",
        f"/api/v1/records/profiles/{tree.village_1.pk}/2025/roster/evidence",
    ]
    for path in paths:
        for length in (1000, 5000):
            upload = SimpleUploadedFile("照" * length + ".png", PNG)
            response = client.post(path, {"file": upload})
            assert response.status_code == 201, (path, response.content[:200])
            assert len(response.json()["download_name"]) <= 210  # 200 and the type's extension
    assert Evidence.objects.count() == 4


def test_it_cuts_a_long_upload_name_on_the_inclusion_evidence(as_user, township_officer, tree):
    path = f"/api/v1/records/inclusion/{tree.township_1.pk}/2025/agenda/evidence"
    upload = SimpleUploadedFile("纪" * 3000 + ".png", PNG)
    response = as_user(township_officer).post(path, {"file": upload})
    assert response.status_code == 201 and len(response.json()["download_name"]) <= 210


def test_it_refuses_multipart_without_a_boundary(as_user, village_operator, tree):
    path = f"/api/v1/records/profiles/{tree.village_1.pk}/2025/roster/evidence"
    response = as_user(village_operator).post(
        path, b"--x\r\n\r\n", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"]
    assert not Evidence.objects.exists()


def test_it_answers_a_collection_with_and_without_its_slash(as_user, township_officer, tree):
    client = as_user(township_officer)
    assert client.get("/api/v1/units").json() == client.get("/api/v1/units/").json()
    fields = {"parent_id": tree.township_1.pk, "name": "新村", "category": "village"}
    body = json.dumps({**fields, "division_code": "430121100209"})
    created = _post_json(client, "/api/v1/units", body)
    assert created.status_code == 201 and created.json()["name"] == "新村", created.content
    again = _post_json(client, "/api/v1/units/", body)
    assert again.status_code in (201, 409, 422)
    assert client.get(f"/api/v1/units/{tree.village_1.pk}/").status_code == 200


def test_it_answers_json_for_an_unknown_path_and_a_wrong_method(as_user, county_officer, tree):
    client = as_user(county_officer)
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json()["detail"]
    wrong = client.delete("/api/v1/units/")
    assert wrong.status_code == 405 and wrong.json()["detail"]
    assert "GET" in wrong["Allow"]
