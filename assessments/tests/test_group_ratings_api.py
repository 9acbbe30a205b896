"""五好小组评定 over the API: a village's group ratings of a round are read, opened, scored, sent
up and decided as on the village's page, scoped to the caller's subtree."""

import json

import pytest

from assessments import group_rules
from assessments.models import AssessmentState, AwardedTitle

pytestmark = pytest.mark.django_db


def _path(round_, village, step=""):
    return f"/api/v1/assessments/rounds/{round_.pk}/groups/{village.pk}{step}"


def _send(client, method, path, body=None):
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")


def _full_marks(round_, village):
    ratings = group_rules.group_ratings_of(round_, village)
    return {
        "ratings": [
            {
                "rating_id": r.pk,
                "entries": [
                    {"item_id": i.pk, "points": str(i.points)}
                    for s in r.standard.sections.all()
                    for i in s.items.all()
                ],
            }
            for r in ratings
        ]
    }


def test_the_village_opens_rates_and_sends_up_and_the_township_decides_each_group(
    as_user, tree, round_2026, village_operator, township_officer
):
    village = as_user(village_operator)
    listed = village.get(_path(round_2026, tree.village_1)).json()
    assert listed["can_open"] and len(listed["unopened"]) == 3 and listed["ratings"] == []
    opened = _send(village, "post", _path(round_2026, tree.village_1, "/open"))
    assert opened.status_code == 201 and len(opened.json()["ratings"]) == 3
    scores = _full_marks(round_2026, tree.village_1)
    rated = _send(village, "put", _path(round_2026, tree.village_1, "/scores"), scores)
    assert rated.status_code == 200 and all(r["passes"] for r in rated.json()["ratings"])
    sent = _send(village, "post", _path(round_2026, tree.village_1, "/submit"))
    assert {r["stage"] for r in sent.json()["ratings"]} == {1}
    good, bad, _rest = (r["id"] for r in sent.json()["ratings"])
    decisions = {
        "decisions": [
            {"rating_id": good, "award": True},
            {"rating_id": bad, "award": False, "reason": "小组活动无记录"},
        ]
    }
    township = as_user(township_officer)
    decided = _send(township, "post", _path(round_2026, tree.village_1, "/decide"), decisions)
    assert decided.status_code == 200, decided.json()
    states = {r["id"]: r["state"] for r in decided.json()["ratings"]}
    assert (states[good], states[bad]) == (AssessmentState.AWARDED, AssessmentState.NOT_AWARDED)
    assert AwardedTitle.objects.filter(assessment_id=good).exists()


def test_the_township_enters_for_a_village_without_an_account(
    as_user, tree, round_2026, other_township_officer
):
    client = as_user(other_township_officer)
    assert client.get(_path(round_2026, tree.village_3)).json()["on_behalf"] is True
    opened = _send(client, "post", _path(round_2026, tree.village_3, "/open"))
    assert [r["entered_by_township"] for r in opened.json()["ratings"]] == [True]


def test_it_refuses_the_township_for_a_village_with_its_own_operator(
    as_user, tree, round_2026, village_operator, township_officer
):
    response = _send(as_user(township_officer), "post", _path(round_2026, tree.village_1, "/open"))
    assert response.status_code == 403
    assert not group_rules.group_ratings_of(round_2026, tree.village_1).exists()


def test_it_answers_404_outside_the_subtree(as_user, tree, round_2026, outsider, township_officer):
    assert as_user(outsider).get(_path(round_2026, tree.village_1)).status_code == 404
    assert as_user(township_officer).get(_path(round_2026, tree.village_3)).status_code == 404
