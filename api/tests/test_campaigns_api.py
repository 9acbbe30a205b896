"""The campaign frame through /api/v1/campaigns/: campaigns and targets, township targets, the
survey, plans (read, draft, submit, approve, return) and pilots (list, add, remove), each write
through campaigns.services with its audit event; scoped as the campaign pages are, and no 500 for
junk built from the schema."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from audit.models import AuditEvent, Result
from campaigns.models import CreationPlan, Pilot, PlanStatus, SurveyEntry, TownshipTarget
from campaigns.services import do_create_campaign, do_save_plan_draft, do_submit_plan

API = "/api/v1/campaigns"


@pytest.fixture
def campaign(tree, county_officer):
    return do_create_campaign(
        county_officer, tree.county_a, name="三联创 2026–2030", first_year=2026
    )


def _send(client, path, data=None, method="post"):
    return getattr(client, method)(path, json.dumps(data or {}), content_type="application/json")


def _township(campaign, township, rest=""):
    return f"{API}/{campaign.pk}/townships/{township.pk}{rest}"


def _denials(user, reason):
    return AuditEvent.objects.filter(
        action="access.denied", actor=user, result=Result.DENIED, after__reason=reason
    )


@pytest.fixture
def submitted(campaign, tree, township_officer):
    do_save_plan_draft(
        township_officer,
        campaign,
        tree.township_1,
        {tree.village_1.pk: (2026, 2028), tree.village_2.pk: (2027, None)},
    )
    return do_submit_plan(township_officer, campaign, tree.township_1, note="请审批")


# Campaigns and targets


def test_it_lists_the_callers_campaigns(as_user, campaign, county_officer, township_officer):
    assert [c["id"] for c in as_user(county_officer).get(f"{API}/").json()["items"]] == [
        campaign.pk
    ]
    # The county's campaign, above the township officer: listed, read through the township.
    body = as_user(township_officer).get(f"{API}/").json()["items"]
    assert [(c["id"], c["first_class_base_label"]) for c in body] == [
        (campaign.pk, "of all villages")
    ]


def test_it_reads_a_campaign_with_the_plans_default_targets(as_user, campaign, county_officer):
    body = as_user(county_officer).get(f"{API}/{campaign.pk}").json()
    assert (body["first_year"], body["last_year"]) == (2026, 2030)
    assert (body["five_good_share"], body["qualified_share"], body["first_class_share"]) == (
        "50.0",
        "80.0",
        "25.0",
    )


def test_it_answers_the_campaigns_targets_and_each_townships(
    as_user, campaign, tree, county_officer
):
    TownshipTarget.objects.create(campaign=campaign, township=tree.township_2, qualified_share=70)
    body = as_user(county_officer).get(f"{API}/{campaign.pk}/targets", {"year": 2027}).json()
    assert body["year"] == 2027
    first_class = next(a for a in body["attainments"] if a["indicator"] == "first_class_villages")
    assert first_class["base_label"] == "of all villages"
    townships = {row["township_name"]: row for row in body["townships"]}
    assert set(townships) == {"青山镇", "河口乡"}  # not the urban branch
    assert townships["河口乡"]["own_qualified_share"] == "70.0"
    assert townships["河口乡"]["targets"]["qualified_share"] == "70.0"
    assert townships["青山镇"]["targets"]["qualified_share"] == "80.0"


def test_it_hides_the_campaign_page_from_a_township_officer(
    as_user, campaign, township_officer, outsider
):
    for user in (township_officer, outsider):
        assert as_user(user).get(f"{API}/{campaign.pk}").status_code == 404
        assert as_user(user).get(f"{API}/{campaign.pk}/targets").status_code == 404
    assert as_user(outsider).get(f"{API}/").json()["items"] == []


def test_it_sets_a_townships_targets_through_the_service(as_user, campaign, tree, county_officer):
    response = _send(
        as_user(county_officer),
        _township(campaign, tree.township_1, "/targets"),
        {"qualified_share": "85"},
        "put",
    )
    assert response.status_code == 200
    assert response.json()["targets"]["qualified_share"] == "85.0"
    assert response.json()["targets"]["five_good_share"] == "50.0"
    assert AuditEvent.objects.filter(action="campaigns.township_target.set").exists()


def test_it_lets_only_the_county_set_township_targets(as_user, campaign, tree, township_officer):
    response = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, "/targets"),
        {"qualified_share": "10"},
        "put",
    )
    assert response.status_code == 404  # the campaign's organiser lies above the township
    assert not TownshipTarget.objects.exists()


# A township


def test_it_reads_the_township_with_its_targets_and_plan(as_user, campaign, tree, township_officer):
    body = as_user(township_officer).get(_township(campaign, tree.township_1)).json()
    assert (body["township_name"], body["plan_status"], body["keeps_township"]) == (
        "青山镇",
        None,
        True,
    )
    assert {a["indicator"] for a in body["attainments"]} == {
        "five_good_groups",
        "qualified_villages",
        "first_class_villages",
    }


def test_it_shows_a_township_officer_only_their_township(as_user, campaign, tree, township_officer):
    client = as_user(township_officer)
    for rest in ("", "/survey", "/plan", "/pilots"):
        assert client.get(_township(campaign, tree.township_1, rest)).status_code == 200
        other = client.get(_township(campaign, tree.township_2, rest))
        assert other.status_code == 404
        assert "河口乡" not in other.content.decode()
    assert _denials(township_officer, "not_found").count() == 4


def test_it_answers_404_for_an_urban_branch_and_a_unit_outside_the_campaign(
    as_user, campaign, tree, county_officer, outsider
):
    assert as_user(county_officer).get(_township(campaign, tree.urban_branch)).status_code == 404
    assert as_user(outsider).get(_township(campaign, tree.township_b)).status_code == 404


def test_it_reads_the_prefilled_survey(as_user, campaign, tree, township_officer):
    lines = as_user(township_officer).get(_township(campaign, tree.township_1, "/survey")).json()
    assert [(line["village_name"], line["standing"], line["saved"]) for line in lines] == [
        ("李家村", "none", False),
        ("王庄村", "none", False),
    ]


def test_it_saves_the_prefilled_survey_and_an_edited_line(
    as_user, campaign, tree, township_officer
):
    client = as_user(township_officer)
    saved = _send(client, _township(campaign, tree.township_1, "/survey/save"))
    assert saved.status_code == 200
    assert [line["saved"] for line in saved.json()] == [True, True]
    assert AuditEvent.objects.filter(action="campaigns.survey.save").exists()
    edited = _send(
        client,
        _township(campaign, tree.township_1, f"/survey/{tree.village_2.pk}"),
        {"standing": "qualified", "gaps": "缺少活动记录"},
        "put",
    )
    assert edited.status_code == 200
    line = next(x for x in edited.json() if x["village_id"] == tree.village_2.pk)
    assert (line["standing"], line["gaps"]) == ("qualified", "缺少活动记录")
    assert AuditEvent.objects.filter(action="campaigns.survey.update").exists()


def test_it_answers_the_surveys_message_for_an_unknown_standing(
    as_user, campaign, tree, township_officer
):
    response = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, f"/survey/{tree.village_1.pk}"),
        {"standing": "excellent"},
        "put",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"standing": ["Choose the village's current standing."]}


def test_it_keeps_the_survey_from_the_county_and_other_townships(
    as_user, campaign, tree, county_officer, township_officer
):
    county = _send(as_user(county_officer), _township(campaign, tree.township_1, "/survey/save"))
    assert county.status_code == 403
    foreign_village = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, f"/survey/{tree.village_3.pk}"),
        {"standing": "qualified"},
        "put",
    )
    assert foreign_village.status_code == 404
    assert not SurveyEntry.objects.exists()


# Plans


def test_it_saves_a_draft_and_answers_the_checks(as_user, campaign, tree, township_officer):
    response = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, "/plan"),
        {"entries": [{"village_id": tree.village_1.pk, "first_class_year": 2027}]},
        "put",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft"
    line = next(e for e in body["entries"] if e["village_id"] == tree.village_1.pk)
    assert (line["qualified_year"], line["first_class_year"]) == (None, 2027)
    assert any(f["severity"] == "error" for f in body["findings"])  # first-class without qualified
    assert AuditEvent.objects.filter(action="campaigns.plan.save_draft").exists()


def test_it_answers_422_with_the_services_message(as_user, campaign, tree, township_officer):
    response = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, "/plan"),
        {"entries": [{"village_id": tree.village_3.pk, "qualified_year": 2027}]},
        "put",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"__all__": ["A village is not in this township."]}


def test_it_keeps_plans_from_a_village_operator(as_user, campaign, tree, village_operator):
    """The township lies outside the operator's village: 404, as on the pages; nothing saved."""
    response = _send(
        as_user(village_operator),
        _township(campaign, tree.township_1, "/plan"),
        {"entries": [{"village_id": tree.village_1.pk, "qualified_year": 2027}]},
        "put",
    )
    assert response.status_code == 404
    assert not CreationPlan.objects.exists()


def test_it_refuses_the_county_and_a_leader_editing_a_township_plan_with_403(
    as_user, campaign, tree, county_officer, leader
):
    for user in (county_officer, leader):
        response = _send(
            as_user(user),
            _township(campaign, tree.township_1, "/plan"),
            {"entries": [{"village_id": tree.village_1.pk, "qualified_year": 2027}]},
            "put",
        )
        assert response.status_code == 403
        assert _denials(user, "forbidden").exists()
    assert not CreationPlan.objects.exists()


def test_it_submits_a_plan_as_a_new_version(as_user, campaign, tree, township_officer):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (2026, 2028)}
    )
    response = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, "/plan/submit"),
        {"note": "请审批"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["status"], body["note"]) == (1, "submitted", "请审批")
    assert [e["village_name"] for e in body["entries"]] == ["李家村"]
    assert AuditEvent.objects.filter(action="campaigns.plan.submit").exists()


def test_it_refuses_a_submission_with_errors(as_user, campaign, tree, township_officer):
    do_save_plan_draft(
        township_officer, campaign, tree.township_1, {tree.village_1.pk: (None, 2027)}
    )
    response = _send(
        as_user(township_officer), _township(campaign, tree.township_1, "/plan/submit")
    )
    assert response.status_code == 422
    assert not CreationPlan.objects.get().versions.exists()


def test_it_refuses_a_draft_while_the_county_decides(
    as_user, submitted, campaign, tree, township_officer
):
    response = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, "/plan"),
        {"entries": [{"village_id": tree.village_2.pk, "qualified_year": 2028}]},
        "put",
    )
    assert response.status_code == 422
    assert (
        as_user(township_officer)
        .get(_township(campaign, tree.township_1, "/plan"))
        .json()["editable"]
        is False
    )


def test_it_reads_a_version(as_user, submitted, campaign, tree, county_officer):
    body = (
        as_user(county_officer).get(_township(campaign, tree.township_1, "/plan/versions/1")).json()
    )
    assert {e["village_name"]: e["qualified_year"] for e in body["entries"]} == {
        "李家村": 2026,
        "王庄村": 2027,
    }
    missing = as_user(county_officer).get(_township(campaign, tree.township_1, "/plan/versions/9"))
    assert missing.status_code == 404


def test_it_approves_a_plan(as_user, submitted, campaign, tree, county_officer):
    response = _send(
        as_user(county_officer), _township(campaign, tree.township_1, "/plan/versions/1/approve")
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert CreationPlan.objects.get().status == PlanStatus.APPROVED
    assert AuditEvent.objects.filter(action="campaigns.plan.approve").exists()


def test_it_returns_a_plan_with_a_reason(as_user, submitted, campaign, tree, county_officer):
    client = as_user(county_officer)
    path = _township(campaign, tree.township_1, "/plan/versions/1/return")
    blank = _send(client, path, {"reason": "  "})
    assert blank.status_code == 422
    assert list(blank.json()["errors"]) == ["reason"]
    response = _send(client, path, {"reason": "一流村太少"})
    assert (response.status_code, response.json()["reason"]) == (200, "一流村太少")
    assert CreationPlan.objects.get().status == PlanStatus.RETURNED


def test_it_keeps_approval_from_the_township(
    as_user, submitted, campaign, tree, township_officer, other_township_officer
):
    path = _township(campaign, tree.township_1, "/plan/versions/1/approve")
    assert _send(as_user(township_officer), path).status_code == 403
    assert _denials(township_officer, "forbidden").exists()
    assert _send(as_user(other_township_officer), path).status_code == 404
    assert CreationPlan.objects.get().status == PlanStatus.SUBMITTED


# Pilots


def test_it_adds_lists_and_removes_pilots(as_user, campaign, tree, township_officer):
    client = as_user(township_officer)
    path = _township(campaign, tree.township_1, "/pilots")
    added = _send(client, path, {"year": 2026, "village_id": tree.village_2.pk, "note": "试点"})
    assert added.status_code == 201
    body = added.json()
    assert [p["village_name"] for p in body["pilots"]] == ["王庄村"]
    # 青山镇 has 42,000 people: two pilots in the campaign's first year; and its key village is
    # not among them.
    assert body["required"] == 2
    assert {f["code"] for f in body["findings"]} == {"too_few_pilots", "no_key_village"}
    listed = client.get(path, {"year": 2026}).json()
    assert [p["village_name"] for p in listed["pilots"]] == ["王庄村"]
    pilot = Pilot.objects.get()
    assert client.delete(f"{API}/pilots/{pilot.pk}").status_code == 204
    assert not Pilot.objects.exists()
    assert AuditEvent.objects.filter(action="campaigns.pilot.remove").exists()


def test_it_refuses_a_pilot_outside_the_campaigns_years(as_user, campaign, tree, township_officer):
    response = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, "/pilots"),
        {"year": 2035, "village_id": tree.village_1.pk},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["year"]


def test_it_refuses_a_pilot_village_of_another_township(as_user, campaign, tree, township_officer):
    response = _send(
        as_user(township_officer),
        _township(campaign, tree.township_1, "/pilots"),
        {"year": 2027, "village_id": tree.village_3.pk},
    )
    assert response.status_code == 404
    assert not Pilot.objects.exists()


def test_it_keeps_pilot_removal_from_another_township(
    as_user, campaign, tree, township_officer, other_township_officer, county_officer
):
    client = as_user(township_officer)
    _send(
        client,
        _township(campaign, tree.township_1, "/pilots"),
        {"year": 2027} | {"village_id": tree.village_1.pk},
    )
    pilot = Pilot.objects.get()
    assert as_user(other_township_officer).delete(f"{API}/pilots/{pilot.pk}").status_code == 404
    assert as_user(county_officer).delete(f"{API}/pilots/{pilot.pk}").status_code == 403
    assert Pilot.objects.exists()


def test_it_answers_401_without_credentials(campaign):
    assert Client().get(f"{API}/").status_code == 401


# Junk


JUNK = [None, True, 0, -1, 2**31, 2**63, 10**30, 1.5, "", "x", "\x00", "四" * 1000, [], {}, [None]]
JUNK_IDS = ["0", "-1", str(2**63), "x", "1.5"]
PATH_NAMES = ("campaign_id", "township_id", "number", "pilot_id", "village_id")


def _junk_requests(schema, real):
    components = schema["components"]["schemas"]
    for template, operations in schema["paths"].items():
        if not template.startswith(API):
            continue
        for method, operation in operations.items():
            query_params = [
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            ]
            for junk_id in [*JUNK_IDS, None]:
                path = template
                for name in PATH_NAMES:
                    path = path.replace("{" + name + "}", str(junk_id or real[name]))
                yield method, path, {}, None
                for name in query_params:
                    for junk in JUNK:
                        yield method, path, {name: "" if junk is None else junk}, None
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            ref = content["application/json"]["schema"]["$ref"].split("/")[-1]
            path = template
            for name in PATH_NAMES:
                path = path.replace("{" + name + "}", str(real[name]))
            for name in components[ref]["properties"]:
                for junk in JUNK:
                    yield method, path, {}, {name: junk}
            for whole in ["", "{", "null", "[]", '{"entries": [{"village_id": "x"}]}']:
                yield method, path, {}, whole


def test_it_never_answers_500_to_junk_built_from_its_own_schema(
    as_user, submitted, campaign, tree, county_officer
):
    client = as_user(county_officer)
    client.raise_request_exception = False
    schema = Client().get("/api/v1/openapi.json").json()
    real = {"campaign_id": campaign.pk, "township_id": tree.township_1.pk, "number": 1}
    real |= {"pilot_id": 1, "village_id": tree.village_1.pk}
    seen = 0
    for method, path, query, body in _junk_requests(schema, real):
        if query:
            path = f"{path}?{urlencode(query, doseq=True)}"
        data = body if isinstance(body, str) or body is None else json.dumps(body)
        send = getattr(client, method)
        response = send(path, data, content_type="application/json") if data else send(path)
        seen += 1
        assert response.status_code < 500, (method, path, body, response.content[:300])
        if response.status_code >= 400:
            assert "detail" in response.json(), (method, path, body)
    assert seen > 300
