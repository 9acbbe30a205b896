"""A township review killed with SIGKILL inside a save's transaction (its scores and its audit
event written, not committed): every save acknowledged before is there, nothing of the killed one
is, the audit chain verifies; the retried save applies once, and retrying an acknowledged save
gets a conflict instead of a second version."""

import json

import pytest

from assessments.models import Score
from assessments.services import ScoreConflict, ScoreInput, do_save_scores
from assessments.tests.helpers import self_assess_and_submit
from audit.models import AuditEvent
from audit.services import verify_chain
from sanlian.tests import crash
from standards.models import Item

pytestmark = pytest.mark.usefixtures("english")

KILL_AT = 3

REVIEWER = """
from django.contrib.auth import get_user_model
from assessments import services
from assessments.models import Assessment
from assessments.services import scoring

reviewer = get_user_model().objects.get(pk=ARGS["actor"])
assessment = Assessment.objects.get(pk=ARGS["assessment"])
for n, (item_id, points, veto) in enumerate(ARGS["items"]):
    if n == ARGS["kill_at"]:
        original_record_event = scoring.record_event

        def record_event(**fields):
            event = original_record_event(**fields)
            die_here()

        scoring.record_event = record_event
    entry = services.ScoreInput(item_id, points, veto_violated=veto, base=0)
    services.do_save_scores(reviewer, assessment, [entry])
    ack(item_id)
"""


def _current(assessment, item_id):
    return Score.objects.filter(
        assessment=assessment, item_id=item_id, stage=assessment.stage, is_current=True
    )


@pytest.mark.django_db(transaction=True)
def test_a_review_killed_mid_save_keeps_every_acknowledged_save_and_nothing_else(
    live_seeded, tree, round_2026, chain_personas, tmp_path
):
    submitted = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    items = [
        (item.pk, str(item.points), False if item.is_veto else None)
        for item in Item.objects.filter(section__standard=submitted.standard).order_by("pk")
    ][: KILL_AT + 1]
    version, events = submitted.version, AuditEvent.objects.count()
    url = crash.database_url(tmp_path)
    args = {
        "actor": chain_personas.township.pk,
        "assessment": submitted.pk,
        "items": items,
        "kill_at": KILL_AT,
    }

    acks = crash.run_until_killed(REVIEWER, url, tmp_path, json.dumps(args))

    assert acks == [str(item_id) for item_id, _points, _veto in items[:KILL_AT]]
    assert crash.left_a_hot_journal(url)
    assert crash.sqlite_integrity(url) == "ok"
    crash.take_back(url)
    submitted.refresh_from_db()
    for item_id, _points, _veto in items[:KILL_AT]:
        assert _current(submitted, item_id).count() == 1
    killed_item, killed_points, killed_veto = items[KILL_AT]
    assert not Score.objects.filter(
        assessment=submitted, item_id=killed_item, stage=submitted.stage
    ).exists()
    assert submitted.version > version
    assert AuditEvent.objects.count() == events + KILL_AT
    report = verify_chain()
    assert report.ok, report.reason

    # The reviewer's page retries the save that never answered: it applies once.
    do_save_scores(
        chain_personas.township,
        submitted,
        [ScoreInput(killed_item, killed_points, veto_violated=killed_veto, base=0)],
    )
    assert _current(submitted, killed_item).count() == 1
    # A retry of a save that was acknowledged is a conflict, not a second version.
    first_item, first_points, first_veto = items[0]
    with pytest.raises(ScoreConflict):
        do_save_scores(
            chain_personas.township,
            submitted,
            [ScoreInput(first_item, first_points, veto_violated=first_veto, base=0)],
        )
    assert (
        Score.objects.filter(
            assessment=submitted, item_id=first_item, stage=submitted.stage
        ).count()
        == 1
    )
    assert verify_chain().ok
