"""Crash drills on a real gunicorn: its worker is killed with SIGKILL in the middle of a score save,
a member edit and a decision, inside the transaction (its own rows and its audit event written, not
committed). The client gets no answer, nothing of the request is applied, the audit chain
verifies, and the same request sent again applies once (with its Idempotency-Key, once the
killed request's claim is old enough to be abandoned).

The worker pauses at the drill's audit event through a gunicorn hook of the test
(`crash.PAUSING_WORKER`), so each drill is bounded by gunicorn's start, not by a timer."""

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import do_create_token
from assessments.models import AssessmentState, AwardedTitle, Score
from assessments.tests.helpers import chain_to_last_stage, entries, self_assess_and_submit
from audit.models import AuditEvent
from audit.services import verify_chain
from registers.models import Member
from registers.services import do_create_member
from sanlian.idempotency import ABANDONED_AFTER
from sanlian.models import Submission
from sanlian.tests import crash

API = "/api/v1"


def _kill_mid_request(
    tmp_path, user, pause_at: str, method: str, path: str, body: dict, key: str = ""
) -> str:
    """Send the request to a gunicorn whose worker is killed inside its transaction. The test's
    database is then what the killed worker left. Returns the API token it was sent with."""
    _token, raw = do_create_token(None, user, "drill")
    url = crash.database_url(tmp_path)
    events = AuditEvent.objects.count()
    seen = crash.kill_web_worker_mid_request(
        url,
        tmp_path,
        pause_at,
        lambda base: crash.send_json(base, method, API + path, body, raw, key),
    )
    crash.take_back(url)
    assert isinstance(seen, OSError), f"the killed request answered {seen}"
    assert AuditEvent.objects.count() == events
    report = verify_chain()
    assert report.ok, report.reason
    return raw


def _again(token: str, method: str, path: str, body: dict, key: str = "") -> int:
    """The same request sent again by its client (to this process)."""
    headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
    send = getattr(Client(), method.lower())
    return send(
        API + path, json.dumps(body), content_type="application/json", headers=headers
    ).status_code


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

    token = _kill_mid_request(
        tmp_path, chain_personas.township, "assessment.score", "PUT", path, body
    )

    assessment.refresh_from_db()
    assert assessment.version == version
    assert not Score.objects.filter(assessment=assessment, stage=1).exists()
    assert _again(token, "PUT", path, body) == 200
    assert Score.objects.filter(assessment=assessment, stage=1, is_current=True).count() == len(
        body["entries"]
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_member_edit_applies_nothing(
    live_seeded, tree, county_officer, tmp_path
):
    member = do_create_member(None, tree.village_1, name="王建国", join_date=date(2020, 3, 1))
    path, body = f"/members/{member.pk}", {"version": member.version, "occupation": "农民"}

    token = _kill_mid_request(
        tmp_path, county_officer, "registers.member.update", "PATCH", path, body
    )

    member.refresh_from_db()
    assert (member.occupation, member.version) == ("", body["version"])
    assert _again(token, "PATCH", path, body) == 200
    assert Member.objects.get(pk=member.pk).occupation == "农民"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_decision_applies_nothing(
    live_seeded, tree, round_2026, chain_personas, tmp_path
):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    path, body = f"/assessments/{assessment.pk}/decide", {"award": True}
    state, transitions = assessment.state, assessment.transitions.count()
    titles = AwardedTitle.objects.count()

    token = _kill_mid_request(
        tmp_path, chain_personas.county, "title.award", "POST", path, body, key="decide-1"
    )

    assessment.refresh_from_db()
    assert (assessment.state, assessment.transitions.count()) == (state, transitions)
    assert AwardedTitle.objects.count() == titles
    # The killed request's key: "still being processed" until it is old enough to be abandoned.
    assert _again(token, "POST", path, body, key="decide-1") == 409
    Submission.objects.update(created_at=timezone.now() - ABANDONED_AFTER - timedelta(seconds=1))
    assert _again(token, "POST", path, body, key="decide-1") == 200
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.AWARDED
    assert AwardedTitle.objects.filter(assessment=assessment).count() == 1
