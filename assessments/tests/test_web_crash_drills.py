"""Crash drills on a real gunicorn: its worker is killed with SIGKILL in the middle of a score save,
a member edit and a decision, inside the transaction (its own rows and its audit event written, not
committed). The client gets no answer, nothing of the request is applied, the audit chain
verifies, and the same request sent again applies once.

The worker pauses at the drill's audit event through a gunicorn hook of the test
(`crash.PAUSING_WORKER`), so each drill is bounded by gunicorn's start, not by a timer."""

from datetime import date

import pytest
from django.test import Client

from accounts.services import do_create_token
from assessments.models import AssessmentState, AwardedTitle, Score
from assessments.tests.helpers import chain_to_last_stage, entries, self_assess_and_submit
from audit.models import AuditEvent
from audit.services import verify_chain
from registers.models import Member
from registers.services import do_create_member
from sanlian.tests import crash

API = "/api/v1"


def _kill_mid_request(tmp_path, user, pause_at: str, method: str, path: str, body: dict):
    """Send the request to a gunicorn whose worker is killed inside its transaction; the client's
    view of it. The test's database is then what the killed worker left."""
    _token, raw = do_create_token(None, user, "drill")
    url = crash.database_url(tmp_path)
    events = AuditEvent.objects.count()
    seen = crash.kill_web_worker_mid_request(
        url, tmp_path, pause_at, lambda base: crash.send_json(base, method, API + path, body, raw)
    )
    crash.take_back(url)
    assert isinstance(seen, OSError), f"the killed request answered {seen}"
    assert AuditEvent.objects.count() == events
    report = verify_chain()
    assert report.ok, report.reason


def _again(user, method: str, path: str, body: dict) -> int:
    import json

    client = Client()
    client.force_login(user)
    send = getattr(client, method.lower())
    return send(API + path, json.dumps(body), content_type="application/json").status_code


def _score_body(assessment) -> dict:
    return {
        "entries": [
            {
                "item_id": e.item_id,
                "points": str(e.points),
                "veto_violated": e.veto_violated,
                "base": 0,
            }
            for e in entries(assessment)
        ]
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_score_save_applies_nothing(
    live_seeded, tree, round_2026, chain_personas, tmp_path
):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    assessment.refresh_from_db()
    path, body = f"/assessments/{assessment.pk}/scores", _score_body(assessment)
    version = assessment.version

    _kill_mid_request(tmp_path, chain_personas.township, "assessment.score", "PUT", path, body)

    assessment.refresh_from_db()
    assert assessment.version == version
    assert not Score.objects.filter(assessment=assessment, stage=1).exists()
    assert _again(chain_personas.township, "PUT", path, body) == 200
    assert Score.objects.filter(assessment=assessment, stage=1, is_current=True).count() == len(
        body["entries"]
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_member_edit_applies_nothing(
    live_seeded, tree, county_officer, tmp_path
):
    member = do_create_member(None, tree.village_1, name="王建国", join_date=date(2020, 3, 1))
    path, body = f"/members/{member.pk}", {"version": member.version, "occupation": "农民"}

    _kill_mid_request(tmp_path, county_officer, "registers.member.update", "PATCH", path, body)

    member.refresh_from_db()
    assert (member.occupation, member.version) == ("", body["version"])
    assert _again(county_officer, "PATCH", path, body) == 200
    assert Member.objects.get(pk=member.pk).occupation == "农民"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_decision_applies_nothing(
    live_seeded, tree, round_2026, chain_personas, tmp_path
):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    path, body = f"/assessments/{assessment.pk}/decide", {"award": True}
    state, transitions = assessment.state, assessment.transitions.count()
    titles = AwardedTitle.objects.count()

    _kill_mid_request(tmp_path, chain_personas.county, "title.award", "POST", path, body)

    assessment.refresh_from_db()
    assert (assessment.state, assessment.transitions.count()) == (state, transitions)
    assert AwardedTitle.objects.count() == titles
    assert _again(chain_personas.county, "POST", path, body) == 200
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.AWARDED
    assert AwardedTitle.objects.filter(assessment=assessment).count() == 1
