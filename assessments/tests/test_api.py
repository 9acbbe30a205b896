"""The assessment chain through /api/v1/assessments/: every endpoint, its refusals (404 outside
the subtree, 403 for the wrong level, 422 for what the services refuse, 409 for a lost race),
and no 500 for junk built from the schema."""

import json
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assessments.models import AwardedTitle, Score, SpotCheckEntry, TitleStatus
from assessments.services import do_apply, do_decide
from assessments.tests.helpers import chain_to_last_stage, self_assess_and_submit
from audit.models import AuditEvent, Result
from standards.models import Item, TitleKind

API = "/api/v1/assessments"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _post(client, path, data=None, method="post"):
    return getattr(client, method)(path, json.dumps(data or {}), content_type="application/json")


def _items(assessment):
    return {i.number: i for i in Item.objects.filter(section__standard=assessment.standard)}


def _full_marks(assessment):
    return [
        {"item_id": i.pk, "points": str(i.points), "veto_violated": False if i.is_veto else None}
        for i in _items(assessment).values()
    ]


def _denials(user):
    return AuditEvent.objects.filter(action="access.denied", actor=user, result=Result.DENIED)


# Reading


def test_it_lists_the_rounds_a_village_takes_part_in(
    as_user, round_2026, village_operator, outsider
):
    body = as_user(village_operator).get(f"{API}/rounds").json()
    assert [r["id"] for r in body["items"]] == [round_2026.pk]
    assert {t["title"] for t in body["items"][0]["titles"]} >= {"qualified_village"}
    assert as_user(outsider).get(f"{API}/rounds").json()["count"] == 0


def test_it_lists_only_assessments_in_the_callers_subtree(
    as_user, tree, round_2026, chain_personas, other_township_officer
):
    assessment = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    mine = as_user(chain_personas.township).get(f"{API}/", {"title": "qualified_village"}).json()
    assert [a["id"] for a in mine["items"]] == [assessment.pk]
    theirs = as_user(other_township_officer).get(f"{API}/").json()
    assert theirs["count"] == 0


def test_it_lists_what_waits_for_the_caller(as_user, tree, round_2026, chain_personas):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    waiting = as_user(chain_personas.township).get(f"{API}/", {"waiting_for_me": "true"}).json()
    assert [a["id"] for a in waiting["items"]] == [assessment.pk]
    # The village's own list holds its groups' ratings, which it has not sent up yet.
    mine = as_user(chain_personas.village).get(f"{API}/", {"waiting_for_me": "true"}).json()
    assert {a["title"] for a in mine["items"]} == {"five_good_group"}


def test_it_gets_an_assessment_with_its_chain_scores_and_moves(
    as_user, tree, round_2026, chain_personas
):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    body = as_user(chain_personas.township).get(f"{API}/{assessment.pk}").json()
    assert (body["stage"], body["can_act"], body["unit_name"]) == (1, True, "李家村")
    assert [s["level"] for s in body["stages"]] == [5, 4, 3]
    assert [t["action"] for t in body["transitions"]] == ["apply", "submit"]
    assert len(body["scores"]) == 4 and len(body["group_rating_ids"]) == 3
    assert body["outcome"]["passes"] is True


def test_it_answers_404_for_an_assessment_outside_the_subtree_and_records_it(
    as_user, tree, round_2026, chain_personas, other_township_officer
):
    assessment = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    response = as_user(other_township_officer).get(f"{API}/{assessment.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert _denials(other_township_officer).exists()
    assert as_user(other_township_officer).get(f"{API}/99999999").status_code == 404


# Applying and scoring


def test_it_applies_as_the_village(as_user, tree, round_2026, village_operator):
    response = _post(
        as_user(village_operator),
        f"{API}/",
        {"round_id": round_2026.pk, "title": "qualified_village", "unit_id": tree.village_1.pk},
    )
    assert response.status_code == 201
    assert (response.json()["stage"], response.json()["state"]) == (0, "open")
    assert AuditEvent.objects.filter(action="assessment.apply").exists()


def test_it_refuses_an_application_from_the_wrong_level_with_403_recorded(
    as_user, tree, round_2026, township_officer
):
    response = _post(
        as_user(township_officer),
        f"{API}/",
        {"round_id": round_2026.pk, "title": "qualified_village", "unit_id": tree.village_1.pk},
    )
    assert response.status_code == 403
    assert _denials(township_officer).filter(after__reason="forbidden").exists()


def test_it_refuses_an_application_for_a_unit_outside_the_subtree(
    as_user, tree, round_2026, village_operator
):
    response = _post(
        as_user(village_operator),
        f"{API}/",
        {"round_id": round_2026.pk, "title": "qualified_village", "unit_id": tree.village_3.pk},
    )
    assert response.status_code == 404


def test_it_answers_422_with_the_services_message(as_user, tree, round_2026, village_operator):
    payload = {"round_id": round_2026.pk, "title": "qualified_village", "unit_id": tree.group_1.pk}
    response = _post(as_user(village_operator), f"{API}/", payload)
    assert response.status_code == 422
    assert "cannot apply" in response.json()["errors"]["__all__"][0]


def test_it_saves_scores_and_answers_409_on_a_stale_base(as_user, tree, round_2026, chain_personas):
    assessment = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    client = as_user(chain_personas.village)
    item = _items(assessment)["3"]
    path = f"{API}/{assessment.pk}/scores"
    first = _post(
        client, path, {"entries": [{"item_id": item.pk, "points": "40", "base": 0}]}, "put"
    )
    assert first.status_code == 200
    stale = _post(
        client, path, {"entries": [{"item_id": item.pk, "points": "30", "base": 0}]}, "put"
    )
    assert stale.status_code == 409
    assert list(stale.json()["errors"]) == [str(item.pk)]
    assert "Someone else saved" in stale.json()["detail"]
    assert Score.objects.filter(assessment=assessment).count() == 1


def test_it_answers_422_per_item_for_a_score_out_of_range(
    as_user, tree, round_2026, chain_personas
):
    assessment = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    item = _items(assessment)["1"]
    response = _post(
        as_user(chain_personas.village),
        f"{API}/{assessment.pk}/scores",
        {"entries": [{"item_id": item.pk, "points": "26"}]},
        "put",
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [str(item.pk)]


def test_it_refuses_scores_from_a_level_out_of_turn_with_409(
    as_user, tree, round_2026, chain_personas
):
    assessment = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    response = _post(
        as_user(chain_personas.county),
        f"{API}/{assessment.pk}/scores",
        {"entries": _full_marks(assessment)},
        "put",
    )
    assert response.status_code == 409  # the county scores at its own stage: a state conflict
    assert not Score.objects.exists()


def test_it_attaches_evidence_to_an_item(as_user, tree, round_2026, chain_personas):
    assessment = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    item = _items(assessment)["3"]
    client = as_user(chain_personas.village)
    response = client.post(
        f"{API}/{assessment.pk}/evidence",
        {"file": SimpleUploadedFile("活动.png", PNG), "item_id": item.pk},
    )
    assert response.status_code == 201, response.content
    assert (response.json()["slot"], response.json()["mime_type"]) == (
        f"item-{item.pk}",
        "image/png",
    )
    download = client.get(response.json()["download_url"])
    assert download.status_code == 200


def test_it_refuses_evidence_that_is_not_an_image_or_pdf(as_user, tree, round_2026, chain_personas):
    assessment = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    response = as_user(chain_personas.village).post(
        f"{API}/{assessment.pk}/evidence", {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["file"]


def test_it_refuses_evidence_from_a_reviewer_not_at_the_stage(
    as_user, tree, round_2026, chain_personas
):
    assessment = do_apply(
        chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    response = as_user(chain_personas.township).post(
        f"{API}/{assessment.pk}/evidence", {"file": SimpleUploadedFile("a.png", PNG)}
    )
    assert response.status_code == 409  # not the township's turn yet


# Moving along the chain


def test_it_runs_the_whole_chain(as_user, tree, round_2026, chain_personas):
    village, township, county = (
        as_user(chain_personas.village),
        as_user(chain_personas.township),
        as_user(chain_personas.county),
    )
    created = _post(
        village,
        f"{API}/",
        {"round_id": round_2026.pk, "title": "qualified_village", "unit_id": tree.village_1.pk},
    ).json()
    pk = created["id"]
    assert (
        _post(village, f"{API}/{pk}/scores", {"entries": _full_marks_of(pk)}, "put").status_code
        == 200
    )
    for group_id in created["group_rating_ids"]:
        rated = _post(
            village, f"{API}/{group_id}/scores", {"entries": _full_marks_of(group_id)}, "put"
        )
        assert rated.status_code == 200
    assert _post(village, f"{API}/{pk}/submit").json()["stage"] == 1
    item = _items_of(pk)["3"]
    returned = _post(township, f"{API}/{pk}/return", {"reason": "补材料", "items": [item.pk]})
    assert (returned.json()["stage"], returned.json()["reopened_items"]) == (0, [item.pk])
    assert _post(village, f"{API}/{pk}/submit").json()["stage"] == 1
    assert _post(township, f"{API}/{pk}/pass").json()["stage"] == 2
    decided = _post(county, f"{API}/{pk}/decide", {"award": True})
    assert decided.json()["state"] == "awarded"
    titles = county.get(f"{API}/units/{tree.village_1.pk}/titles").json()["items"]
    assert [(t["title"], t["status"], t["year"]) for t in titles] == [
        ("qualified_village", "awarded", 2026)
    ]


def _full_marks_of(pk):
    from assessments.models import Assessment

    return _full_marks(Assessment.objects.get(pk=pk))


def _items_of(pk):
    from assessments.models import Assessment

    return _items(Assessment.objects.get(pk=pk))


def test_it_refuses_a_pass_by_a_level_out_of_turn_with_409(
    as_user, tree, round_2026, chain_personas
):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    assert _post(as_user(chain_personas.county), f"{API}/{assessment.pk}/pass").status_code == 409
    assert (
        _post(as_user(chain_personas.village), f"{API}/{assessment.pk}/submit").status_code == 409
    )


def test_it_refuses_a_move_outside_the_subtree_with_404(
    as_user, tree, round_2026, chain_personas, outsider
):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    for action in ("pass", "submit", "decide", "return"):
        response = _post(
            as_user(outsider), f"{API}/{assessment.pk}/{action}", {"award": True, "reason": "x"}
        )
        assert response.status_code == 404, action


def test_it_answers_422_for_a_return_without_a_reason(as_user, tree, round_2026, chain_personas):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    response = _post(
        as_user(chain_personas.township), f"{API}/{assessment.pk}/return", {"reason": " "}
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["reason"]


def test_it_answers_409_for_a_stale_expected_version(as_user, tree, round_2026, chain_personas):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    response = _post(
        as_user(chain_personas.township), f"{API}/{assessment.pk}/pass", {"expected_version": 1}
    )
    assert response.status_code == 409
    assert "Someone changed" in response.json()["detail"]


def test_it_refuses_a_decision_at_a_middle_stage_with_409(
    as_user, tree, round_2026, chain_personas
):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    response = _post(
        as_user(chain_personas.township), f"{API}/{assessment.pk}/decide", {"award": True}
    )
    assert response.status_code == 409


def test_it_decides_not_to_award_with_a_reason(as_user, tree, round_2026, chain_personas):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    client = as_user(chain_personas.county)
    assert _post(client, f"{API}/{assessment.pk}/decide", {"award": False}).status_code == 422
    body = _post(
        client, f"{API}/{assessment.pk}/decide", {"award": False, "reason": "材料不实"}
    ).json()
    assert body["state"] == "not_awarded"


# Spot checks and titles


@pytest.fixture
def awarded(tree, round_2026, chain_personas):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    do_decide(chain_personas.county, assessment, award=True)
    return AwardedTitle.objects.get(assessment=assessment)


def test_it_draws_a_spot_check_and_records_a_failed_inspection(
    as_user, round_2026, awarded, county_officer
):
    client = as_user(county_officer)
    drawn = _post(client, f"{API}/rounds/{round_2026.pk}/spot-checks", {"count": 1, "seed": 42})
    assert drawn.status_code == 201
    body = drawn.json()
    assert (body["seed"], body["population"], len(body["entries"])) == (42, 1, 1)
    entry_id = body["entries"][0]["id"]
    missing = _post(client, f"{API}/spot-check-entries/{entry_id}/inspection", {"passed": False})
    assert missing.status_code == 422
    inspected = _post(
        client,
        f"{API}/spot-check-entries/{entry_id}/inspection",
        {"passed": False, "reason": "名册不实"},
    )
    assert inspected.json()["result"] == "failed"
    awarded.refresh_from_db()
    assert awarded.status == TitleStatus.REVOKED


def test_it_refuses_a_spot_check_by_the_township_and_outside_the_subtree(
    as_user, round_2026, awarded, township_officer, outsider
):
    path = f"{API}/rounds/{round_2026.pk}/spot-checks"
    assert _post(as_user(township_officer), path, {"count": 1}).status_code == 403
    assert _post(as_user(outsider), path, {"count": 1}).status_code == 404
    assert _post(as_user(township_officer), path, {"count": 1, "share": "0.5"}).status_code == 422


def test_it_refuses_an_inspection_by_the_township(
    as_user, round_2026, awarded, county_officer, township_officer, outsider
):
    drawn = _post(
        as_user(county_officer), f"{API}/rounds/{round_2026.pk}/spot-checks", {"count": 1}
    )
    path = f"{API}/spot-check-entries/{drawn.json()['entries'][0]['id']}/inspection"
    assert _post(as_user(township_officer), path, {"passed": True}).status_code == 403
    assert _post(as_user(outsider), path, {"passed": True}).status_code == 404
    assert SpotCheckEntry.objects.get().result == "pending"


def test_it_revokes_a_title_with_its_reason(as_user, awarded, county_officer):
    response = _post(
        as_user(county_officer),
        f"{API}/titles/{awarded.pk}/revoke",
        {"cause": "reinspection", "reason": "复查不合格"},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["revocation_reason"]) == (
        "revoked",
        "复查不合格",
    )


def test_it_refuses_a_revocation_by_the_wrong_level_or_outside(
    as_user, awarded, township_officer, outsider
):
    payload = {"cause": "other", "reason": "x"}
    assert (
        _post(as_user(township_officer), f"{API}/titles/{awarded.pk}/revoke", payload).status_code
        == 403
    )
    assert _post(as_user(outsider), f"{API}/titles/{awarded.pk}/revoke", payload).status_code == 404
    awarded.refresh_from_db()
    assert awarded.status == TitleStatus.AWARDED


def test_it_lists_a_units_titles_only_within_the_subtree(
    as_user, tree, awarded, outsider, village_operator
):
    titles = as_user(village_operator).get(f"{API}/units/{tree.village_1.pk}/titles").json()
    assert titles["count"] == 1
    assert as_user(outsider).get(f"{API}/units/{tree.village_1.pk}/titles").status_code == 404


def test_it_answers_401_without_credentials(round_2026):
    assert Client().get(f"{API}/rounds").status_code == 401


# Junk


JUNK = [None, True, 0, -1, 2**31, 2**63, 10**30, 1.5, "", "x", "\x00", "四" * 1000, [], {}, [None]]
JUNK_IDS = ["1", "0", "-1", str(2**63), "x", "1.5"]
PATH_NAMES = ("assessment_id", "round_id", "entry_id", "title_id", "unit_id")


def _junk_requests(schema, real_ids):
    components = schema["components"]["schemas"]
    for template, operations in schema["paths"].items():
        if not template.startswith(API):
            continue
        for method, operation in operations.items():
            query_params = [
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            ]
            for junk_id in [*JUNK_IDS, *real_ids]:
                path = template
                for name in PATH_NAMES:
                    path = path.replace("{" + name + "}", str(junk_id))
                yield method, path, {}, None
                for name in query_params:
                    for junk in JUNK:
                        yield method, path, {name: junk if junk is not None else ""}, None
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            ref = content["application/json"]["schema"]["$ref"].split("/")[-1]
            for real_id in real_ids:
                path = template
                for name in PATH_NAMES:
                    path = path.replace("{" + name + "}", str(real_id))
                for name in components[ref]["properties"]:
                    for junk in JUNK:
                        yield method, path, {}, {name: junk}
                for whole in [
                    "",
                    "{",
                    "null",
                    "[]",
                    '{"entries": [{"item_id": 1, "points": "NaN"}]}',
                ]:
                    yield method, path, {}, whole


def test_it_never_answers_500_to_junk_built_from_its_own_schema(
    as_user, tree, round_2026, chain_personas
):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    client = as_user(chain_personas.township)
    client.raise_request_exception = False
    schema = Client().get("/api/v1/openapi.json").json()
    seen = 0
    for method, path, query, body in _junk_requests(schema, [assessment.pk]):
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


def test_it_reads_what_waits_in_a_fixed_number_of_queries(
    as_user, tree, round_2026, chain_personas, qualified_standard
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.models import Assessment

    submitted = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    client = as_user(chain_personas.county)
    path = f"{API}/?waiting_for_me=true"

    def waiting_at_the_county(village):
        Assessment.objects.create(
            round=round_2026,
            title=TitleKind.QUALIFIED_VILLAGE,
            standard=qualified_standard,
            unit=village,
            access_unit=village,
            stage=2,
        )

    waiting_at_the_county(tree.village_2)
    with CaptureQueriesContext(connection) as one:
        assert client.get(path).json()["count"] == 1
    waiting_at_the_county(tree.village_3)
    Assessment.objects.filter(pk=submitted.pk).update(stage=2)
    with CaptureQueriesContext(connection) as three:
        assert client.get(path).json()["count"] == 3
    assert len(three) == len(one)


def test_it_draws_a_spot_check_in_one_township(as_user, tree, round_2026, awarded, county_officer):
    client = as_user(county_officer)
    path = f"{API}/rounds/{round_2026.pk}/spot-checks"
    drawn = _post(client, path, {"count": 1, "township_id": tree.township_1.pk})
    assert drawn.status_code == 201
    assert drawn.json()["township_id"] == tree.township_1.pk
    elsewhere = _post(client, path, {"count": 1, "township_id": tree.township_b.pk})
    assert elsewhere.status_code == 422
