"""Helpers shared by the assessment page tests: moving an assessment along the chain through
the services, so that each page test starts where it needs to."""

from assessments import group_rules
from assessments.services import ScoreInput, do_apply, do_pass, do_save_scores, do_submit
from standards.models import Item, TitleKind


def score_all(actor, assessment, points=None, veto_violated=False, reason=""):
    """Score every item (full points unless `points` says otherwise, by item number); `reason`
    is given for every score that differs from a metric's suggestion."""
    points = points or {}
    entries = [
        ScoreInput(
            item_id=item.pk,
            points=points.get(item.number, item.points) if item.points else None,
            veto_violated=veto_violated if item.is_veto else None,
            override_reason=reason if item.metric else "",
        )
        for item in Item.objects.filter(section__standard=assessment.standard)
    ]
    return do_save_scores(actor, assessment, entries)


def applied(tree, round_, village_operator, title=TitleKind.QUALIFIED_VILLAGE):
    return do_apply(village_operator, round_, title, tree.village_1)


def submitted(tree, round_, village_operator):
    """A qualified-village application of village_1, self-assessed with its groups, submitted."""
    assessment = applied(tree, round_, village_operator)
    score_all(village_operator, assessment)
    for group in group_rules.ratings_with(assessment):
        score_all(village_operator, group)
    do_submit(village_operator, assessment)
    assessment.refresh_from_db()
    return assessment


def at_county(tree, round_, village_operator, township_officer):
    assessment = submitted(tree, round_, village_operator)
    score_all(township_officer, assessment)
    do_pass(township_officer, assessment)
    assessment.refresh_from_db()
    return assessment


def item(assessment, number):
    return Item.objects.get(section__standard=assessment.standard, number=number)
