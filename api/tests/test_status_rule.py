"""One status rule on every endpoint (issue 16): 409 for a conflict (a stale version, or a write
the object's present state refuses), 422 for invalid input, 403 for a forbidden action, 404 for
what is out of the caller's scope. Before, a state conflict answered 403, 409 or 422 depending on
the endpoint (submitting twice answered 403: "not your level's turn").

Every state-changing operation of the router is either driven here into a wrong-state call that
must answer 409, or listed with the reason it has no state to conflict with."""

import json
from datetime import date

import pytest
from django.utils import timezone

from assessments import group_ratings, group_rules, selection
from assessments.models import AwardedTitle, TitleStatus
from assessments.services import ScoreInput, do_apply
from assessments.tests.conftest import (  # noqa: F401 (fixtures)
    first_class_standard,
    group_standard,
    qualified_standard,
    round_2026,
    township_standard,
)
from assessments.tests.page_helpers import submitted
from assessments.tests.test_selection import selection_round, two_recommended  # noqa: F401
from campaigns.services import do_create_campaign
from registers.services import do_appoint_post, do_change_member_status
from registers.tests.conftest import members  # noqa: F401 (fixture)
from sanlian.tests.routes import all_routes
from standards.models import TitleKind

QUALIFIED = TitleKind.QUALIFIED_VILLAGE


def _call(client, method, path, body=None):
    send = getattr(client, method.lower())
    if body is None:
        return send(path)
    return send(path, json.dumps(body), content_type="application/json")


def _scores(assessment, points=25):
    items = assessment.standard.sections.all()
    return [ScoreInput(item=i, points=i.points) for s in items for i in s.items.all()]


# Each scenario sets the object in a state and returns the call that state refuses:
# (persona, method, path, body).


def _retired_twice(g):
    unit = g("tree").village_2
    _call(
        g("client_of")("county_officer"),
        "post",
        f"/api/v1/units/{unit.pk}/retire",
        {"reason": "撤并"},
    )
    return "county_officer", "post", f"/api/v1/units/{unit.pk}/retire", {"reason": "撤并"}


def _post_ended_twice(g):
    post = do_appoint_post(
        None, g("tree").village_1, "president", date(2024, 1, 1), holder_name="周敏"
    )
    body = {"end_date": "2025-01-01"}
    _call(g("client_of")("county_officer"), "post", f"/api/v1/members/posts/{post.pk}/end", body)
    return "county_officer", "post", f"/api/v1/members/posts/{post.pk}/end", body


def _member_stale(g):
    wang = g("members").wang
    path = f"/api/v1/members/{wang.pk}"
    first = _call(g("client_of")("county_officer"), "patch", path, {"version": 1, "name": "王建"})
    assert first.status_code == 200, first.content
    return "county_officer", "patch", path, {"version": 1, "name": "王建军"}


def _status_stale(g):
    wang = g("members").wang
    do_change_member_status(None, wang, "moved", date(2025, 1, 1))
    body = {"status": "deceased", "date": "2025-02-01", "version": 1}
    return "county_officer", "post", f"/api/v1/members/{wang.pk}/status", body


def _applied_twice(g):
    body = {"round_id": g("round_2026").pk, "unit_id": g("tree").village_1.pk, "title": QUALIFIED}
    _call(g("client_of")("village_operator"), "post", "/api/v1/assessments", body)
    return "village_operator", "post", "/api/v1/assessments", body


def _assessment(g):
    return do_apply(g("village_operator"), g("round_2026"), QUALIFIED, g("tree").village_1)


def _submitted(g):
    """A self-assessment scored with its groups and submitted (the first call)."""
    return submitted(g("tree"), g("round_2026"), g("village_operator"))


def _submitted_twice(g):
    return "village_operator", "post", f"/api/v1/assessments/{_submitted(g).pk}/submit", {}


def _scored_after_submit(g):
    assessment = _submitted(g)
    item = assessment.standard.sections.first().items.first()
    body = {"entries": [{"item_id": item.pk, "points": 1}]}
    return "village_operator", "put", f"/api/v1/assessments/{assessment.pk}/scores", body


def _passed_at_self_assessment(g):
    return "township_officer", "post", f"/api/v1/assessments/{_assessment(g).pk}/pass", {}


def _returned_at_self_assessment(g):
    body = {"reason": "补材料"}
    return "township_officer", "post", f"/api/v1/assessments/{_assessment(g).pk}/return", body


def _decided_before_last_stage(g):
    body = {"award": True}
    return "county_officer", "post", f"/api/v1/assessments/{_submitted(g).pk}/decide", body


def _title(g):
    return AwardedTitle.objects.create(
        unit=g("tree").village_1,
        title=QUALIFIED,
        year=2025,
        status=TitleStatus.AWARDED,
        awarded_at=timezone.now(),
    )


def _revoked_twice(g):
    title = _title(g)
    body = {"cause": "spot_check", "reason": "抽查不合格"}
    first = _call(
        g("client_of")("county_officer"),
        "post",
        f"/api/v1/assessments/titles/{title.pk}/revoke",
        body,
    )
    assert first.status_code == 200, first.content
    return "county_officer", "post", f"/api/v1/assessments/titles/{title.pk}/revoke", body


def _applied_to_closed_round(g):
    round_ = g("round_2026")
    closed = _call(
        g("client_of")("county_officer"),
        "post",
        f"/api/v1/assessments/rounds/{round_.pk}/close",
        {},
    )
    assert closed.status_code == 200, closed.content
    body = {"round_id": round_.pk, "unit_id": g("tree").village_1.pk, "title": QUALIFIED}
    return "village_operator", "post", "/api/v1/assessments", body


def _plan_submitted(g):
    tree = g("tree")
    campaign = do_create_campaign(
        g("county_officer"), tree.county_a, name="三联创", first_year=2026
    )
    base = f"/api/v1/campaigns/{campaign.pk}/townships/{tree.township_1.pk}"
    client = g("client_of")("township_officer")
    _call(client, "post", f"{base}/survey/save", {})
    sent = _call(client, "post", f"{base}/plan/submit", {"note": ""})
    assert sent.status_code == 201, sent.content
    return base


def _plan_approved_twice(g):
    base = _plan_submitted(g)
    first = _call(g("client_of")("county_officer"), "post", f"{base}/plan/versions/1/approve", {})
    assert first.status_code == 200, first.content
    return "county_officer", "post", f"{base}/plan/versions/1/approve", {}


def _plan_returned_after_approval(g):
    base = _plan_submitted(g)
    first = _call(g("client_of")("county_officer"), "post", f"{base}/plan/versions/1/approve", {})
    assert first.status_code == 200, first.content
    return "county_officer", "post", f"{base}/plan/versions/1/return", {"reason": "重做"}


def _selection_confirmed(g):
    """A selection of one place, both townships marked and the city's confirmation given."""
    stronger, weaker = g("two_recommended")
    round_ = g("selection_round")
    selection.do_set_places(g("county_officer"), round_, 1)
    selection.do_mark(g("county_officer"), stronger, selected=True, reason="得分第一")
    selection.do_mark(g("county_officer"), weaker, selected=False, reason="名额有限")
    selection.do_confirm(g("city_reviewer"), round_, document_number="长计协〔2026〕5号")
    return round_, stronger


def _selection_confirmed_twice(g):
    round_, _stronger = _selection_confirmed(g)
    body = {"document_number": "长计协〔2026〕6号"}
    return "city_reviewer", "post", f"/api/v1/selections/rounds/{round_.pk}/confirm", body


def _places_after_confirmation(g):
    round_, _stronger = _selection_confirmed(g)
    return "county_officer", "put", f"/api/v1/selections/rounds/{round_.pk}/places", {"places": 2}


def _marked_after_confirmation(g):
    _round, stronger = _selection_confirmed(g)
    body = {"selected": False, "reason": "改判"}
    return "county_officer", "post", f"/api/v1/selections/assessments/{stronger.pk}/mark", body


def _plan_levels_while_submitted(g):
    base = _plan_submitted(g).replace("/api/v1/campaigns/", "/api/v1/plan-levels/")
    return "township_officer", "put", base, {"advanced_year": None, "villages": []}


def _groups_path(g):
    return f"/api/v1/assessments/rounds/{g('round_2026').pk}/groups/{g('tree').village_1.pk}"


def _groups_on_closed_round(g):
    _applied_to_closed_round(g)
    return _groups_path(g)


def _groups_opened_on_closed_round(g):
    return "village_operator", "post", f"{_groups_on_closed_round(g)}/open", {}


def _groups_scored_on_closed_round(g):
    body = {"ratings": [{"rating_id": 1, "entries": []}]}
    return "village_operator", "put", f"{_groups_on_closed_round(g)}/scores", body


def _groups_sent_up(g):
    """village_1's council opens, fully rates and sends up its groups' ratings."""
    actor, round_, village = g("village_operator"), g("round_2026"), g("tree").village_1
    group_ratings.do_open_group_ratings(actor, round_, village)
    ratings = list(group_rules.group_ratings_of(round_, village))
    entries = {
        r.pk: [ScoreInput(item_id=i.pk, points=i.points) for i in _items(r)] for r in ratings
    }
    group_ratings.do_rate_groups(actor, round_, village, entries)
    group_ratings.do_submit_group_ratings(actor, round_, village)
    return ratings


def _items(rating):
    return [i for s in rating.standard.sections.all() for i in s.items.all()]


def _groups_sent_up_twice(g):
    _groups_sent_up(g)
    return "village_operator", "post", f"{_groups_path(g)}/submit", {}


def _groups_decided_twice(g):
    ratings = _groups_sent_up(g)
    decisions = {r.pk: (True, "") for r in ratings}
    round_, village = g("round_2026"), g("tree").village_1
    group_ratings.do_decide_group_ratings(g("township_officer"), round_, village, decisions)
    body = {"decisions": [{"rating_id": ratings[0].pk, "award": False, "reason": "改判"}]}
    return "township_officer", "post", f"{_groups_path(g)}/decide", body


CONFLICTS = {
    "api POST /assessments/rounds/{round_id}/groups/{village_id}/open": (
        _groups_opened_on_closed_round
    ),
    "api PUT /assessments/rounds/{round_id}/groups/{village_id}/scores": (
        _groups_scored_on_closed_round
    ),
    "api POST /assessments/rounds/{round_id}/groups/{village_id}/submit": _groups_sent_up_twice,
    "api POST /assessments/rounds/{round_id}/groups/{village_id}/decide": _groups_decided_twice,
    "api POST /units/{unit_id}/retire": _retired_twice,
    "api POST /members/posts/{post_id}/end": _post_ended_twice,
    "api PATCH /members/{member_id}": _member_stale,
    "api POST /members/{member_id}/status": _status_stale,
    "api POST /assessments": _applied_twice,
    "api POST /assessments/{assessment_id}/submit": _submitted_twice,
    "api PUT /assessments/{assessment_id}/scores": _scored_after_submit,
    "api POST /assessments/{assessment_id}/pass": _passed_at_self_assessment,
    "api POST /assessments/{assessment_id}/return": _returned_at_self_assessment,
    "api POST /assessments/{assessment_id}/decide": _decided_before_last_stage,
    "api POST /assessments/titles/{title_id}/revoke": _revoked_twice,
    "api POST /assessments/rounds/{round_id}/close": _applied_to_closed_round,
    "api POST /campaigns/{campaign_id}/townships/{township_id}/plan/versions/{number}/approve": (
        _plan_approved_twice
    ),
    "api POST /campaigns/{campaign_id}/townships/{township_id}/plan/versions/{number}/return": (
        _plan_returned_after_approval
    ),
    "api POST /selections/rounds/{round_id}/confirm": _selection_confirmed_twice,
    "api PUT /selections/rounds/{round_id}/places": _places_after_confirmation,
    "api POST /selections/assessments/{assessment_id}/mark": _marked_after_confirmation,
    "api PUT /plan-levels/{campaign_id}/townships/{township_id}": _plan_levels_while_submitted,
}

# Conflicts tested in their own files (same rule, same status).
TESTED_ELSEWHERE = {
    "api PUT /records/inclusion/{unit_id}/{year}": "api/tests/test_strict_types.py (stale version)",
    "api PUT /records/profiles/{unit_id}/{year}": "registers/tests/test_records_api.py (stale)",
    "api POST /imports/{job_id}/confirm": "registers/tests/test_import_api.py (confirmed twice)",
}

# Writes whose target has no state that could refuse them: a conflict there is a unique value
# taken (409 through the database's IntegrityError) or does not exist.
NO_STATE = {
    "api POST /units": "creates; a taken code is 409 (IntegrityError)",
    "api PATCH /units/{unit_id}": "fields only",
    "api DELETE /units/{unit_id}": "a second delete finds nothing: 404",
    "api POST /units/{unit_id}/reinstate": "a no-op on an active unit, as closing a closed round",
    "api POST /units/{unit_id}/move": "a move to the same parent changes nothing",
    "api POST /members/units/{unit_id}/members": "creates (see test_member_disclosure.py)",
    "api POST /members/{member_id}/transfer": "a version check only (as PATCH)",
    "api POST /members/{member_id}/unmask": "a read that is audited",
    "api POST /members/units/{unit_id}/posts": "creates",
    "api POST /records/trainings": "creates (idempotent with a key)",
    "api POST /records/activities": "creates (idempotent with a key)",
    "api POST /records/activities/{activity_id}/evidence": "adds a file",
    "api POST /records/inclusion/{unit_id}/{year}/{item}/evidence": "adds a file",
    "api POST /records/profiles/{unit_id}/{year}/{slot}/evidence": "adds a file",
    "api DELETE /records/evidence/{evidence_id}": "a second delete finds nothing: 404",
    "api POST /assessments/rounds": "creates",
    "api POST /assessments/rounds/{round_id}/spot-checks": "draws again on purpose (a new draw)",
    "api POST /assessments/{assessment_id}/evidence": "adds a file (its stage is a 409 via scores)",
    "api POST /assessments/bulk-award": "answers each assessment's own result in its body",
    "api POST /assessments/spot-check-entries/{entry_id}/inspection": "covered in test_spot_checks",
    "api PUT /campaigns/{campaign_id}/townships/{township_id}/targets": "fields only",
    "api POST /campaigns/{campaign_id}/townships/{township_id}/survey/save": "saved again",
    "api PUT /campaigns/{campaign_id}/townships/{township_id}/survey/{village_id}": "fields only",
    "api PUT /campaigns/{campaign_id}/townships/{township_id}/plan": "the draft, fields only",
    "api POST /campaigns/{campaign_id}/townships/{township_id}/plan/submit": "a new version",
    "api POST /campaigns/{campaign_id}/townships/{township_id}/pilots": "422 (a field)",
    "api DELETE /campaigns/pilots/{pilot_id}": "a second delete finds nothing: 404",
    "api POST /standards/{standard_id}/copy": "creates a new version",
    "api POST /imports": "creates",
    "api POST /reports/progress": "starts a job",
}


def test_every_write_operation_is_classified():
    writes = {r.key for r in all_routes() if r.is_api and r.methods[0] != "GET"}
    classified = set(CONFLICTS) | set(TESTED_ELSEWHERE) | set(NO_STATE)
    assert writes - classified == set(), "add each new write operation to CONFLICTS or NO_STATE"
    assert classified - writes == set(), "remove what the router no longer has"


@pytest.fixture
def client_of(request, as_user):
    def _client(persona):
        return as_user(request.getfixturevalue(persona), language="zh-hans")

    return _client


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(CONFLICTS))
def test_a_wrong_state_call_answers_409(request, client_of, operation):
    persona, method, path, body = CONFLICTS[operation](request.getfixturevalue)
    response = _call(client_of(persona), method, path, body)
    assert response.status_code == 409, (response.status_code, response.json())
    assert response.json()["detail"]
