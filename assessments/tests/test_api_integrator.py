"""The endpoints an integrator missed (issue 16): open and close a round, list a round's spot
checks and an assessment's evidence, list carriers and recruitment categories; each scoped and
audited like the pages, each in the one list shape, a page past the last an empty page."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Round, RoundStatus
from assessments.services import do_apply
from audit.models import AuditEvent, Result
from standards.models import TitleKind

API = "/api/v1/assessments"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PAGE_KEYS = {"count", "page", "pages", "items"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _post(client, path, data=None):
    return client.post(path, json.dumps(data or {}), content_type="application/json")


def _round_body(tree, standard, name="2027年度评估"):
    return {
        "organiser_id": tree.county_a.pk,
        "year": 2027,
        "name": name,
        "standards": {TitleKind.QUALIFIED_VILLAGE.value: standard.pk},
    }


def test_it_opens_a_round_as_the_county_and_audits_it(
    as_user, county_officer, tree, qualified_standard
):
    response = _post(
        as_user(county_officer), f"{API}/rounds", _round_body(tree, qualified_standard)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["status"], body["titles"][0]["standard_id"]) == (
        "2027年度评估",
        "open",
        qualified_standard.pk,
    )
    assert AuditEvent.objects.filter(action="round.create", object_id=str(body["id"])).exists()


def test_it_refuses_a_round_from_a_township_and_one_outside_the_subtree(
    as_user, township_officer, outsider, tree, qualified_standard
):
    body = _round_body(tree, qualified_standard)
    assert _post(as_user(township_officer), f"{API}/rounds", body).status_code == 404
    assert _post(as_user(outsider), f"{API}/rounds", body).status_code == 404
    assert not Round.objects.exists()


def test_it_answers_422_for_a_round_of_a_name_already_used(
    as_user, county_officer, tree, qualified_standard, round_2026
):
    body = {**_round_body(tree, qualified_standard, name=round_2026.name), "year": 2026}
    response = _post(as_user(county_officer), f"{API}/rounds", body)
    assert response.status_code == 422 and "name" in response.json()["errors"]


def test_it_closes_a_round_once_and_then_takes_no_applications(
    as_user, county_officer, township_officer, village_operator, tree, round_2026
):
    url = f"{API}/rounds/{round_2026.pk}/close"
    assert _post(as_user(township_officer), url).status_code == 403
    response = _post(as_user(county_officer), url)
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert _post(as_user(county_officer), url).status_code == 200
    assert AuditEvent.objects.filter(action="round.close").count() == 1
    assert Round.objects.get(pk=round_2026.pk).status == RoundStatus.CLOSED
    apply = _post(
        as_user(village_operator),
        f"{API}/",
        {"round_id": round_2026.pk, "title": "qualified_village", "unit_id": tree.village_1.pk},
    )
    assert apply.status_code == 409  # a closed round: a state conflict


def test_it_lists_a_rounds_spot_checks_for_the_county_only(
    as_user, county_officer, township_officer, tree, round_2026
):
    url = f"{API}/rounds/{round_2026.pk}/spot-checks"
    listing = as_user(county_officer).get(url).json()
    assert set(listing) == PAGE_KEYS and listing["count"] == 0
    assert as_user(township_officer).get(url).status_code == 403
    denied = AuditEvent.objects.filter(action="access.denied", actor=township_officer)
    assert denied.filter(result=Result.DENIED).exists()


def test_it_lists_an_assessments_evidence_within_the_subtree(
    as_user, village_operator, outsider, tree, round_2026
):
    assessment = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    client = as_user(village_operator)
    upload = SimpleUploadedFile("活动.png", PNG)
    assert client.post(f"{API}/{assessment.pk}/evidence", {"file": upload}).status_code == 201
    listing = client.get(f"{API}/{assessment.pk}/evidence").json()
    assert listing["count"] == 1 and listing["items"][0]["original_name"] == "活动.png"
    past = client.get(f"{API}/{assessment.pk}/evidence", {"page": 5}).json()
    assert (past["count"], past["page"], past["items"]) == (1, 5, [])
    assert as_user(outsider).get(f"{API}/{assessment.pk}/evidence").status_code == 404


def test_it_lists_carriers_and_categories_in_the_one_shape(as_user, village_operator, tree):
    client = as_user(village_operator)
    carriers = client.get("/api/v1/records/carriers").json()
    categories = client.get("/api/v1/members/categories").json()
    assert set(carriers) == set(categories) == PAGE_KEYS
    assert "生育关怀" in {c["name"] for c in carriers["items"]}
    assert "five_elders" in {c["code"] for c in categories["items"]}
    assert client.get("/api/v1/records/carriers", {"page": 99}).json()["items"] == []


def test_it_answers_an_empty_page_past_the_last_on_every_list(as_user, county_officer, tree):
    client = as_user(county_officer)
    for path in ("/api/v1/units/", f"/api/v1/members/units/{tree.village_1.pk}/members"):
        body = client.get(path, {"page": 1000}).json()
        assert body["page"] == 1000 and body["items"] == [] and body["pages"] >= 1


def test_it_takes_the_one_conflict_token_name_version_on_the_chains_moves(
    as_user, village_operator, tree, round_2026
):
    assessment = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    client = as_user(village_operator)
    url = f"{API}/{assessment.pk}/submit"
    assert _post(client, url, {"version": assessment.version + 1}).status_code == 409
    assert _post(client, url, {"expected_version": assessment.version + 1}).status_code == 409


def test_it_awards_in_bulk_with_the_versions_read_and_reports_the_rest(
    as_user, tree, round_2026, chain_personas, outsider
):
    from assessments.tests.helpers import chain_to_last_stage

    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    url = f"{API}/bulk-award"
    stale = {
        "items": [
            {"id": assessment.pk, "version": assessment.version - 1},
            {"id": 999999, "version": 1},
        ]
    }
    answer = _post(as_user(chain_personas.county), url, stale).json()
    assert answer["awarded"] == [] and answer["not_found"] == [999999]
    assert [r["id"] for r in answer["refused"]] == [assessment.pk]
    assert _post(as_user(outsider), url, stale).json()["not_found"] == [assessment.pk, 999999]
    fresh = {
        "items": [{"id": assessment.pk, "version": assessment.version}],
        "reason": "县协会研究",
    }
    assert _post(as_user(chain_personas.county), url, fresh).json()["awarded"] == [assessment.pk]


def test_it_downloads_the_printed_forms_and_the_certificate_within_the_subtree(
    as_user, tree, round_2026, chain_personas, outsider
):
    from assessments.tests.helpers import chain_to_last_stage

    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    county = as_user(chain_personas.county)
    reports = "/api/v1/reports"
    for form in ("sheet.pdf", "approval-form.pdf"):
        response = county.get(f"{reports}/assessments/{assessment.pk}/{form}")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response).startswith(b"%PDF")
        refused = as_user(outsider).get(f"{reports}/assessments/{assessment.pk}/{form}")
        assert refused.status_code == 404 and refused.json()["detail"]
    body = {"version": assessment.version, "award": True}
    assert _post(county, f"{API}/{assessment.pk}/decide", body).status_code == 200
    title_id = county.get(f"{API}/units/{tree.village_1.pk}/titles").json()["items"][0]["id"]
    certificate = county.get(f"{reports}/titles/{title_id}/certificate.pdf")
    assert certificate.status_code == 200 and b"".join(certificate).startswith(b"%PDF")
    listing = county.get(f"{reports}/rounds/{round_2026.pk}/qualified_village/commendation.xlsx")
    assert listing.status_code == 200 and b"".join(listing).startswith(b"PK")
