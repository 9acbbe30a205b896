"""One qualified-village application from self-assessment to the county's decision."""

from assessments import group_rules
from assessments.group_ratings import do_decide_group_ratings, do_submit_group_ratings
from assessments.models import AssessmentState, AwardedTitle, TitleStatus
from assessments.services import (
    ScoreInput,
    do_apply,
    do_decide,
    do_pass,
    do_save_scores,
    do_submit,
)
from standards.models import Item, TitleKind


def _score_all(actor, assessment, points_by_number, veto_violated=False):
    entries = []
    for item in Item.objects.filter(section__standard=assessment.standard):
        entries.append(
            ScoreInput(
                item_id=item.pk,
                points=points_by_number.get(item.number, item.points),
                veto_violated=veto_violated if item.is_veto else None,
            )
        )
    return do_save_scores(actor, assessment, entries)


def test_it_awards_the_title_after_the_whole_chain(
    tree, round_2026, village_operator, township_officer, county_officer
):
    assessment = do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    groups = list(group_rules.ratings_with(assessment).order_by("unit__name"))
    assert {g.unit for g in groups} == {tree.group_1, tree.group_2, tree.branch_group}
    _score_all(village_operator, assessment, {"3": 40})
    for group in groups:
        _score_all(village_operator, group, {"1": 10})
    do_submit(village_operator, assessment)
    do_submit_group_ratings(village_operator, round_2026, tree.village_1)
    do_decide_group_ratings(
        township_officer, round_2026, tree.village_1, {g.pk: (True, "") for g in groups}
    )
    _score_all(township_officer, assessment, {"3": 35})
    do_pass(township_officer, assessment)
    do_decide(county_officer, assessment, award=True)
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.AWARDED
    title = AwardedTitle.objects.get(unit=tree.village_1, title=TitleKind.QUALIFIED_VILLAGE)
    assert (title.year, title.status) == (2026, TitleStatus.AWARDED)
    group_titles = AwardedTitle.objects.filter(title=TitleKind.FIVE_GOOD_GROUP)
    assert {t.unit for t in group_titles} == {tree.group_1, tree.group_2, tree.branch_group}
