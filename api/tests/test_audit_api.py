"""The audit log through /api/v1/audit/: the audit page's events to the audit page's readers,
with its filters, the chain head for export, and no 500 for junk built from the schema."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from audit.models import AuditEvent, Result
from audit.services import current_head, record_event
from audit.tests.actions import SampleAction

EVENTS = "/api/v1/audit/events"
HEAD = "/api/v1/audit/head"


def _seqs(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["seq"] for item in response.json()["items"]}


def test_it_lists_a_county_officers_events_of_their_county_only(as_user, county_officer, tree):
    ours = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.village_1.pk)
    theirs = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.village_b.pk)
    client = as_user(county_officer)
    assert _seqs(client.get(EVENTS, {"action": "test."})) == {ours.seq}
    assert theirs.seq not in _seqs(client.get(EVENTS, {"page_size": 200}))


def test_it_answers_with_who_when_what_before_after_and_result(as_user, county_officer, tree):
    event = record_event(
        actor=county_officer,
        action=SampleAction.CHANGE,
        object_type="orgs.orgunit",
        object_id=tree.village_1.pk,
        object_label=tree.village_1.name,
        unit_id=tree.village_1.pk,
        before={"population": 2400},
        after={"population": 2500},
    )
    item = as_user(county_officer).get(EVENTS, {"action": "test.change"}).json()["items"][0]
    assert item["seq"] == event.seq
    assert item["actor_name"] == county_officer.username
    assert item["created_at"]
    assert (item["action"], item["object_id"], item["unit_id"]) == (
        "test.change",
        str(tree.village_1.pk),
        tree.village_1.pk,
    )
    assert (item["before"], item["after"], item["result"]) == (
        {"population": 2400},
        {"population": 2500},
        "ok",
    )
    assert item["hash"] == AuditEvent.objects.get(seq=event.seq).hash


def test_it_shows_the_events_of_the_readers_users_without_naming_a_foreign_unit(
    as_user, county_officer, township_officer, outsider, tree
):
    mine = record_event(actor=township_officer, action=SampleAction.USER, unit_id=tree.village_b.pk)
    foreign = record_event(actor=outsider, action=SampleAction.USER)
    items = as_user(county_officer).get(EVENTS, {"action": "test.user"}).json()["items"]
    assert [(i["seq"], i["unit_id"]) for i in items] == [(mine.seq, None)]
    assert foreign.seq not in {i["seq"] for i in items}


def test_it_shows_an_administrator_everything(as_user, administrator, tree):
    system = record_event(actor=None, action=SampleAction.SYSTEM)
    in_b = record_event(actor=None, action=SampleAction.UNIT, unit_id=tree.village_b.pk)
    assert _seqs(as_user(administrator).get(EVENTS, {"action": "test."})) == {system.seq, in_b.seq}


def test_it_filters_by_unit_user_result_and_date(
    as_user, county_officer, township_officer, village_operator, tree
):
    in_village = record_event(
        actor=township_officer, action=SampleAction.F, unit_id=tree.village_1.pk
    )
    record_event(actor=village_operator, action=SampleAction.F, unit_id=tree.village_3.pk)
    denied = record_event(
        actor=village_operator, action=SampleAction.F, unit_id=tree.group_3.pk, result=Result.DENIED
    )
    client = as_user(county_officer)
    assert _seqs(client.get(EVENTS, {"action": "test.f", "unit_id": tree.township_1.pk})) == {
        in_village.seq
    }
    assert _seqs(client.get(EVENTS, {"action": "test.f", "user": "township"})) == {in_village.seq}
    assert _seqs(client.get(EVENTS, {"action": "test.f", "result": "denied"})) == {denied.seq}
    assert _seqs(client.get(EVENTS, {"action": "test.f", "date_to": "2000-01-01"})) == set()


def test_it_answers_404_for_a_unit_filter_outside_the_subtree_and_records_it(
    as_user, county_officer, tree
):
    response = as_user(county_officer).get(EVENTS, {"unit_id": tree.village_b.pk})
    assert response.status_code == 404
    denial = AuditEvent.objects.filter(action="access.denied").first()
    assert (denial.actor_id, denial.result) == (county_officer.pk, Result.DENIED)


def test_it_explains_a_start_date_after_the_end_date(as_user, county_officer):
    response = as_user(county_officer).get(
        EVENTS, {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 422
    assert "date_to" in response.json()["errors"]


@pytest.mark.parametrize("persona", ["township_officer", "village_operator", "leader"])
def test_it_forbids_readers_without_an_audit_role_and_records_it(request, as_user, persona):
    user = request.getfixturevalue(persona)
    client = as_user(user)
    for path in (EVENTS, HEAD):
        assert client.get(path).status_code == 403
    denials = AuditEvent.objects.filter(action="access.denied", actor_id=user.pk)
    assert denials.count() == 2
    assert {d.after["requested"] for d in denials} == {"view_audit"}


def test_it_answers_401_without_credentials(tree):
    assert Client().get(EVENTS).status_code == 401
    assert Client().get(HEAD).status_code == 401


def test_it_exports_the_chain_head_as_the_command_prints_it(as_user, county_officer, tree):
    record_event(actor=None, action=SampleAction.HEAD)
    answer = as_user(county_officer).get(HEAD).json()
    seq, hash_ = current_head()
    assert answer == {"seq": seq, "hash": hash_, "exported": f"{seq}:{hash_}"}


def test_it_pages_the_events(as_user, administrator, tree):
    for _ in range(3):
        record_event(actor=None, action=SampleAction.PAGE)
    answer = as_user(administrator).get(EVENTS, {"action": "test.page", "page_size": 2}).json()
    assert (answer["count"], answer["pages"], len(answer["items"])) == (3, 2, 2)


JUNK = [None, -1, 0, 2**63, "x", "", "\x00", "四" * 200, "2026-13-40", "１２", "[]", "{}"]


def test_it_never_answers_500_to_junk_built_from_its_own_schema(as_user, county_officer, tree):
    client = as_user(county_officer)
    client.raise_request_exception = False
    schema = Client().get("/api/v1/openapi.json").json()
    seen = 0
    for template, operations in schema["paths"].items():
        if not template.startswith("/api/v1/audit"):
            continue
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            for name in names or [None]:
                for junk in JUNK:
                    query = {name: "" if junk is None else junk} if name else {}
                    path = f"{template}?{urlencode(query)}"
                    response = getattr(client, method)(path)
                    seen += 1
                    assert response.status_code < 500, (method, path, response.content[:200])
                    if response.status_code >= 400:
                        assert "detail" in json.loads(response.content), (method, path)
    assert seen > 80
