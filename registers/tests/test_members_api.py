"""Members and posts through /api/v1/members/: reads and writes through the access helper, the
services' rules as 422 per field, 409 on a stale version, and no 500 for junk."""

import json

from django.test import Client

from audit.models import AuditEvent
from registers.models import Member, Post
from registers.tests.conftest import ID_SPARE, ID_WANG

BASE = "/api/v1/members"


def _send(client, method, path, data):
    return getattr(client, method)(path, json.dumps(data), content_type="application/json")


def test_it_lists_a_units_members_with_filters_and_pages(as_user, township_officer, tree, members):
    client = as_user(township_officer)
    everyone = client.get(f"{BASE}/units/{tree.township_1.pk}/members").json()
    assert everyone["count"] == 3
    page = client.get(
        f"{BASE}/units/{tree.township_1.pk}/members",
        {"category": "five_elders", "page_size": 1, "sort": "-join_date"},
    ).json()
    assert [m["name"] for m in page["items"]] == ["王建国"]
    assert page["items"][0]["categories"] == ["five_elders"]


def test_it_answers_404_for_another_villages_members(as_user, village_operator, tree, members):
    client = as_user(village_operator)
    assert client.get(f"{BASE}/units/{tree.village_3.pk}/members").status_code == 404
    assert client.get(f"{BASE}/{members.zhang.pk}").status_code == 404
    response = _send(client, "patch", f"{BASE}/{members.zhang.pk}", {"version": 1, "name": "x"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_it_answers_403_to_a_leader_who_writes(as_user, leader, tree, members):
    client = as_user(leader)
    assert client.get(f"{BASE}/{members.wang.pk}").status_code == 200
    response = _send(client, "patch", f"{BASE}/{members.wang.pk}", {"version": 1, "name": "x"})
    assert response.status_code == 403
    response = _send(client, "post", f"{BASE}/units/{tree.village_1.pk}/members", {"name": "x"})
    assert response.status_code == 403


def test_it_creates_a_member_and_records_the_event(as_user, village_operator, tree):
    response = _send(
        as_user(village_operator),
        "post",
        f"{BASE}/units/{tree.village_1.pk}/members",
        {
            "name": "孙丽",
            "id_number": ID_SPARE.lower(),
            "group_id": tree.group_1.pk,
            "categories": ["young_educated"],
            "join_date": "2024-03-01",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number"] == "430***************" and body["group_id"] == tree.group_1.pk
    assert AuditEvent.objects.filter(
        action="registers.member.create", object_id=str(body["id"])
    ).exists()


def test_it_answers_the_rules_per_field(as_user, village_operator, tree, members):
    response = _send(
        as_user(village_operator),
        "post",
        f"{BASE}/units/{tree.village_1.pk}/members",
        {
            "name": "王建国",
            "id_number": ID_WANG,
            "group_id": tree.group_2.pk,
            "categories": ["nope"],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"categories": ["Unknown recruitment category: nope"]}
    response = _send(
        as_user(village_operator),
        "post",
        f"{BASE}/units/{tree.village_1.pk}/members",
        {"name": "王建国", "id_number": ID_WANG},
    )
    assert response.json()["errors"] == {
        "id_number": ["This person is already registered in “李家村”."]
    }


def test_it_refuses_a_group_the_caller_cannot_see(as_user, village_operator, tree):
    response = _send(
        as_user(village_operator),
        "post",
        f"{BASE}/units/{tree.village_1.pk}/members",
        {"name": "甲", "group_id": tree.group_3.pk},
    )
    assert response.status_code == 404


def test_it_answers_409_to_a_stale_version(as_user, village_operator, members):
    client = as_user(village_operator)
    first = _send(
        client, "patch", f"{BASE}/{members.wang.pk}", {"version": 1, "occupation": "农民"}
    )
    assert first.json()["version"] == 2
    second = _send(client, "patch", f"{BASE}/{members.wang.pk}", {"version": 1, "occupation": "x"})
    assert second.status_code == 409
    assert "Someone else changed this member" in second.json()["detail"]
    assert Member.objects.get(pk=members.wang.pk).occupation == "农民"


def test_it_changes_the_status_with_its_rules(as_user, village_operator, members):
    client = as_user(village_operator)
    path = f"{BASE}/{members.wang.pk}/status"
    refused = _send(client, "post", path, {"status": "withdrawn", "date": "2024-01-01"})
    assert refused.status_code == 422 and "status_reason" in refused.json()["errors"]
    done = _send(
        client, "post", path, {"status": "withdrawn", "date": "2024-01-01", "reason": "不参加活动"}
    )
    assert done.json()["status"] == "withdrawn" and done.json()["status_reason"] == "不参加活动"


def test_it_transfers_only_within_the_callers_subtree(as_user, township_officer, tree, members):
    client = as_user(township_officer)
    path = f"{BASE}/{members.zhao.pk}/transfer"
    assert _send(client, "post", path, {"unit_id": tree.village_3.pk}).status_code == 404
    moved = _send(client, "post", path, {"unit_id": tree.village_2.pk})
    assert moved.json()["unit_id"] == tree.village_2.pk


def test_it_appoints_lists_and_ends_posts(as_user, village_operator, tree, members):
    client = as_user(village_operator)
    appointed = _send(
        client,
        "post",
        f"{BASE}/units/{tree.group_1.pk}/posts",
        {"kind": "group_leader", "start_date": "2024-01-01", "member_id": members.wang.pk},
    )
    assert appointed.status_code == 201, appointed.content
    listed = client.get(f"{BASE}/units/{tree.village_1.pk}/posts").json()
    assert [p["kind"] for p in listed["items"]] == ["group_leader"]
    assert [(g["unit_name"], g["kind"]) for g in listed["gaps"]] == [
        ("李家村", "president"),
        ("李家村", "secretary_general"),
        ("李家村", "council_member"),
        ("第二小组", "group_leader"),
    ]
    ended = _send(
        client, "post", f"{BASE}/posts/{appointed.json()['id']}/end", {"end_date": "2023-12-31"}
    )
    assert ended.status_code == 422
    assert ended.json()["errors"] == {
        "end_date": ["A term cannot end before it started (2024-01-01)."]
    }
    ended = _send(
        client, "post", f"{BASE}/posts/{appointed.json()['id']}/end", {"end_date": "2024-06-30"}
    )
    assert ended.json()["is_current"] is False


def test_it_refuses_a_second_president_over_the_api(as_user, village_operator, tree, members):
    client = as_user(village_operator)
    path = f"{BASE}/units/{tree.village_1.pk}/posts"
    body = {"kind": "president", "start_date": "2024-01-01", "member_id": members.wang.pk}
    assert _send(client, "post", path, body).status_code == 201
    again = _send(client, "post", path, {**body, "member_id": members.li.pk})
    assert again.status_code == 422 and "kind" in again.json()["errors"]
    assert Post.objects.count() == 1


def test_it_hides_posts_of_another_village(as_user, village_operator, tree):
    client = as_user(village_operator)
    assert client.get(f"{BASE}/units/{tree.village_3.pk}/posts").status_code == 404
    assert (
        _send(client, "post", f"{BASE}/posts/999999/end", {"end_date": "2024-01-01"}).status_code
        == 404
    )


JUNK = [None, True, 0, -1, 2**31, 2**63, 1.5, "", "x", "\x00", "四" * 300, [], {}, {"$ne": 1}]


def test_it_never_answers_500_to_junk_built_from_its_own_schema(
    as_user, county_officer, tree, members
):
    client = as_user(county_officer)
    client.raise_request_exception = False
    schema = Client().get("/api/v1/openapi.json").json()
    ids = {"unit_id": tree.village_1.pk, "member_id": members.wang.pk, "post_id": 1}
    seen = 0
    for template, operations in schema["paths"].items():
        if not template.startswith(BASE):
            continue
        for method, operation in operations.items():
            path = template
            for name, value in ids.items():
                path = path.replace("{" + name + "}", str(value))
            queries = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            requests = [(path, {}, None)]
            requests += [(path, {q: "" if j is None else j}, None) for q in queries for j in JUNK]
            for junk_id in (0, -1, 2**63, "x"):
                junk_path = template
                for name in ids:
                    junk_path = junk_path.replace("{" + name + "}", str(junk_id))
                requests.append((junk_path, {}, None))
            body = operation.get("requestBody")
            if body:
                ref = body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
                fields = schema["components"]["schemas"][ref]["properties"]
                requests += [(path, {}, {f: j}) for f in fields for j in JUNK]
                requests += [(path, {}, w) for w in ["", "{", "null", "[]", '{"a": {"b": 1}}']]
            for url, query, data in requests:
                send = getattr(client, method)
                if data is None:
                    response = send(url, query) if method == "get" else send(url)
                else:
                    raw = data if isinstance(data, str) else json.dumps(data)
                    response = send(url, raw, content_type="application/json")
                seen += 1
                assert response.status_code < 500, (method, url, query, data)
                if response.status_code >= 400:
                    assert "detail" in response.json(), (method, url, data)
    assert seen > 300
