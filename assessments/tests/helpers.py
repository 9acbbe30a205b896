"""Steps of the chain shared by the assessment tests."""

from assessments import group_rules
from assessments.services import (
    ScoreInput,
    do_apply,
    do_pass,
    do_save_scores,
    do_submit,
)
from standards.models import Item, TitleKind


def entries(assessment, points_by_number=None, veto_violated=False):
    """A score for every item: full points unless given by item number."""
    points_by_number = points_by_number or {}
    return [
        ScoreInput(
            item_id=item.pk,
            points=points_by_number.get(item.number, item.points),
            veto_violated=veto_violated if item.is_veto else None,
        )
        for item in Item.objects.filter(section__standard=assessment.standard)
    ]


def score_all(actor, assessment, points_by_number=None, veto_violated=False):
    return do_save_scores(actor, assessment, entries(assessment, points_by_number, veto_violated))


def rate_groups(actor, assessment, points_by_number=None):
    for group in group_rules.ratings_with(assessment):
        score_all(actor, group, points_by_number)


def self_assess_and_submit(personas, round_, unit, title=TitleKind.QUALIFIED_VILLAGE):
    assessment = do_apply(personas.village, round_, title, unit)
    score_all(personas.village, assessment)
    rate_groups(personas.village, assessment)
    do_submit(personas.village, assessment)
    return assessment


def chain_to_last_stage(round_, unit, personas, points_by_number=None):
    """A qualified-village application submitted, scored and passed by the township: it waits
    for the county's decision."""
    assessment = self_assess_and_submit(personas, round_, unit)
    score_all(personas.township, assessment, points_by_number)
    do_pass(personas.township, assessment)
    assessment.refresh_from_db()
    return assessment
