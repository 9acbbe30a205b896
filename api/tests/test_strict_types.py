"""Every write endpoint takes its fields at their declared types only: "x", 123, null, [1] or
true where another type is declared answers 422 naming the field, with a Chinese message, and
changes nothing (issue 16: an inclusion item sent as "x" answered 200 and wiped its date)."""

import json
import re
from datetime import date

import pytest
from django.test import Client

from audit.models import AuditEvent
from registers.models import AssociationProfile, InclusionRecord
from registers.services import do_save_inclusion, do_save_profile

YEAR = 2025
CHINESE = re.compile(r"[\u4e00-\u9fff]")
WRONG = {
    "boolean": ["x", 123, 1, [1], "true", {}],
    "integer": ["x", True, 1.5, "5", [1], {}],
    "number": [True, [1], {}],
    "date": [123, 0, True, [1], {}],
    "string": [123, True, [1], {}],
    "object": ["x", 123, [1], True],
    "array": ["x", 123, True, {}],
}


def _send(client, method, path, body):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def _kind(prop: dict, components: dict) -> str | None:
    """The declared JSON type of a body property (None: a null is its only other choice)."""
    options = prop.get("anyOf", [prop])
    kinds = []
    for option in options:
        if "$ref" in option:
            target = components[option["$ref"].rsplit("/", 1)[-1]]
            kinds.append("object" if target.get("type") == "object" else target.get("type"))
        elif option.get("format") == "date":
            kinds.append("date")
        elif option.get("type") not in (None, "null"):
            kinds.append(option["type"])
    kinds = [k for k in kinds if k]
    return kinds[0] if len(set(kinds)) == 1 else None


def _write_fields():
    """(method, path, field, declared kind) for every JSON body field of every write."""
    schema = Client().get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            body = content["application/json"]["schema"]
            body = components[body["$ref"].rsplit("/", 1)[-1]] if "$ref" in body else body
            path = re.sub(r"\{[^}]+\}", "1", template)
            if "{year}" in template:
                path = re.sub(r"/1$", f"/{YEAR}", path)
            for name, prop in body.get("properties", {}).items():
                kind = _kind(prop, components)
                if kind in WRONG:
                    yield method, path, name, kind


@pytest.mark.django_db
def test_it_refuses_a_wrong_type_in_every_field_of_every_write(as_user, administrator, tree):
    client = as_user(administrator, language="zh-hans")
    fields = list(_write_fields())
    assert len({(m, p) for m, p, _n, _k in fields}) >= 30  # every write endpoint, not a few
    events = AuditEvent.objects.count()
    for method, path, name, kind in fields:
        for junk in WRONG[kind]:
            response = _send(client, method, path, {name: junk})
            assert response.status_code == 422, (method, path, name, junk, response.content)
            messages = response.json()["errors"].get(name)
            assert messages, (method, path, name, junk, response.json())
            assert CHINESE.search(messages[0]), messages
    assert AuditEvent.objects.count() == events


def _inclusion_url(tree):
    return f"/api/v1/records/inclusion/{tree.township_1.pk}/{YEAR}"


@pytest.fixture
def saved_inclusion(tree):
    entry = {"achieved": True, "date": date(2025, 3, 1), "note": "书记抓"}
    do_save_inclusion(None, tree.township_1, YEAR, {"agenda": entry})


def _inclusion_rows(tree):
    return list(
        InclusionRecord.objects.filter(township=tree.township_1).values(
            "item", "achieved", "date", "note", "version"
        )
    )


@pytest.mark.parametrize("junk", ["x", 123, None, [1], True])
def test_it_refuses_an_inclusion_item_of_the_wrong_type_and_keeps_it(
    as_user, township_officer, tree, saved_inclusion, junk
):
    before = _inclusion_rows(tree)
    body = {"version": 1, "items": {"agenda": junk}}
    response = _send(as_user(township_officer, "zh-hans"), "put", _inclusion_url(tree), body)
    assert response.status_code == 422
    assert CHINESE.search(response.json()["errors"]["items.agenda"][0])
    assert _inclusion_rows(tree) == before


@pytest.mark.parametrize(
    ("field", "junk"), [("achieved", "x"), ("achieved", 1), ("date", 0), ("note", 5)]
)
def test_it_refuses_an_inclusion_entry_field_of_the_wrong_type(
    as_user, township_officer, tree, saved_inclusion, field, junk
):
    before = _inclusion_rows(tree)
    body = {"version": 1, "items": {"agenda": {"achieved": True, field: junk}}}
    response = _send(as_user(township_officer), "put", _inclusion_url(tree), body)
    assert response.status_code == 422
    assert f"items.agenda.{field}" in response.json()["errors"]
    assert _inclusion_rows(tree) == before


def test_it_refuses_a_stale_inclusion_save_with_409_and_keeps_the_other(
    as_user, township_officer, tree, saved_inclusion
):
    client = as_user(township_officer)
    read = client.get(_inclusion_url(tree)).json()["version"]
    first = {"version": read, "items": {"agenda": {"achieved": True, "note": "先到"}}}
    assert _send(client, "put", _inclusion_url(tree), first).status_code == 200
    before = _inclusion_rows(tree)
    late = {"version": read, "items": {"agenda": {"achieved": False, "note": "后到"}}}
    response = _send(client, "put", _inclusion_url(tree), late)
    assert response.status_code == 409 and response.json()["detail"]
    assert _inclusion_rows(tree) == before and before[0]["note"] == "先到"


def test_it_refuses_a_stale_inclusion_save_on_the_page(login, township_officer, tree):
    from django.urls import reverse

    url = reverse("registers:inclusion_checklist", args=[tree.township_1.pk])
    do_save_inclusion(None, tree.township_1, YEAR, {"agenda": {"achieved": True, "note": "先到"}})
    page = login(township_officer).post(
        url, {"year": YEAR, "version": 0, "agenda-achieved": "on", "agenda-note": "后到"}
    )
    assert page.status_code == 200 and 'name="version" value="1"' in page.content.decode()
    assert InclusionRecord.objects.get(township=tree.township_1, item="agenda").note == "先到"


def _profile_url(tree):
    return f"/api/v1/records/profiles/{tree.village_1.pk}/{YEAR}"


@pytest.mark.parametrize("junk", ["x", 123, None, [1], True])
def test_it_refuses_a_profile_checklist_entry_of_the_wrong_type_and_keeps_it(
    as_user, village_operator, tree, junk
):
    do_save_profile(None, tree.village_1, YEAR, 0, checklist={"roster": {"present": True}})
    before = list(AssociationProfile.objects.values())
    body = {"version": 1, "checklist": {"roster": junk}}
    response = _send(as_user(village_operator, "zh-hans"), "put", _profile_url(tree), body)
    assert response.status_code == 422
    assert CHINESE.search(response.json()["errors"]["checklist.roster"][0])
    assert list(AssociationProfile.objects.values()) == before


def test_it_refuses_a_stale_profile_save_with_409(as_user, village_operator, tree):
    do_save_profile(None, tree.village_1, YEAR, 0, has_venue=True)
    before = list(AssociationProfile.objects.values())
    response = _send(as_user(village_operator), "put", _profile_url(tree), {"version": 0})
    assert response.status_code == 409
    assert list(AssociationProfile.objects.values()) == before
