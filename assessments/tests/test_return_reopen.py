"""Returning an assessment one stage, whole or per item: only the returned items reopen, the
others keep their scores, the reason is recorded; a whole return reopens everything."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import group_rules
from assessments.group_ratings import do_submit_group_ratings
from assessments.models import Score, TransitionAction
from assessments.services import (
    ScoreInput,
    do_return,
    do_save_scores,
    do_submit,
    effective_marks,
)
from assessments.tests.helpers import chain_to_last_stage, score_all, self_assess_and_submit
from audit.models import AuditEvent
from standards.models import Item

pytestmark = pytest.mark.usefixtures("english")


def _item(assessment, number):
    return Item.objects.get(section__standard=assessment.standard, number=number)


@pytest.fixture
def submitted(tree, round_2026, chain_personas):
    return self_assess_and_submit(chain_personas, round_2026, tree.village_1)


def test_it_records_the_reason_and_the_items_of_a_per_item_return(submitted, chain_personas):
    item = _item(submitted, "3")
    do_return(chain_personas.township, submitted, reason="第3条缺少活动记录", items=[item.pk])
    submitted.refresh_from_db()
    assert (submitted.stage, submitted.reopened_items) == (0, [item.pk])
    transition = submitted.transitions.last()
    assert transition.action == TransitionAction.RETURN
    assert (transition.reason, transition.items) == ("第3条缺少活动记录", [item.pk])
    event = AuditEvent.objects.filter(action="assessment.return").last()
    assert event.after["reason"] == "第3条缺少活动记录"
    assert event.after["items"] == [item.pk]


def test_it_reopens_only_the_returned_items(submitted, chain_personas):
    returned, kept = _item(submitted, "3"), _item(submitted, "1")
    do_return(chain_personas.township, submitted, reason="补材料", items=[returned.pk])
    with pytest.raises(ValidationError, match="not returned for change"):
        do_save_scores(
            chain_personas.village, submitted, [ScoreInput(item_id=kept.pk, points="10")]
        )
    do_save_scores(
        chain_personas.village, submitted, [ScoreInput(item_id=returned.pk, points="45")]
    )
    marks = effective_marks(submitted, 0)
    assert marks[returned.pk].points == Decimal("45")
    assert marks[kept.pk].points == Decimal("25")


def test_it_keeps_every_version_of_a_changed_score(submitted, chain_personas):
    item = _item(submitted, "3")
    do_return(chain_personas.township, submitted, reason="补材料", items=[item.pk])
    do_save_scores(chain_personas.village, submitted, [ScoreInput(item_id=item.pk, points="45")])
    versions = Score.objects.filter(assessment=submitted, item=item, stage=0).order_by("id")
    assert [(v.points, v.is_current) for v in versions] == [
        (Decimal("50"), False),
        (Decimal("45"), True),
    ]


def test_it_closes_the_reopened_items_again_on_resubmission(submitted, chain_personas):
    item = _item(submitted, "3")
    do_return(chain_personas.township, submitted, reason="补材料", items=[item.pk])
    do_submit(chain_personas.village, submitted)
    submitted.refresh_from_db()
    assert (submitted.stage, submitted.reopened_items) == (1, [])
    # The township scores every item again at its own stage.
    score_all(chain_personas.township, submitted)


def test_it_reopens_everything_on_a_whole_return_and_leaves_the_groups(submitted, chain_personas):
    do_submit_group_ratings(chain_personas.village, submitted.round, submitted.unit)
    do_return(chain_personas.township, submitted, reason="整体退回重评")
    submitted.refresh_from_db()
    assert (submitted.stage, submitted.reopened_items) == (0, [])
    score_all(chain_personas.village, submitted, {"1": 20, "2": 20})
    ratings = group_rules.ratings_with(submitted)
    assert set(ratings.values_list("stage", flat=True)) == {1}
    with pytest.raises(PermissionDenied):
        score_all(chain_personas.village, ratings.first())


def test_it_returns_from_the_county_to_the_township_per_item(tree, round_2026, chain_personas):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    item, other = _item(assessment, "2"), _item(assessment, "1")
    do_return(chain_personas.county, assessment, reason="第2条分数偏高", items=[item.pk])
    assessment.refresh_from_db()
    assert assessment.stage == 1
    do_save_scores(chain_personas.township, assessment, [ScoreInput(item_id=item.pk, points="20")])
    with pytest.raises(ValidationError):
        do_save_scores(
            chain_personas.township, assessment, [ScoreInput(item_id=other.pk, points="20")]
        )


def test_it_needs_a_reason_to_return(submitted, chain_personas):
    with pytest.raises(ValidationError, match="Say why"):
        do_return(chain_personas.township, submitted, reason="  ")
    submitted.refresh_from_db()
    assert submitted.stage == 1


def test_it_refuses_items_of_another_standard(submitted, chain_personas, first_class_standard):
    foreign = Item.objects.filter(section__standard=first_class_standard).first()
    with pytest.raises(ValidationError, match="does not belong"):
        do_return(chain_personas.township, submitted, reason="x", items=[foreign.pk])


def test_it_refuses_a_return_by_the_applicant_or_another_township(
    submitted, chain_personas, other_township_officer
):
    with pytest.raises(PermissionDenied):
        do_return(chain_personas.village, submitted, reason="撤回")
    with pytest.raises(PermissionDenied):
        do_return(other_township_officer, submitted, reason="越权")


def test_it_takes_evidence_only_for_the_returned_items(submitted, chain_personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.services import do_attach_evidence

    returned, kept = _item(submitted, "3"), _item(submitted, "1")
    do_return(chain_personas.township, submitted, reason="补照片", items=[returned.pk])
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    with pytest.raises(ValidationError, match="not returned for change"):
        do_attach_evidence(
            chain_personas.village, submitted, SimpleUploadedFile("a.png", png), kept
        )
    evidence = do_attach_evidence(
        chain_personas.village, submitted, SimpleUploadedFile("b.png", png), returned
    )
    assert (evidence.slot, evidence.unit) == (f"item-{returned.pk}", submitted.access_unit)
