"""The association tree through /api/v1/units/: reads, writes with their audit events, the model's
rules as 422 per field, and no 500 for anything a client can send."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from audit.models import AuditEvent
from orgs.models import OrgUnit, Status
from orgs.services import do_retire_unit

UNITS = "/api/v1/units/"


def _post(client, path, data):
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(path, body, content_type="application/json")


def _patch(client, path, data):
    return client.patch(path, json.dumps(data), content_type="application/json")


def _events(action, unit):
    return AuditEvent.objects.filter(action=action, object_id=str(unit.pk))


# Reading


def test_it_lists_the_callers_top_units(as_user, township_officer, tree):
    response = as_user(township_officer).get(UNITS)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [tree.township_1.pk]


def test_it_searches_by_name_and_division_code_only_within_the_subtree(
    as_user, county_officer, tree
):
    client = as_user(county_officer)
    by_code = client.get(UNITS, {"q": "4301211002"}).json()["items"]
    assert {item["name"] for item in by_code} == {"李家村", "王庄村"}
    # 刘家村 lies in the other county.
    assert client.get(UNITS, {"q": "刘家村"}).json()["count"] == 0


def test_it_pages_through_results(as_user, county_officer, tree):
    client = as_user(county_officer)
    # 李家村, 王庄村, 张湾村 and 李家村进城小组; 刘家村 is in the other county.
    first = client.get(UNITS, {"q": "村", "page_size": 3}).json()
    last = client.get(UNITS, {"q": "村", "page_size": 3, "page": 2}).json()
    assert (first["count"], first["pages"], len(first["items"])) == (4, 2, 3)
    assert (last["page"], len(last["items"])) == (2, 1)
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in last["items"])
    # Past the last page: an empty page under the number asked for (issue 16), so that a client
    # paging until an empty page stops.
    past = client.get(UNITS, {"q": "村", "page_size": 3, "page": 9}).json()
    assert (past["page"], past["pages"], past["items"]) == (9, 2, [])


def test_it_refuses_a_page_size_over_the_limit(as_user, county_officer):
    response = as_user(county_officer).get(UNITS, {"page_size": 201})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["page_size"]


def test_it_gets_a_unit(as_user, township_officer, tree):
    response = as_user(township_officer).get(f"{UNITS}{tree.village_1.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["level"], body["parent_id"]) == ("李家村", 5, tree.township_1.pk)
    assert (body["division_code"], body["is_key_village"]) == ("430121100201", True)


def test_it_lists_children_and_shows_retired_ones_only_when_asked(as_user, township_officer, tree):
    do_retire_unit(None, tree.village_2, "并村")
    client = as_user(township_officer)
    path = f"{UNITS}{tree.township_1.pk}/children"
    assert [i["name"] for i in client.get(path).json()["items"]] == ["李家村"]
    with_retired = client.get(path, {"include_retired": "true"}).json()["items"]
    assert {(i["name"], i["status"]) for i in with_retired} == {
        ("李家村", "active"),
        ("王庄村", "retired"),
    }


def test_it_answers_an_unknown_unit_with_a_json_404(as_user, county_officer):
    response = as_user(county_officer).get(f"{UNITS}999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# Writing, each with its audit event


def test_it_creates_a_village_and_records_the_event(as_user, township_officer, tree):
    response = _post(
        as_user(township_officer),
        UNITS,
        {
            "parent_id": tree.township_1.pk,
            "name": " 新  村 ",
            "category": "village",
            "division_code": "430121100203",
            "population": 900,
            "households": 300,
        },
    )
    assert response.status_code == 201
    unit = OrgUnit.objects.get(pk=response.json()["id"])
    assert (unit.name, unit.level, unit.township_id) == ("新 村", 5, tree.township_1.pk)
    event = _events("orgs.unit.create", unit).get()
    assert event.actor_id == township_officer.pk
    assert event.after["division_code"] == "430121100203"


def test_it_creates_an_urban_branch_group_with_its_home_village(as_user, county_officer, tree):
    response = _post(
        as_user(county_officer),
        UNITS,
        {
            "parent_id": tree.urban_branch.pk,
            "name": "王庄村进城小组",
            "home_village_id": tree.village_2.pk,
        },
    )
    assert response.status_code == 201
    assert response.json()["level"] == 6
    assert response.json()["home_village_id"] == tree.village_2.pk


def test_it_refuses_a_branch_group_without_its_home_village(as_user, county_officer, tree):
    response = _post(
        as_user(county_officer), UNITS, {"parent_id": tree.urban_branch.pk, "name": "无家小组"}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["home_village_id"]


def test_it_refuses_a_home_village_outside_the_subtree(as_user, county_officer, tree):
    response = _post(
        as_user(county_officer),
        UNITS,
        {
            "parent_id": tree.urban_branch.pk,
            "name": "外县小组",
            "home_village_id": tree.village_b.pk,
        },
    )
    assert response.status_code == 404
    assert not OrgUnit.objects.filter(name="外县小组").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"division_code": "43012110020"}, "division_code"),  # 11 digits for a village
        ({"division_code": "430121100202"}, "division_code"),  # 王庄村's
        ({"division_code": "430121100203", "category": "town"}, "category"),  # a township's
        ({"division_code": "430121100203", "households": 5, "population": 4}, "households"),
    ],
    ids=["code-length", "duplicate-code", "category-for-level", "households-over-population"],
)
def test_it_refuses_what_the_unit_rules_refuse_field_by_field(
    as_user, township_officer, tree, fields, field
):
    payload = {"parent_id": tree.township_1.pk, "name": "新村", "category": "village", **fields}
    response = _post(as_user(township_officer), UNITS, payload)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The data is not valid."
    assert list(body["errors"]) == [field]
    assert not OrgUnit.objects.filter(name="新村").exists()


def test_it_refuses_a_group_under_a_township_that_is_not_an_urban_branch(
    as_user, county_officer, tree
):
    response = _post(
        as_user(county_officer), f"{UNITS}{tree.group_1.pk}/move", {"parent_id": tree.township_1.pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "parent_id": ["A group sits under a village, or directly under an urban branch."]
    }
    tree.group_1.refresh_from_db()
    assert tree.group_1.parent_id == tree.village_1.pk


def test_it_updates_only_the_fields_sent_and_records_what_changed(as_user, township_officer, tree):
    response = _patch(
        as_user(township_officer), f"{UNITS}{tree.village_1.pk}", {"population": 2500}
    )
    assert response.status_code == 200
    assert (response.json()["population"], response.json()["households"]) == (2500, 700)
    event = _events("orgs.unit.update", tree.village_1).get()
    assert (event.before, event.after) == ({"population": 2400}, {"population": 2500})


def test_it_refuses_null_for_a_field_that_cannot_be_empty(as_user, township_officer, tree):
    response = _patch(
        as_user(township_officer), f"{UNITS}{tree.village_1.pk}", {"name": None, "population": None}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["name"]
    assert not _events("orgs.unit.update", tree.village_1).exists()


def test_it_moves_a_village_with_its_groups_and_records_the_event(as_user, county_officer, tree):
    response = _post(
        as_user(county_officer),
        f"{UNITS}{tree.village_1.pk}/move",
        {"parent_id": tree.township_2.pk},
    )
    assert response.status_code == 200
    assert response.json()["parent_id"] == tree.township_2.pk
    assert set(OrgUnit.objects.filter(township=tree.township_2).values_list("name", flat=True)) >= {
        "李家村",
        "第一小组",
        "第二小组",
    }
    event = _events("orgs.unit.move", tree.village_1).get()
    assert event.after == {"parent": tree.township_2.pk, "units_moved": 3}


def test_it_retires_a_unit_with_its_subtree_and_refuses_it_twice(as_user, township_officer, tree):
    client = as_user(township_officer)
    path = f"{UNITS}{tree.village_1.pk}/retire"
    response = _post(client, path, {"reason": "并入王庄村"})
    assert (response.status_code, response.json()["status"]) == (200, "retired")
    assert not OrgUnit.objects.filter(village=tree.village_1, status=Status.ACTIVE).exists()
    assert _events("orgs.unit.retire", tree.village_1).get().after["units_retired"] == 3
    again = _post(client, path, {"reason": "again"})
    assert again.status_code == 409  # the unit's state refuses it (one status rule)
    assert list(again.json()["errors"]) == ["__all__"]


def test_it_reinstates_a_retired_unit(as_user, township_officer, tree):
    do_retire_unit(None, tree.village_2, "并村")
    response = as_user(township_officer).post(f"{UNITS}{tree.village_2.pk}/reinstate")
    assert (response.status_code, response.json()["status"]) == (200, "active")
    assert _events("orgs.unit.reinstate", tree.village_2).exists()


def test_it_deletes_a_leaf_but_not_a_unit_with_units_below(as_user, township_officer, tree):
    client = as_user(township_officer)
    assert client.delete(f"{UNITS}{tree.village_2.pk}").status_code == 204
    assert not OrgUnit.objects.filter(pk=tree.village_2.pk).exists()
    assert AuditEvent.objects.filter(action="orgs.unit.delete", object_id=str(tree.village_2.pk))
    refused = client.delete(f"{UNITS}{tree.village_1.pk}")
    assert refused.status_code == 422
    assert OrgUnit.objects.filter(pk=tree.village_1.pk).exists()


def test_it_answers_a_write_that_loses_a_race_with_409(
    as_user, township_officer, tree, monkeypatch
):
    """The code check passed, then a concurrent write took the code: the database says no."""
    monkeypatch.setattr(OrgUnit, "full_clean", lambda self, *a, **k: None)
    response = _post(
        as_user(township_officer),
        UNITS,
        {"parent_id": tree.township_1.pk, "name": "抢号村", "category": "village"}
        | {"division_code": tree.village_2.division_code},
    )
    assert response.status_code == 409
    assert set(response.json()) == {"detail"}
    assert not OrgUnit.objects.filter(name="抢号村").exists()


# Bad input: 400 or 422 with a reason, never 500


def test_it_answers_a_body_that_is_not_json_with_400(as_user, township_officer, tree):
    response = _post(as_user(township_officer), UNITS, '{"parent_id": ')
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The data is not valid.",
        "errors": {"__all__": ["Enter a valid JSON."]},
    }


@pytest.mark.parametrize("body", ["null", "[]", '"text"', "42"])
def test_it_answers_a_body_that_is_not_an_object_with_400(as_user, township_officer, tree, body):
    response = _post(as_user(township_officer), f"{UNITS}{tree.village_1.pk}/retire", body)
    assert response.status_code == 400
    assert OrgUnit.objects.get(pk=tree.village_1.pk).status == Status.ACTIVE


def test_it_answers_wrong_types_with_422_and_a_message_per_field(as_user, township_officer, tree):
    response = _post(
        as_user(township_officer),
        UNITS,
        {"parent_id": "one", "name": {"a": 1}, "population": -5, "is_key_village": "perhaps"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "parent_id": ["Enter a whole number."],
        "name": ["Enter a valid value."],
        "population": ["Ensure this value is greater than or equal to 0."],
        "is_key_village": ["“perhaps” value must be either True or False."],
    }


def test_it_translates_error_details_into_chinese(as_user, township_officer):
    response = as_user(township_officer, language="zh-hans").get(f"{UNITS}999999")
    assert response.json() == {"detail": "未找到。"}
    bad = as_user(township_officer, language="zh-hans").get(UNITS, {"page": "x"})
    assert bad.json()["errors"] == {"page": ["输入整数。"]}


JUNK = [
    None,
    True,
    0,
    -1,
    2**31,
    2**63,
    10**30,
    1.5,
    "",
    "x",
    "\x00",
    "四" * 1000,
    "１２",
    [],
    [None],
    {},
    {"$ne": 1},
]


def _junk_requests(schema, unit_id):
    """Requests built from the OpenAPI schema: every parameter and body field given junk."""
    components = schema["components"]["schemas"]
    for template, operations in schema["paths"].items():
        if not template.startswith("/api/v1/units"):
            continue  # the members and records routers have junk tests of their own
        for method, operation in operations.items():
            path_params = [p for p in operation.get("parameters", []) if p["in"] == "path"]
            query_params = [
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            ]
            for junk_id in [unit_id, 0, -1, 2**63, "x", "1.5"] if path_params else [None]:
                path = template.replace("{unit_id}", str(junk_id))
                yield method, path, {}, None
                for name in query_params:
                    for junk in JUNK:
                        yield method, path, {name: junk if junk is not None else ""}, None
            body = operation.get("requestBody")
            if not body:
                continue
            ref = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
            fields = components[ref]["properties"]
            path = template.replace("{unit_id}", str(unit_id))
            for name in fields:
                for junk in JUNK:
                    yield method, path, {}, {name: junk}
            for whole in ["", "{", "null", "[]", "[{}]", '{"a": {"b": {"c": [1, {"d": null}]}}}']:
                yield method, path, {}, whole


def test_it_never_answers_500_to_junk_built_from_its_own_schema(as_user, county_officer, tree):
    client = as_user(county_officer)
    client.raise_request_exception = False
    schema = Client().get("/api/v1/openapi.json").json()
    seen = 0
    for method, path, query, body in _junk_requests(schema, tree.village_1.pk):
        if query:
            path = f"{path}?{urlencode(query, doseq=True)}"
        data = body if isinstance(body, str) or body is None else json.dumps(body)
        send = getattr(client, method)
        response = send(path, data, content_type="application/json") if data else send(path)
        seen += 1
        assert response.status_code < 500, (method, path, body, response.content[:200])
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/json; charset=utf-8", (method, path)
            assert "detail" in response.json(), (method, path, body)
    assert seen > 300


def test_it_publishes_an_openapi_schema_listing_every_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if path.startswith("/api/v1/units")
    }
    assert {path.split("/")[3] for path in schema["paths"]} == {
        "units",
        "members",
        "records",
        "assessments",
        "figures",
        "campaigns",
        "standards",
        "audit",
        "reports",
        "imports",
        "selections",
        "plan-levels",
    }
    assert operations == {
        ("GET", "/api/v1/units/"),
        ("POST", "/api/v1/units/"),
        ("GET", "/api/v1/units/{unit_id}"),
        ("PATCH", "/api/v1/units/{unit_id}"),
        ("DELETE", "/api/v1/units/{unit_id}"),
        ("GET", "/api/v1/units/{unit_id}/children"),
        ("POST", "/api/v1/units/{unit_id}/move"),
        ("POST", "/api/v1/units/{unit_id}/retire"),
        ("POST", "/api/v1/units/{unit_id}/reinstate"),
    }
    assert set(schema["components"]["securitySchemes"]) == {
        "BearerToken",
        "HeaderToken",
        "SessionAuth",
    }
