"""Standards through /api/v1/standards/: list, read, export as JSON (the import's own document)
and copy through standards.services; scoped as the standards pages are, and no 500 for junk
built from the schema."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from audit.models import AuditEvent, Result
from standards import services
from standards.defaults import shipped_standards
from standards.files import parse_standard
from standards.models import Item, Standard, TitleKind

API = "/api/v1/standards"


@pytest.fixture
def example(db):
    return shipped_standards()[TitleKind.QUALIFIED_VILLAGE]


@pytest.fixture
def own(tree, county_officer, example):
    return services.do_copy_standard(county_officer, example, unit=tree.county_a)


@pytest.fixture
def foreign(tree, example):
    """Another county's version of the same title."""
    return services.do_copy_standard(None, example, unit=tree.county_b)


def _denials(user, reason):
    return AuditEvent.objects.filter(
        action="access.denied", actor=user, result=Result.DENIED, after__reason=reason
    )


def test_it_lists_the_examples_and_the_callers_countys_versions(
    as_user, village_operator, own, foreign
):
    body = as_user(village_operator).get(f"{API}/", {"title": "qualified_village"}).json()
    assert [(s["version"], s["unit_id"]) for s in body["items"]] == [(1, own.unit_id), (0, None)]


def test_it_searches_names(as_user, township_officer, example):
    body = as_user(township_officer).get(f"{API}/", {"q": "五好"}).json()
    assert {s["title"] for s in body["items"]} == {"five_good_group"}


def test_it_shows_an_outsider_only_the_examples_and_their_own_countys(
    as_user, tree, outsider, own, foreign
):
    client = as_user(outsider)
    body = client.get(f"{API}/", {"page_size": 200}).json()
    assert {s["unit_id"] for s in body["items"]} == {None, tree.county_b.pk}
    assert client.get(f"{API}/{own.pk}").status_code == 404


def test_it_reads_a_standard_with_its_sections_items_and_chain(as_user, township_officer, example):
    body = as_user(township_officer).get(f"{API}/{example.pk}").json()
    assert (body["version"], body["is_example"], body["title_label"]) == (
        0,
        True,
        "Qualified village association",
    )
    assert "组织健全" in [s["name"] for s in body["sections"]]
    items = Item.objects.filter(section__standard=example).count()
    assert sum(len(s["items"]) for s in body["sections"]) == items
    assert [s["level"] for s in body["stages"]] == [s.level for s in example.ordered_stages()]


def test_it_answers_404_for_another_countys_standard_and_records_it(
    as_user, county_officer, foreign
):
    response = as_user(county_officer).get(f"{API}/{foreign.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert as_user(county_officer).get(f"{API}/{foreign.pk}/export").status_code == 404
    assert _denials(county_officer, "not_found").count() == 2


def test_it_exports_a_version_as_the_document_import_reads(as_user, county_officer, own):
    response = as_user(county_officer).get(f"{API}/{own.pk}/export")
    assert response.status_code == 200
    document = response.json()
    assert (document["title"], document["version"]) == ("qualified_village", 1)
    data, errors = parse_standard(document)
    assert errors == []
    assert len(data.sections) == own.sections.count()


def test_it_copies_a_standard_to_the_callers_county(as_user, tree, county_officer, example):
    response = as_user(county_officer).post(f"{API}/{example.pk}/copy", "{}", "application/json")
    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["unit_id"], body["based_on_id"]) == (
        1,
        tree.county_a.pk,
        example.pk,
    )
    assert AuditEvent.objects.filter(action="standards.standard.copy").exists()


def test_it_refuses_a_copy_by_a_township_officer_with_403(as_user, township_officer, example):
    response = as_user(township_officer).post(f"{API}/{example.pk}/copy", "{}", "application/json")
    assert response.status_code == 403
    assert _denials(township_officer, "forbidden").exists()
    assert Standard.objects.filter(title=example.title).count() == 1


def test_it_refuses_a_copy_kept_by_a_unit_the_caller_does_not_keep(
    as_user, tree, county_officer, example
):
    client = as_user(county_officer)
    other = client.post(
        f"{API}/{example.pk}/copy", json.dumps({"unit_id": tree.county_b.pk}), "application/json"
    )
    assert other.status_code == 404
    below = client.post(
        f"{API}/{example.pk}/copy", json.dumps({"unit_id": tree.township_1.pk}), "application/json"
    )
    assert below.status_code == 403
    assert Standard.objects.filter(title=example.title).count() == 1


def test_it_answers_401_without_credentials(example):
    assert Client().get(f"{API}/").status_code == 401


# Junk


JUNK = [None, True, 0, -1, 2**31, 2**63, 10**30, 1.5, "", "x", "\x00", "四" * 1000, [], {}]
JUNK_IDS = ["0", "-1", str(2**63), "x", "1.5"]


def test_it_never_answers_500_to_junk_built_from_its_own_schema(as_user, county_officer, own):
    client = as_user(county_officer)
    client.raise_request_exception = False
    schema = Client().get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    seen = 0
    for template, operations in schema["paths"].items():
        if not template.startswith(API):
            continue
        for method, operation in operations.items():
            send = getattr(client, method)
            query_params = [
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            ]
            requests = []
            for junk_id in [*JUNK_IDS, str(own.pk)]:
                path = template.replace("{standard_id}", junk_id)
                requests.append((path, None))
                for name in query_params:
                    for junk in JUNK:
                        query = urlencode({name: "" if junk is None else junk})
                        requests.append((f"{path}?{query}", None))
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                ref = content["application/json"]["schema"]["$ref"].split("/")[-1]
                path = template.replace("{standard_id}", str(own.pk))
                for name in components[ref]["properties"]:
                    requests += [(path, json.dumps({name: junk})) for junk in JUNK]
                requests += [(path, whole) for whole in ["", "{", "null", "[]"]]
            for path, body in requests:
                response = send(path, body, content_type="application/json") if body else send(path)
                seen += 1
                assert response.status_code < 500, (method, path, body, response.content[:300])
                if response.status_code >= 400:
                    assert "detail" in response.json(), (method, path, body)
    assert seen > 100
